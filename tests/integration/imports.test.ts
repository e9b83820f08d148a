import { beforeAll, describe, expect, it } from 'vitest';
import type { Case } from '@cc/core';
import { createTestContext, type TestContext } from '../support/harness';
import { inboxItems } from '../support/inbox';

let t: TestContext;
let supervisor: string;

type ImportBody = {
  summary: { created: number; duplicate: number; rejected: number };
  results: { line: number; status: string; caseId?: string; externalId?: string; reason?: string }[];
};

const ndjson = (lines: (Record<string, unknown> | string)[]) =>
  lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
const post = (body: string, token = supervisor, contentType = 'application/x-ndjson') =>
  t.request('POST', '/imports/cases', { token, body, headers: { 'content-type': contentType } });
const inboxOf = (userId: string) => inboxItems(t.deps.store, userId);

beforeAll(async () => {
  t = await createTestContext();
  await Promise.all([t.user('mgr-1', 'manager'), t.user('mgr-2', 'manager')]);
  const customers = t.services.customers;
  const admin = { userId: 'admin-1', role: 'admin' as const, branchId: 'BR-001' };
  await customers.create(admin, {
    customerNumber: 'IMP-1',
    name: 'Zhou Fang',
    type: 'individual',
    level: 'vip',
    primaryManagerId: 'mgr-1',
    contactPoints: [],
    tags: [],
  });
  await customers.create(admin, {
    customerNumber: 'IMP-2',
    name: 'Demo Trading',
    type: 'corporate',
    primaryManagerId: 'mgr-2',
    contactPoints: [],
    tags: [],
  });
  supervisor = await t.token('sup-1', 'supervisor', 'BR-001');
});

describe('POST /imports/cases', () => {
  const complaint = {
    source: 'call_center',
    externalId: 'CC-1',
    customerNumber: 'IMP-1',
    type: 'complaint',
    category: 'card',
    description: 'Card blocked abroad',
    occurredAt: new Date(Date.now() - 30 * 86_400_000).toISOString(),
  };
  const inquiry = {
    source: 'online_banking',
    externalId: 'OB-7',
    customerNumber: 'IMP-2',
    type: 'inquiry',
    subject: 'product',
    productCode: 'FX-FWD',
    description: 'Forward contract pricing?',
  };

  it('creates new cases, reports duplicates and bad lines by line number, and notifies each owner once', async () => {
    const body = ndjson([
      complaint,
      '',
      inquiry,
      complaint,
      '{not json',
      { ...complaint, externalId: 'CC-2', customerNumber: 'NOBODY' },
      { ...complaint, externalId: 'CC-3', type: 'suggestion' },
      { source: 'fax', externalId: 'F-1', customerNumber: 'IMP-1', type: 'complaint', description: 'x' },
      { ...inquiry, source: 'call_center' },
    ]);
    const res = await post(body);
    expect(res.status).toBe(200);
    const result = (await res.json()) as ImportBody;
    expect(result.summary).toEqual({ created: 3, duplicate: 1, rejected: 4 });
    const byLine = Object.fromEntries(result.results.map((r) => [r.line, r]));
    expect(byLine[1]).toMatchObject({ status: 'created', externalId: 'CC-1' });
    expect(byLine[3]).toMatchObject({ status: 'created', externalId: 'OB-7' });
    // The same externalId twice in one file is one case, and the first line is the one created.
    expect(byLine[4]).toMatchObject({ status: 'duplicate', externalId: 'CC-1' });
    expect(byLine[4]!.caseId).toBe(byLine[1]!.caseId);
    expect(byLine[5]).toMatchObject({ status: 'rejected', reason: 'not valid JSON' });
    expect(byLine[6]).toMatchObject({ status: 'rejected', externalId: 'CC-2' });
    expect(byLine[6]!.reason).toContain('customerNumber');
    expect(byLine[7]!.reason).toContain('type');
    expect(byLine[8]!.reason).toContain('source');
    // Idempotency is per source: the same externalId from another system is another case.
    expect(byLine[9]).toMatchObject({ status: 'created' });
    expect(byLine[9]!.caseId).not.toBe(byLine[3]!.caseId);

    const token = await t.token('mgr-1', 'manager', 'BR-001');
    const imported = (await (await t.request('GET', `/cases/${byLine[1]!.caseId}`, { token })).json()) as Case;
    expect(imported).toMatchObject({
      ownerId: 'mgr-1',
      origin: 'call_center_import',
      createdBy: { kind: 'channel', channel: 'call_center_import', externalId: 'CC-1' },
    });
    expect((await inboxOf('mgr-1')).map((i) => [i.kind, i.caseId])).toEqual([['case_imported', byLine[1]!.caseId]]);
    expect(await inboxOf('mgr-2')).toHaveLength(2);

    // Re-sending the file creates nothing and notifies no one again.
    const again = (await (await post(body)).json()) as ImportBody;
    expect(again.summary).toEqual({ created: 0, duplicate: 4, rejected: 4 });
    expect(again.results.find((r) => r.line === 1)?.caseId).toBe(byLine[1]!.caseId);
    expect(await inboxOf('mgr-1')).toHaveLength(1);
  });

  it('takes no case number for lines already imported', async () => {
    const line = { ...complaint, externalId: 'CC-NUM-1' };
    const first = (await (await post(ndjson([line]))).json()) as ImportBody;
    const number = (id: string) => Number(id.slice(-6));
    for (let i = 0; i < 3; i++)
      expect((await (await post(ndjson([line]))).json()) as ImportBody).toMatchObject({
        summary: { duplicate: 1 },
      });
    const next = (await (await post(ndjson([{ ...line, externalId: 'CC-NUM-2' }]))).json()) as ImportBody;
    expect(number(next.results[0]!.caseId!)).toBe(number(first.results[0]!.caseId!) + 1);
  });

  it("keeps the case's original date, in UTC, on the case, the owner's inbox item and the timeline", async () => {
    const line = { ...complaint, externalId: 'CC-DATE-1', occurredAt: '2026-01-05T16:30:00+08:00' };
    const result = (await (await post(ndjson([line]))).json()) as ImportBody;
    const caseId = result.results[0]!.caseId!;
    const token = await t.token('mgr-1', 'manager', 'BR-001');
    const imported = (await (await t.request('GET', `/cases/${caseId}`, { token })).json()) as Case;
    expect(imported.occurredAt).toBe('2026-01-05T08:30:00.000Z');
    const inbox = (await (await t.request('GET', '/me/inbox', { token })).json()) as {
      items: { caseId?: string; date: string }[];
    };
    expect(inbox.items.find((i) => i.caseId === caseId)?.date).toBe('2026-01-05T08:30:00.000Z');
    const timeline = (await (
      await t.request('GET', `/customers/${imported.customerId}/timeline?limit=100`, { token })
    ).json()) as { items: { occurredAt: string; links: { caseId?: string } }[] };
    expect(timeline.items.find((e) => e.links.caseId === caseId)?.occurredAt).toBe('2026-01-05T08:30:00.000Z');
  });

  it('rejects a known externalId sent again with different content', async () => {
    const res = (await (await post(ndjson([{ ...complaint, description: 'Changed text' }]))).json()) as ImportBody;
    expect(res.results[0]).toMatchObject({ status: 'rejected', externalId: 'CC-1' });
    expect(res.results[0]!.reason).toContain('different content');
  });

  it('accepts only NDJSON, only from supervisors and admins, and at most 1000 lines', async () => {
    expect((await post(ndjson([complaint]), supervisor, 'application/json')).status).toBe(415);
    expect((await post(ndjson([complaint]), await t.token('mgr-1', 'manager', 'BR-001'))).status).toBe(403);
    const tooMany = Array.from({ length: 1001 }, (_, i) => JSON.stringify({ ...complaint, externalId: `X-${i}` })).join(
      '\n',
    );
    const res = await post(tooMany);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { code: string }).code).toBe('import.too_many_lines');
  });
});
