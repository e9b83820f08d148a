import { beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/harness';
import { openedAs, seedCase, seedCustomer, seedPeople, terms, tokenOf } from './opportunities-support';

/**
 * Refusals the contract documents that the feature tests do not reach over HTTP: who may not (403), what
 * may not happen twice (409), and a reused Idempotency-Key (422). Each through the typed client.
 */
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  await seedPeople(t);
});

const as = async (userId: string) => t.client(await tokenOf(t, userId));

describe('403: the permission model, over HTTP', () => {
  it('an agent may not set a level, see pipeline totals, open an opportunity or request a change', async () => {
    const agent = await as('agent-1');
    const customer = await seedCustomer(t);
    const outcomes = [
      await agent.POST('/customers', {
        body: { customerNumber: 'RF-0001', name: 'Lin Tao', type: 'individual', level: 'vip' },
      }),
      await agent.GET('/opportunities/totals', { params: { query: { view: 'branch' } } }),
      await agent.POST('/opportunities', { body: { ...terms(), customerId: customer.id } }),
      await agent.POST('/customers/{id}/opportunities', { params: { path: { id: customer.id } }, body: terms() }),
      await agent.POST('/customers/{id}/change-requests', {
        params: { path: { id: customer.id } },
        body: { kind: 'level', level: 'private', reason: 'Large deposit' },
      }),
    ];
    expect(outcomes.map((o) => o.response.status)).toEqual([403, 403, 403, 403, 403]);
  });

  it('a collaborator may work an opportunity but not change its terms', async () => {
    const customer = await seedCustomer(t);
    const opp = await openedAs(t, 'mgr-1', terms({ customerId: customer.id, collaboratorIds: ['pm-1'] }));
    const patch = await (
      await as('pm-1')
    ).PATCH('/opportunities/{id}', {
      params: { path: { id: opp.id }, header: { 'if-match': '"1"' } },
      body: { expectedAmount: 1 },
    });
    expect(patch.response.status).toBe(403);
    expect(patch.error?.code).toBe('opportunity.forbidden');
  });
});

describe('409, 404 and 422: what may not happen, or not twice', () => {
  it('a case is deleted only at the version the caller read', async () => {
    const customer = await seedCustomer(t);
    const inquiry = await seedCase(t, customer);
    const admin = t.client(await t.token('admin-1', 'admin'));
    const stale = await admin.DELETE('/cases/{id}', {
      params: { path: { id: inquiry.id }, header: { 'if-match': '"7"' } },
      body: { reason: 'Opened twice by mistake' },
    });
    expect(stale.response.status).toBe(409);
  });

  it('an opportunity for an unknown customer is 404; a reused Idempotency-Key with another body is 422', async () => {
    const owner = await as('mgr-1');
    const missing = await owner.POST('/opportunities', { body: { ...terms(), customerId: 'never-created' } });
    expect(missing.response.status).toBe(404);
    const customer = await seedCustomer(t);
    const send = (amount: number) =>
      owner.POST('/opportunities', {
        params: { header: { 'idempotency-key': `opp-${customer.id}` } },
        body: { ...terms({ expectedAmount: amount }), customerId: customer.id },
      });
    expect((await send(100_000)).response.status).toBe(201);
    const reused = await send(200_000);
    expect(reused.response.status).toBe(422);
    expect(reused.error?.code).toBe('idempotency.key_reused');
  });
});
