import { beforeAll, describe, expect, it } from 'vitest';
import type { ChangeRequest, Customer, CustomerHistoryEntry } from '@cc/core';
import { inboxRepository } from '@cc/store';
import { createTestContext, type TestContext } from '../support/harness';
import { createCustomer, problem, staffTokens, type Tokens } from './customers-support';

// Rules never overrule an approved decision; a rule that makes a customer need a manager asks the branch for one.
let t: TestContext;
let tk: Tokens;
beforeAll(async () => {
  // Thresholds come from configuration.
  t = await createTestContext({ LEVEL_RULES: 'gold:200000,vip:1000000,private:5000000' });
  tk = await staffTokens(t);
});

const read = async (id: string) =>
  (await (await t.request('GET', `/customers/${id}`, { token: tk.sup1 })).json()) as Customer;
const setFigures = async (id: string, aum: number) => {
  const { version } = await read(id);
  const res = await t.request('PATCH', `/customers/${id}`, {
    token: tk.sup1,
    json: { figures: { aum } },
    headers: { 'if-match': `"${version}"` },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Customer;
};
const history = async (id: string) =>
  (
    (await (await t.request('GET', `/customers/${id}/history?limit=100`, { token: tk.sup1 })).json()) as {
      items: CustomerHistoryEntry[];
    }
  ).items;
const ruleDecisions = async (id: string) => (await history(id)).filter((h) => h.action === 'level_rule');
const decide = (requestId: string, json: Record<string, unknown>) =>
  t.request('POST', `/change-requests/${requestId}/decision`, { token: tk.sup1, json });
const inboxKinds = async (userId: string) =>
  (await inboxRepository(t.deps.store).list(userId, undefined, 100)).items.map((n) => `${n.kind}:${n.customerId}`);

describe('level rules', () => {
  it('raise a level by the configured thresholds and record the decision with the figures used', async () => {
    const { id } = await createCustomer(t, tk.admin, { level: 'standard' });
    expect((await setFigures(id, 300_000)).level).toBe('gold');
    const [decision] = await ruleDecisions(id);
    expect(decision!.details).toMatchObject({
      outcome: 'raised',
      from: 'standard',
      to: 'gold',
      aum: 300_000,
      rules: expect.arrayContaining([{ level: 'private', minAum: 5_000_000 }]),
    });
  });

  it('never lower a level, and say so in the history', async () => {
    const { id } = await createCustomer(t, tk.admin, { level: 'vip', primaryManagerId: 'mgr-1' });
    expect((await setFigures(id, 10_000)).level).toBe('vip');
    expect((await ruleDecisions(id))[0]!.details).toMatchObject({ outcome: 'not_lowered', ruleLevel: 'standard' });
  });

  it('leave a level approved by request alone while the approval holds', async () => {
    const { id } = await createCustomer(t, tk.admin, { level: 'gold', primaryManagerId: 'mgr-1' });
    const requested = await t.request('POST', `/customers/${id}/change-requests`, {
      token: tk.mgr1,
      json: { kind: 'level', level: 'vip', reason: 'strategic client', validUntil: '2099-12-31' },
    });
    expect(requested.status, await requested.clone().text()).toBe(201);
    const request = (await requested.json()) as ChangeRequest;
    expect((await decide(request.id, { decision: 'approve' })).status).toBe(200);
    expect((await read(id)).levelApproval).toMatchObject({ requestId: request.id, level: 'vip' });

    // Figures that the rules would put at private, then at gold: the approved vip stands either way.
    expect((await setFigures(id, 6_000_000)).level).toBe('vip');
    expect((await setFigures(id, 300_000)).level).toBe('vip');
    expect((await ruleDecisions(id)).map((d) => d.details.outcome)).toEqual(['held_by_approval', 'held_by_approval']);
  });

  it(
    "open an assignment request for the branch's supervisors when a raised level needs a manager, " +
      'and the supervisor names the manager when approving',
    async () => {
      const { id } = await createCustomer(t, tk.admin, { level: 'gold' });
      const raised = await setFigures(id, 1_200_000);
      expect(raised).toMatchObject({ level: 'vip', primaryManagerId: null });
      expect(raised.pendingAssignment).toBeDefined();
      expect(await inboxKinds('sup-1')).toContain(`change_request_pending:${id}`);
      const request = (await (
        await t.request('GET', `/change-requests/${raised.pendingAssignment!.requestId}`, { token: tk.sup1 })
      ).json()) as ChangeRequest;
      expect(request).toMatchObject({ status: 'pending', requestedBy: 'level-rules', change: { kind: 'assignment' } });

      // Approving without naming a manager would leave a vip without one.
      const unnamed = await decide(request.id, { decision: 'approve' });
      expect(unnamed.status).toBe(400);
      expect((await problem(unnamed)).code).toBe('customer.manager_required');
      expect((await decide(request.id, { decision: 'approve', primaryManagerId: 'mgr-2' })).status).toBe(200);
      const assigned = await read(id);
      expect(assigned.primaryManagerId).toBe('mgr-2');
      expect(assigned.pendingAssignment).toBeUndefined();
    },
  );
});

describe('an agent registering a caller', () => {
  it('registers a corporate caller pending assignment, the request going to the supervisors with it', async () => {
    const res = await t.request('POST', '/customers', {
      token: tk.agent,
      json: { customerNumber: `CORP-${Date.now()}`, name: 'Harbour Logistics Ltd.', type: 'corporate' },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const created = (await res.json()) as Customer;
    expect(created).toMatchObject({ type: 'corporate', primaryManagerId: null });
    expect(created.pendingAssignment).toBeDefined();
    expect(await inboxKinds('sup-1')).toContain(`change_request_pending:${created.id}`);
    const pending = (await (
      await t.request('GET', '/change-requests?status=pending&limit=100', { token: tk.sup1 })
    ).json()) as { items: ChangeRequest[] };
    expect(pending.items.find((r) => r.customerId === created.id)).toMatchObject({ requestedBy: 'agent-1' });
    // A supervisor, who may name the manager, still must.
    const bySupervisor = await t.request('POST', '/customers', {
      token: tk.sup1,
      json: { customerNumber: `CORP-S-${Date.now()}`, name: 'Harbour Two', type: 'corporate' },
    });
    expect((await problem(bySupervisor)).code).toBe('customer.manager_required');
  });
});
