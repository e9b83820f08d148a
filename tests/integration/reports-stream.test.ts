import { gunzipSync } from 'node:zlib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { caseTransitions, localDay, type CaseStatus } from '@cc/core';
import { composeReporter } from '@cc/services';
import { decodeStreamRecord, TTL_PRINCIPAL, type RawStreamRecord } from '@cc/store';
import { createTestContext, type TestContext } from '../support/harness';
import { aggregates, reportsPoller, streamRecords } from '../support/reports';
import { createCustomer } from './intake-support';
import { seedPeople } from './opportunities-support';

/**
 * The stream consumer as Lambda runs it (functions/reporter.ts, S3 on s3rver): the archive layout, TTL removals,
 * partial batch failures, and exactly-once counting under a randomized workload delivered with replays.
 */
const ARCHIVE = 'archive';
let t: TestContext;
let s3server: S3rver;
let s3: S3Client;
let directory: string;
let handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
const environmentBefore = { ...process.env };

/** GetRecords' shape as Lambda's event: the creation time in epoch seconds. */
const asEvent = (records: RawStreamRecord[]) =>
  ({
    Records: records.map((r) => ({
      ...r,
      dynamodb: {
        ...r.dynamodb,
        ApproximateCreationDateTime: Math.floor(new Date(r.dynamodb!.ApproximateCreationDateTime!).getTime() / 1000),
      },
    })),
  }) as unknown as DynamoDBStreamEvent;

async function archived(prefix = `${t.tableName}/`) {
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: ARCHIVE, Prefix: prefix }));
  return Promise.all(
    Contents.map(async ({ Key }) => {
      const object = await s3.send(new GetObjectCommand({ Bucket: ARCHIVE, Key }));
      const lines = gunzipSync(Buffer.from(await object.Body!.transformToByteArray()))
        .toString('utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, any>);
      return { key: Key!, lines };
    }),
  );
}

beforeAll(async () => {
  t = await createTestContext();
  await seedPeople(t);
  directory = mkdtempSync(join(tmpdir(), 'cc-archive-'));
  s3server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: ARCHIVE }],
  });
  const { port } = await s3server.run();
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  s3 = new S3Client({ endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, region: 'us-east-1', credentials });
  Object.assign(process.env, {
    TABLE_NAME: t.tableName,
    ARCHIVE_BUCKET: ARCHIVE,
    LOG_LEVEL: 'silent',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
    S3_FORCE_PATH_STYLE: 'true',
  });
  ({ handler } = (await import('../../functions/reporter')) as unknown as {
    handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
  });
}, 60_000);

afterAll(async () => {
  process.env = environmentBefore;
  await s3server?.close();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

async function logContact(
  customerId: string,
  direction: 'inbound' | 'outbound',
  kase?: Record<string, string>,
  ctx = t,
) {
  const res = await ctx.request('POST', '/contacts', {
    token: await ctx.token('agent-1', 'agent'),
    json: {
      customerId,
      direction,
      startedAt: new Date().toISOString(),
      outcome: 'follow_up',
      ...(kase && { case: kase }),
    },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: string; caseId?: string };
}

describe('functions/reporter.ts on a stream batch', () => {
  it('archives contact history, cases, case history, opportunities, audit: gzip NDJSON by table/type/dt', async () => {
    const customer = await createCustomer(t, { level: 'vip', primaryManagerId: 'mgr-1' });
    await logContact(customer.id, 'inbound', {
      type: 'complaint',
      category: 'card',
      title: 'Card blocked',
      description: 'Blocked abroad',
    });
    const opp = await t.request('POST', '/opportunities', {
      token: await t.token('sup-1', 'supervisor'),
      json: {
        customerId: customer.id,
        productCode: 'WM-1',
        expectedAmount: 1000,
        currency: 'CNY',
        expectedCloseDate: '2026-12-31',
        ownerId: 'mgr-1',
      },
    });
    expect(opp.status, await opp.clone().text()).toBe(201);
    const read = await t.request('GET', `/customers/${customer.id}`, { token: await t.token('mgr-1', 'manager') });
    expect(read.status).toBe(200);
    const records = await streamRecords(t);
    const result = await handler(asEvent(records));
    expect(result).toEqual({ batchItemFailures: [] });

    const objects = await archived();
    const types = new Set(objects.map((o) => o.key.split('/')[1]));
    expect([...types].sort()).toEqual([
      'audit',
      'case-history',
      'cases',
      'contact-history',
      'opportunities',
      'opportunity-history',
    ]);
    for (const { key, lines } of objects) {
      expect(key).toMatch(new RegExp(`^${t.tableName}/[a-z-]+/dt=\\d{4}-\\d{2}-\\d{2}/\\d+-\\d+\\.ndjson\\.gz$`));
      for (const line of lines) {
        expect(key).toContain(`/dt=${line.changedAt.slice(0, 10)}/`);
        expect(Object.keys(line)).toEqual([
          'eventId',
          'eventName',
          'sequenceNumber',
          'changedAt',
          'removedByTtl',
          'entity',
          'pk',
          'sk',
          'newImage',
          'oldImage',
        ]);
      }
    }
    // The audit trail of reads outlives its TTL in the archive, with who read what kind of record.
    const audit = objects.filter((o) => o.key.includes('/audit/')).flatMap((o) => o.lines);
    expect(
      audit.some(
        (l) =>
          l.entity === 'audit' &&
          l.newImage?.customerId === customer.id &&
          l.newImage.action === 'customer.read' &&
          (l.newImage.actor as { userId?: string } | undefined)?.userId === 'mgr-1',
      ),
    ).toBe(true);
    const contacts = objects.filter((o) => o.key.includes('/contact-history/')).flatMap((o) => o.lines);
    expect(contacts.some((l) => l.newImage?.type === 'contact' && l.newImage.customerId === customer.id)).toBe(true);
    // Nothing but the archived kinds: no inbox items, notifications, counters or the reporter's own items.
    const entities = new Set(objects.flatMap((o) => o.lines.map((l) => l.entity)));
    expect([...entities].every((e) => !['inbox', 'notification', 'report', 'report-mark'].includes(e))).toBe(true);

    // The same batch again (a redelivery): same objects, and the aggregates do not move.
    const before = await aggregates(t);
    expect(await handler(asEvent(records))).toEqual({ batchItemFailures: [] });
    expect(await aggregates(t)).toEqual(before);
    expect((await archived()).map((o) => o.key).sort()).toEqual(objects.map((o) => o.key).sort());
  });

  it('archives items the TTL removed (the service principal) and keeps them in the dated counts', async () => {
    const customer = await createCustomer(t, { level: 'gold' });
    const contact = await logContact(customer.id, 'outbound');
    await reportsPoller(t).catchUp();
    const image = (await streamRecords(t)).find(
      (r) => r.eventName === 'INSERT' && JSON.stringify(r.dynamodb?.NewImage).includes(contact.id),
    )!.dynamodb!.NewImage!;
    const keys = { pk: image.pk, sk: image.sk };
    const removal = (ttl: boolean, n: number): RawStreamRecord => ({
      eventID: `removal-${ttl}-${n}`,
      eventName: 'REMOVE',
      ...(ttl && { userIdentity: { type: 'Service', principalId: TTL_PRINCIPAL } }),
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: keys,
        OldImage: image,
        SequenceNumber: `9${String(n).padStart(20, '0')}`,
      },
    });
    const before = await aggregates(t);
    const dated = `BR#BR-001|DAY#${localDay(Date.now(), 'Asia/Shanghai')}`;
    expect(await handler(asEvent([removal(true, 1)]))).toEqual({ batchItemFailures: [] });
    const afterTtl = await aggregates(t);
    expect(afterTtl[dated]).toEqual(before[dated]);
    expect(afterTtl['BR#BR-001|NOW']!['c|cpc|0']).toBe((before['BR#BR-001|NOW']!['c|cpc|0'] ?? 0) + 1);
    const line = (await archived()).flatMap((o) => o.lines).find((l) => l.eventId === 'removal-true-1')!;
    expect(line).toMatchObject({ eventName: 'REMOVE', removedByTtl: true, newImage: null, entity: 'timeline' });
    // Removed by the application (moved, deleted) instead: the contact leaves the dated counts too.
    await handler(asEvent([removal(false, 2)]));
    expect((await aggregates(t))[dated]?.['c|contacts|voice|outbound'] ?? 0).toBe(
      before[dated]!['c|contacts|voice|outbound']! - 1,
    );
  });

  it('reports the first failed record; the retry from it counts every record once', async () => {
    const own = await createTestContext();
    const customer = await createCustomer(own, { level: 'vip', primaryManagerId: 'mgr-2' });
    await logContact(
      customer.id,
      'inbound',
      { type: 'complaint', category: 'fees', title: 'Fees', description: 'x' },
      own,
    );
    for (let i = 0; i < 3; i++) await logContact(customer.id, 'inbound', undefined, own);
    // The store's connection drops on the reporter's third transaction (an adapter failure, not provokable for real).
    let transactions = 0;
    const doc = Object.create(own.deps.store.doc) as typeof own.deps.store.doc;
    doc.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
      if (command.constructor.name === 'TransactWriteCommand' && ++transactions === 3)
        return Promise.reject(new Error('connection reset'));
      return (own.deps.store.doc.send as (...a: unknown[]) => Promise<unknown>)(command, ...rest);
    }) as typeof doc.send;
    const reporter = composeReporter({ store: { doc, tableName: own.tableName }, log: own.deps.log }, own.config);
    const records = (await streamRecords(own)).map(decodeStreamRecord);
    const first = await reporter.handleBatch(records);
    const from = records.findIndex((r) => r.sequenceNumber === first.failedSequenceNumber);
    expect(from).toBeGreaterThan(0);
    expect(first.outcomes.applied).toBeGreaterThan(0);
    // Lambda retries from the failed record; here, the whole batch again, as a bisected retry may.
    expect((await reporter.handleBatch(records.slice(from))).failedSequenceNumber).toBeUndefined();
    expect((await reporter.handleBatch(records)).outcomes.applied).toBe(0);
    const streamed = await aggregates(own);
    await own.services.reportRebuild.rebuild();
    expect(await aggregates(own)).toEqual(streamed);
    expect(streamed['MGR#mgr-2|NOW']).toMatchObject({ 'c|openCases': 1, 'c|cpc|4': 1 });
  });
});

/** A small deterministic PRNG (mulberry32), so a failing run can be repeated with its seed. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

describe('exactly once, whatever the delivery', () => {
  it('a randomized workload delivered in random batches with replays gives what the rebuild recounts', async () => {
    const t = await createTestContext();
    await seedPeople(t);
    const seed = Number(process.env.REPORTS_SEED ?? Date.now() % 100_000);
    const rnd = random(seed);
    const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
    const sup = await t.token('sup-1', 'supervisor');
    const admin = await t.token('admin-1', 'admin');
    const customers: string[] = [];
    const cases: string[] = [];
    const opportunities: string[] = [];
    for (let i = 0; i < 6; i++) {
      const managed = rnd() < 0.6;
      const c = await createCustomer(t, {
        level: managed ? pick(['vip', 'private']) : pick(['standard', 'gold']),
        ...(managed && { primaryManagerId: pick(['mgr-1', 'mgr-2', 'mgr-3']) }),
      });
      customers.push(c.id);
    }
    for (let step = 0; step < 45; step++) {
      const roll = rnd();
      if (roll < 0.4) {
        const kase =
          rnd() < 0.4
            ? {
                type: pick(['complaint', 'inquiry']),
                category: pick(['card', 'fees', 'loan']),
                title: 'A case',
                description: 'D',
              }
            : undefined;
        if (kase?.type === 'inquiry') Object.assign(kase, { subject: 'service' });
        const logged = await logContact(pick(customers), rnd() < 0.7 ? 'inbound' : 'outbound', kase, t);
        if (logged.caseId) cases.push(logged.caseId);
      } else if (roll < 0.7 && cases.length) {
        const id = pick(cases);
        const current = await t.request('GET', `/cases/${id}`, { token: sup });
        if (current.status !== 200) continue;
        const { status } = (await current.json()) as { status: CaseStatus };
        const next = caseTransitions[status].filter((s) => s !== 'converted');
        if (!next.length) continue;
        const to = pick(next);
        const res = await t.request('PATCH', `/cases/${id}`, {
          token: sup,
          json: {
            status: to,
            ...((to === 'resolved' || to === 'closed') && { note: 'Sorted out with the customer' }),
            ...(rnd() < 0.3 && { category: pick(['card', 'fees', 'loan']) }),
          },
          headers: { 'if-match': current.headers.get('etag')! },
        });
        expect(res.status, await res.clone().text()).toBe(200);
      } else if (roll < 0.78 && cases.length) {
        const id = pick(cases);
        const deleted = await t.request('DELETE', `/cases/${id}`, { token: sup, json: { reason: 'Duplicate entry' } });
        if (deleted.status === 204 && rnd() < 0.5)
          expect((await t.request('POST', `/cases/${id}/restore`, { token: admin, json: {} })).status).toBe(200);
      } else if (roll < 0.9) {
        const res = await t.request('POST', '/opportunities', {
          token: sup,
          json: {
            customerId: pick(customers),
            productCode: pick(['WM-1', 'LN-2']),
            expectedAmount: Math.round(rnd() * 1e6) / 100,
            currency: pick(['CNY', 'USD']),
            expectedCloseDate: '2026-12-31',
            ownerId: pick(['mgr-1', 'mgr-2']),
          },
        });
        expect(res.status, await res.clone().text()).toBe(201);
        opportunities.push(((await res.json()) as { id: string }).id);
      } else if (opportunities.length) {
        const id = pick(opportunities);
        const current = await t.request('GET', `/opportunities/${id}`, { token: sup });
        const { stage } = (await current.json()) as { stage: string };
        const forward: Record<string, string> = { new: 'qualified', qualified: 'proposal', proposal: 'negotiation' };
        const to = stage === 'negotiation' ? pick(['won', 'lost']) : forward[stage];
        if (!to) continue;
        const res = await t.request('POST', `/opportunities/${id}/stage`, {
          token: sup,
          json: { stage: to, ...(to === 'lost' && { lostReason: 'Chose a competitor' }) },
          headers: { 'if-match': current.headers.get('etag')! },
        });
        expect(res.status, await res.clone().text()).toBe(200);
      }
    }
    // One merge: the merged customer's timeline moves (a put and a delete per entry).
    const merged = await t.request('POST', `/customers/${customers[0]}/merge`, {
      token: sup,
      json: { mergedId: customers[1], reason: 'Same person twice' },
    });
    expect(merged.status, await merged.clone().text()).toBe(200);

    // Deliver the whole stream as Lambda might: batches of random size, some re-delivered from an earlier point.
    const records = (await streamRecords(t)).map(decodeStreamRecord);
    const reporter = composeReporter({ store: t.deps.store, log: t.deps.log }, t.config);
    let replays = 0;
    for (let at = 0; at < records.length;) {
      const size = 1 + Math.floor(rnd() * 40);
      expect((await reporter.handleBatch(records.slice(at, at + size))).failedSequenceNumber).toBeUndefined();
      if (rnd() < 0.35) {
        const from = Math.floor(rnd() * (at + size));
        expect((await reporter.handleBatch(records.slice(from, at + size))).failedSequenceNumber).toBeUndefined();
        replays++;
      }
      at += size;
    }
    const streamed = await aggregates(t);
    await t.services.reportRebuild.rebuild();
    const rebuilt = await aggregates(t);
    expect(rebuilt, `seed ${seed}`).toEqual(streamed);
    expect(replays, `seed ${seed}`).toBeGreaterThan(0);
    // Not a trivial workload: the branch's and several people's days and months (10 for some seeds, e.g. 48750).
    expect(Object.keys(streamed).length, `seed ${seed}`).toBeGreaterThanOrEqual(8);
  }, 120_000);
});
