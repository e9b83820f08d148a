import { beforeAll, describe, expect, it } from 'vitest';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { CaseStatus } from '@cc/core';
import { composeReporter, reportAggregatesInvariant } from '@cc/services';
import { decodeStreamRecord, hotKeyShards, type ChangeRecord, type StoreContext } from '@cc/store';
import { checkData } from '@cc/store/check-data';
import { keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';
import { crashingProcess } from '../support/faults';
import { aggregates, clearReports, reportsPoller, streamRecords } from '../support/reports';
import { createCustomer } from './intake-support';
import { seedPeople } from './opportunities-support';

/**
 * The stream consumer (functions/reporter.ts, and the local poller) dying between any two of its writes. A Lambda
 * whose process died gets no answer, so it retries the whole batch, or halves of it (BisectBatchOnFunctionError);
 * the local poller, restarted, reads the stream again from its trim horizon. Whatever was applied before the crash
 * must count once: the aggregates after the retry equal those of a run without a crash.
 */
let t: TestContext;
let records: ChangeRecord[];
/** The aggregates of a run without a crash. */
let expected: Awaited<ReturnType<typeof aggregates>>;
/** The reporter's writes for the whole stream, without a crash. */
let writes = 0;

const reporterOn = (store: StoreContext) => composeReporter({ store, log: t.deps.log }, t.config);

beforeAll(async () => {
  t = await createTestContext();
  await seedPeople(t);
  const agent = await t.token('agent-1', 'agent');
  const sup = await t.token('sup-1', 'supervisor');
  const customer = await createCustomer(t, { level: 'vip', primaryManagerId: 'mgr-1' });
  const call = (kase?: Record<string, string>) =>
    t.request('POST', '/contacts', {
      token: agent,
      json: {
        customerId: customer.id,
        direction: 'inbound',
        startedAt: new Date().toISOString(),
        outcome: 'follow_up',
        ...(kase && { case: kase }),
      },
    });
  const opened = await call({ type: 'complaint', category: 'fees', title: 'Fees', description: 'Charged twice' });
  expect(opened.status, await opened.clone().text()).toBe(201);
  const { caseId } = (await opened.json()) as { caseId: string };
  expect((await call()).status).toBe(201);
  for (const status of ['in_progress', 'resolved'] as CaseStatus[]) {
    const current = await t.request('GET', `/cases/${caseId}`, { token: sup });
    const changed = await t.request('PATCH', `/cases/${caseId}`, {
      token: sup,
      headers: { 'if-match': current.headers.get('etag')! },
      json: { status, ...(status === 'resolved' && { note: 'Refunded the second fee' }) },
    });
    expect(changed.status, await changed.clone().text()).toBe(200);
  }
  records = (await streamRecords(t)).map(decodeStreamRecord);

  const clean = crashingProcess(t.tableName, Number.POSITIVE_INFINITY);
  expect((await reporterOn(clean.store).handleBatch(records)).failedSequenceNumber).toBeUndefined();
  writes = clean.steps();
  expected = await aggregates(t);
}, 60_000);

describe('the reporter, dying between any two of its writes', () => {
  it('without a crash, counts what the rebuild recounts from the base items', async () => {
    expect(writes).toBeGreaterThanOrEqual(5);
    expect(Object.keys(expected).length).toBeGreaterThan(3);
    await t.services.reportRebuild.rebuild();
    expect(await aggregates(t)).toEqual(expected);
  });

  it('retried as Lambda does after a crash at each write (the whole batch, or its halves): counted once', async () => {
    for (let crashAt = 0; crashAt < writes; crashAt++) {
      await clearReports(t);
      const dying = crashingProcess(t.tableName, crashAt);
      const crashed = await reporterOn(dying.store).handleBatch(records);
      expect(crashed.failedSequenceNumber, `crash at write ${crashAt}`).toBeDefined();
      expect(dying.steps()).toBe(crashAt);
      // The next container: no caches, no memory of the batch.
      const next = reporterOn(t.deps.store);
      const batches =
        crashAt % 2 ? [records] : [records.slice(0, records.length / 2), records.slice(records.length / 2)];
      for (const batch of batches) expect((await next.handleBatch(batch)).failedSequenceNumber).toBeUndefined();
      expect(await aggregates(t), `after a crash at write ${crashAt}`).toEqual(expected);
    }
  }, 180_000);

  it('the local poller restarted after a crash reads the stream again and counts each record once', async () => {
    await clearReports(t);
    const dying = crashingProcess(t.tableName, Math.floor(writes / 2));
    await reportsPoller(t, { reporter: reporterOn(dying.store) }).round();
    expect(dying.steps()).toBe(Math.floor(writes / 2));
    await reportsPoller(t, { reporter: reporterOn(t.deps.store) }).catchUp();
    expect(await aggregates(t)).toEqual(expected);
  });

  it('check-data --reports finds an aggregate a lost record left wrong, and none after the rebuild', async () => {
    await clearReports(t);
    expect((await reporterOn(t.deps.store).handleBatch(records)).failedSequenceNumber).toBeUndefined();
    const reportCheck = async () => {
      const check = await checkData(t.deps.store, {
        graceMs: 10 * 60_000,
        derived: [reportAggregatesInvariant(t.services.reportRebuild)],
      });
      return check.reports.find((r) => r.name === 'report-aggregates')!;
    };
    const clean = await reportCheck();
    expect(clean.violations).toEqual([]);
    expect(clean.checked).toBe(Object.keys(expected).length);

    // The counts of a record given up after its retries never reached this bucket.
    const [scope, period] = Object.keys(expected)[0]!.split('|') as [string, string];
    for (let shard = 0; shard < hotKeyShards(t.deps.store); shard++)
      await t.deps.store.doc.send(
        new DeleteCommand({ TableName: t.tableName, Key: keys.reportBucket(scope, period, shard) }),
      );
    const damaged = await reportCheck();
    expect(damaged.violations.map((v) => v.detail)).toEqual([expect.stringContaining(`report ${scope} ${period}:`)]);

    await t.services.reportRebuild.rebuild();
    expect((await reportCheck()).violations).toEqual([]);
  });
});
