import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';
import { countDynamoRequests } from './customers-support';
import { createCustomer, partitionItems, problem, timelineOf } from './intake-support';

let t: TestContext;
let agent: string;
beforeAll(async () => {
  t = await createTestContext();
  agent = await t.token('agent-1', 'agent', 'BR-001');
});

/** A day last week: calls are logged within the retention period, never in the future. */
const DAY = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);

const call = (over: Record<string, unknown> = {}) => ({
  direction: 'inbound',
  channel: 'voice',
  startedAt: `${DAY}T09:00:00Z`,
  endedAt: `${DAY}T09:04:30Z`,
  outcome: 'resolved',
  notes: 'Asked about card limit',
  ...over,
});

describe('POST /contacts (call center)', () => {
  it('keeps every time of the call in UTC, whatever offset the client sent', async () => {
    const customer = await createCustomer(t);
    const res = await t.request('POST', '/contacts', {
      token: agent,
      json: call({
        customerId: customer.id,
        startedAt: '2026-03-02T17:00:00+08:00',
        endedAt: '2026-03-02T17:04:30+08:00',
      }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      occurredAt: '2026-03-02T09:00:00.000Z',
      details: { startedAt: '2026-03-02T09:00:00.000Z', endedAt: '2026-03-02T09:04:30.000Z' },
    });
  });

  it('logs a call on the customer timeline with its duration, counters and last contact', async () => {
    const customer = await createCustomer(t);
    const res = await t.request('POST', '/contacts', { token: agent, json: call({ customerId: customer.id }) });
    expect(res.status).toBe(201);
    const body = (await res.json()) as {
      id: string;
      customerId: string;
      channel: string;
      details: { durationSeconds: number; outcome: string };
    };
    expect(body).toMatchObject({
      customerId: customer.id,
      channel: 'voice',
      details: { durationSeconds: 270, outcome: 'resolved' },
    });
    const items = await timelineOf(t, customer.id);
    expect(items.map((i) => i.id)).toEqual([body.id]);
    const stats = await t.deps.store.doc.send(
      new GetCommand({ TableName: t.tableName, Key: keys.customerStats(customer.id) }),
    );
    expect(stats.Item?.lastContactAt).toBe(`${DAY}T09:00:00.000Z`);
    const day = await t.deps.store.doc.send(
      new GetCommand({ TableName: t.tableName, Key: keys.contactDay(customer.id, DAY) }),
    );
    expect(day.Item?.count).toBe(1);
  });

  it('resolves the customer by phone in any common format', async () => {
    const customer = await createCustomer(t, { contactPoints: [{ kind: 'phone', value: '+86 138 0013 8000' }] });
    const res = await t.request('POST', '/contacts', { token: agent, json: call({ phone: '138-0013-8000' }) });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { customerId: string }).customerId).toBe(customer.id);
  });

  it('keeps an unknown caller as an unidentified contact', async () => {
    const res = await t.request('POST', '/contacts', { token: agent, json: call({ phone: '+86 139 0000 7777' }) });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { customerId: null; sender: { kind: string; value: string } };
    expect(body).toMatchObject({ customerId: null, sender: { kind: 'phone', value: '+8613900007777' } });
    expect(await partitionItems(t, keys.anonymousPartition('phone', '+8613900007777'), 'TL#')).toHaveLength(1);
  });

  it('refuses a call that ends before it starts, and one with no customer', async () => {
    const customer = await createCustomer(t);
    const backwards = await t.request('POST', '/contacts', {
      token: agent,
      json: call({ customerId: customer.id, endedAt: `${DAY}T08:00:00Z` }),
    });
    expect(backwards.status).toBe(400);
    const nobody = await t.request('POST', '/contacts', { token: agent, json: call() });
    expect((await problem(nobody)).code).toBe('request.invalid');
    expect(await timelineOf(t, customer.id)).toHaveLength(0);
  });

  it("logs an agent's call in one DynamoDB request: the customer check rides in the transaction", async () => {
    const customer = await createCustomer(t);
    const counter = countDynamoRequests(t);
    try {
      expect(
        (await t.request('POST', '/contacts', { token: agent, json: call({ customerId: customer.id }) })).status,
      ).toBe(201);
    } finally {
      counter.stop();
    }
    expect(counter.commands).toEqual(['TransactWriteCommand']);
  });

  it('answers 404 to an agent for an unknown or merged customer and writes nothing', async () => {
    const unknown = await t.request('POST', '/contacts', { token: agent, json: call({ customerId: 'CUS-NO-SUCH' }) });
    expect(unknown.status).toBe(404);
    expect((await problem(unknown)).code).toBe('customer.not_found');
    expect(await partitionItems(t, keys.customerPartition('CUS-NO-SUCH'), '')).toHaveLength(0);

    const merged = await createCustomer(t);
    await t.deps.store.doc.send(
      new UpdateCommand({
        TableName: t.tableName,
        Key: keys.customer(merged.id),
        UpdateExpression: 'SET #s = :m',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':m': 'merged' },
      }),
    );
    expect((await t.request('POST', '/contacts', { token: agent, json: call({ customerId: merged.id }) })).status).toBe(
      404,
    );
    expect(await timelineOf(t, merged.id)).toHaveLength(0);
    const stats = await t.deps.store.doc.send(
      new GetCommand({ TableName: t.tableName, Key: keys.customerStats(merged.id) }),
    );
    expect(stats.Item).toBeUndefined();
  });

  it("answers 404 for a customer outside a manager's book", async () => {
    const customer = await createCustomer(t);
    const res = await t.request('POST', '/contacts', {
      token: await t.token('mgr-x', 'manager', 'BR-001'),
      json: call({ customerId: customer.id }),
    });
    expect(res.status).toBe(404);
    expect(await timelineOf(t, customer.id)).toHaveLength(0);
  });

  it('is idempotent by Idempotency-Key: same body replays, another body is 422', async () => {
    const customer = await createCustomer(t);
    const headers = { 'idempotency-key': `k-${customer.id}` };
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.request('POST', '/contacts', { token: agent, json: call({ customerId: customer.id }), headers }),
      ),
    );
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ id: string }>));
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect(await timelineOf(t, customer.id)).toHaveLength(1);
    const other = await t.request('POST', '/contacts', {
      token: agent,
      json: call({ customerId: customer.id, notes: 'different' }),
      headers,
    });
    expect((await problem(other)).code).toBe('idempotency.key_reused');
    expect(other.status).toBe(422);
  });
});
