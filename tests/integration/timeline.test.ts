import { beforeAll, describe, expect, it } from 'vitest';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { newId, type TimelineEntry } from '@cc/core';
import { timelineItem } from '@cc/store';
import { createTestContext, type TestContext } from '../support/harness';
import { createCustomer, problem } from './intake-support';

let t: TestContext;
let customerId: string;
const TOTAL = 1_050;
const channels = ['voice', 'web', 'sms', 'email'] as const;

beforeAll(async () => {
  t = await createTestContext();
  customerId = (await createCustomer(t)).id;
  const start = Date.parse('2025-06-01T00:00:00Z');
  // Some entries share a timestamp: order must still be total (time, then id).
  const entries: TimelineEntry[] = Array.from({ length: TOTAL }, (_, i) => {
    const occurredAt = new Date(start + Math.floor(i / 3) * 60_000).toISOString();
    return {
      id: newId(),
      customerId,
      type: i % 10 === 0 ? 'case' : 'contact',
      channel: channels[i % 4]!,
      direction: 'inbound',
      occurredAt,
      actor: { kind: 'customer', channel: channels[i % 4]! },
      summary: `entry ${i}`,
      links: {},
    };
  });
  const puts = entries.map((e) => ({ PutRequest: { Item: timelineItem(t.deps.store, e, 3650).item.Put!.Item! } }));
  const batches = Array.from({ length: Math.ceil(puts.length / 25) }, (_, i) => puts.slice(i * 25, i * 25 + 25));
  await Promise.all(
    batches.map(async (batch) => {
      let pending: typeof batch | undefined = batch;
      while (pending?.length) {
        const res = await t.deps.store.doc.send(new BatchWriteCommand({ RequestItems: { [t.tableName]: pending } }));
        pending = res.UnprocessedItems?.[t.tableName] as typeof batch | undefined;
      }
    }),
  );
}, 120_000);

async function pageAll(query: string, token: string, limit: number) {
  const seen: { id: string; occurredAt: string; channel: string; type: string }[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const qs = new URLSearchParams({ limit: String(limit), ...(cursor && { cursor }) });
    const res = await t.request('GET', `/customers/${customerId}/timeline?${qs}${query}`, { token });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: typeof seen; nextCursor: string | null };
    expect(body.items.length).toBeLessThanOrEqual(limit);
    seen.push(...body.items);
    cursor = body.nextCursor;
    pages += 1;
  } while (cursor);
  return { seen, pages };
}

const sortKey = (e: { occurredAt: string; id: string }) => `${e.occurredAt}#${e.id}`;

describe('GET /customers/{id}/timeline', () => {
  it(`pages ${TOTAL} entries newest first with no duplicates or gaps`, async () => {
    const { seen, pages } = await pageAll('', await t.token('agent-1', 'agent'), 100);
    expect(pages).toBeGreaterThanOrEqual(11);
    expect(seen).toHaveLength(TOTAL);
    expect(new Set(seen.map((e) => e.id)).size).toBe(TOTAL);
    const keys = seen.map(sortKey);
    expect(keys).toEqual([...keys].sort().reverse());
  });

  it('filters by channel and by type through their own index, still complete and ordered', async () => {
    const token = await t.token('sup-1', 'supervisor', 'BR-001');
    const sms = await pageAll('&channel=sms', token, 50);
    expect(sms.seen).toHaveLength(
      Array.from({ length: TOTAL }, (_, i) => channels[i % 4]).filter((c) => c === 'sms').length,
    );
    expect(sms.seen.every((e) => e.channel === 'sms')).toBe(true);
    expect(sms.seen.map(sortKey)).toEqual(sms.seen.map(sortKey).sort().reverse());
    const cases = await pageAll('&type=case', token, 40);
    expect(cases.seen).toHaveLength(TOTAL / 10);
    expect(cases.seen.every((e) => e.type === 'case')).toBe(true);
  });

  it('refuses a cursor issued for another filter', async () => {
    const token = await t.token('agent-1', 'agent');
    const first = (await (await t.request('GET', `/customers/${customerId}/timeline?limit=5`, { token })).json()) as {
      nextCursor: string;
    };
    const res = await t.request(
      'GET',
      `/customers/${customerId}/timeline?limit=5&channel=sms&cursor=${encodeURIComponent(first.nextCursor)}`,
      { token },
    );
    expect((await problem(res)).code).toBe('request.cursor_invalid');
  });

  it('answers 404 to a manager outside the book and to an unknown customer', async () => {
    const manager = await t.token('mgr-9', 'manager', 'BR-001');
    expect((await t.request('GET', `/customers/${customerId}/timeline`, { token: manager })).status).toBe(404);
    expect((await t.request('GET', `/customers/NOPE/timeline`, { token: await t.token('agent-1') })).status).toBe(404);
  });

  it('lets the primary manager read it', async () => {
    const own = await createCustomer(t, { primaryManagerId: 'mgr-1' });
    const res = await t.request('GET', `/customers/${own.id}/timeline`, {
      token: await t.token('mgr-1', 'manager', 'BR-001'),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ items: [], nextCursor: null });
  });
});
