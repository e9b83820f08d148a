import { beforeAll, describe, expect, it } from 'vitest';
import { inboxRepository } from '@cc/store';
import { createTestContext, type TestContext } from '../support/harness';
import { createCustomer, problem, staffTokens, type Tokens } from './customers-support';

let t: TestContext;
let tk: Tokens;
beforeAll(async () => {
  t = await createTestContext();
  tk = await staffTokens(t);
});

interface ChangeRequest {
  id: string;
  status: string;
  requestedBy: string;
  decidedBy?: string;
}

const requestChange = (customerId: string, token: string, json: unknown) =>
  t.request('POST', `/customers/${customerId}/change-requests`, { token, json });
const decide = (requestId: string, token: string, decision: 'approve' | 'reject', note = 'checked') =>
  t.request('POST', `/change-requests/${requestId}/decision`, { token, json: { decision, note } });
const bookOf = async (token: string) =>
  (
    (await (await t.request('GET', '/me/customers', { token })).json()) as {
      items: { customerId: string; role: string; level: string }[];
    }
  ).items;
const inboxKinds = async (userId: string) =>
  (await inboxRepository(t.deps.store).list(userId, undefined, 50)).items.map((n) => `${n.kind}:${n.customerId}`);

describe('assignment by request and approval', () => {
  let customerId: string;
  let pending: ChangeRequest;
  beforeAll(async () => {
    customerId = (await createCustomer(t, tk.admin, { level: 'vip', primaryManagerId: 'mgr-1' })).id;
    const res = await requestChange(customerId, tk.mgr1, {
      kind: 'assignment',
      primaryManagerId: 'mgr-2',
      addAssisting: ['mgr-1'],
      reason: 'mgr-2 covers this district',
    });
    expect(res.status, await res.clone().text()).toBe(201);
    pending = (await res.json()) as ChangeRequest;
  });

  it('records the request as pending, tells the branch supervisor, and changes nothing yet', async () => {
    expect(pending).toMatchObject({ status: 'pending', requestedBy: 'mgr-1' });
    expect(await inboxKinds('sup-1')).toContain(`change_request_pending:${customerId}`);
    const customer = (await (await t.request('GET', `/customers/${customerId}`, { token: tk.mgr1 })).json()) as {
      primaryManagerId: string;
    };
    expect(customer.primaryManagerId).toBe('mgr-1');
    const list = (await (await t.request('GET', '/change-requests?status=pending', { token: tk.sup1 })).json()) as {
      items: ChangeRequest[];
    };
    expect(list.items.map((r) => r.id)).toContain(pending.id);
  });

  it('refuses a manager as decider (403) and hides the request from uninvolved managers (404)', async () => {
    const res = await decide(pending.id, tk.mgr1, 'approve');
    expect(res.status).toBe(403);
    expect((await problem(res)).code).toBe('change_request.forbidden');
    expect((await t.request('GET', `/change-requests/${pending.id}`, { token: tk.mgr3 })).status).toBe(404);
    const asDecider = await t.request('GET', `/change-requests/${pending.id}`, { token: tk.sup1 });
    expect(asDecider.status).toBe(200);
    expect(await asDecider.json()).toMatchObject({ id: pending.id, status: 'pending' });
    expect((await t.request('GET', '/change-requests', { token: tk.mgr1 })).status).toBe(403);
    expect((await decide(pending.id, tk.sup2, 'approve')).status).toBe(404);
  });

  it('lets a supervisor approve: the managers, the books, the history and the notices all change', async () => {
    const res = await decide(pending.id, tk.sup1, 'approve');
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'approved', decidedBy: 'sup-1' });

    const customer = (await (await t.request('GET', `/customers/${customerId}`, { token: tk.mgr2 })).json()) as {
      primaryManagerId: string;
      assistingManagerIds: string[];
    };
    expect(customer).toMatchObject({ primaryManagerId: 'mgr-2', assistingManagerIds: ['mgr-1'] });
    expect(await bookOf(tk.mgr2)).toContainEqual(expect.objectContaining({ customerId, role: 'primary' }));
    expect(await bookOf(tk.mgr1)).toContainEqual(expect.objectContaining({ customerId, role: 'assisting' }));

    const history = (await (await t.request('GET', `/customers/${customerId}/history`, { token: tk.sup1 })).json()) as {
      items: { action: string; actor: { id: string }; details: Record<string, unknown> }[];
    };
    const change = history.items.find((h) => h.action === 'assignment_changed');
    expect(change).toMatchObject({
      actor: { id: 'sup-1' },
      details: { reason: 'mgr-2 covers this district', requestedBy: 'mgr-1', to: { primaryManagerId: 'mgr-2' } },
    });
    expect(await inboxKinds('mgr-2')).toContain(`assignment_changed:${customerId}`);

    const again = await decide(pending.id, tk.admin, 'approve');
    expect(again.status).toBe(409);
  });
});

describe('maker-checker rules', () => {
  it('refuses a supervisor approving their own request (403 change_request.self_approval)', async () => {
    const { id } = await createCustomer(t, tk.admin, { primaryManagerId: 'mgr-1' });
    const request = (await (
      await requestChange(id, tk.sup1, { kind: 'level', level: 'gold', reason: 'grew deposits' })
    ).json()) as ChangeRequest;
    const res = await decide(request.id, tk.sup1, 'approve');
    expect(res.status).toBe(403);
    expect((await problem(res)).code).toBe('change_request.self_approval');
    // An admin of the branch is another person: the change goes through, the primary manager is told.
    expect((await decide(request.id, tk.admin, 'approve')).status).toBe(200);
    expect(await bookOf(tk.mgr1)).toContainEqual(expect.objectContaining({ customerId: id, level: 'gold' }));
    expect(await inboxKinds('mgr-1')).toContain(`level_changed:${id}`);
  });

  it('refuses a request that would leave a corporate or VIP customer without a primary manager (400)', async () => {
    const { id } = await createCustomer(t, tk.admin, { type: 'corporate', primaryManagerId: 'mgr-1' });
    const res = await requestChange(id, tk.mgr1, {
      kind: 'assignment',
      primaryManagerId: null,
      reason: 'leaving the bank',
    });
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe('customer.manager_required');
    const standard = await createCustomer(t, tk.admin);
    const up = await requestChange(standard.id, tk.sup1, { kind: 'level', level: 'vip', reason: 'large deposit' });
    expect((await problem(up)).code).toBe('customer.manager_required');
  });

  it('keeps the customer unchanged on rejection', async () => {
    const { id } = await createCustomer(t, tk.admin, { primaryManagerId: 'mgr-1' });
    const request = (await (
      await requestChange(id, tk.mgr1, { kind: 'assignment', addAssisting: ['mgr-3'], reason: 'holiday cover' })
    ).json()) as ChangeRequest;
    const res = await decide(request.id, tk.sup1, 'reject', 'not needed');
    expect(await res.json()).toMatchObject({ status: 'rejected', decidedBy: 'sup-1' });
    const customer = (await (await t.request('GET', `/customers/${id}`, { token: tk.mgr1 })).json()) as {
      assistingManagerIds: string[];
    };
    expect(customer.assistingManagerIds).toEqual([]);
    expect(await bookOf(tk.mgr3)).not.toContainEqual(expect.objectContaining({ customerId: id }));
    const rejected = (await (
      await t.request('GET', '/change-requests?status=rejected', { token: tk.sup1 })
    ).json()) as { items: ChangeRequest[] };
    expect(rejected.items.map((r) => r.id)).toContain(request.id);
  });

  it('refuses unknown managers and requests that change nothing', async () => {
    const { id } = await createCustomer(t, tk.admin, { primaryManagerId: 'mgr-1' });
    const unknown = await requestChange(id, tk.mgr1, {
      kind: 'assignment',
      primaryManagerId: 'mgr-9',
      reason: 'other branch',
    });
    expect(unknown.status).toBe(400);
    expect((await problem(unknown)).code).toBe('change_request.invalid');
    const nothing = await requestChange(id, tk.mgr1, {
      kind: 'assignment',
      primaryManagerId: 'mgr-1',
      reason: 'no change',
    });
    expect((await problem(nothing)).code).toBe('change_request.no_change');
    expect((await requestChange(id, tk.mgr2, { kind: 'level', level: 'gold', reason: 'not mine' })).status).toBe(404);
  });
});

describe('teams', () => {
  it('lets a supervisor form a team; members carry the team id; managers cannot', async () => {
    const refused = await t.request('POST', '/teams', {
      token: tk.mgr1,
      json: { name: 'East', leaderId: 'mgr-1', memberIds: ['mgr-2'] },
    });
    expect(refused.status).toBe(403);
    const res = await t.request('POST', '/teams', {
      token: tk.sup1,
      json: { name: 'East', leaderId: 'mgr-1', memberIds: ['mgr-2', 'mgr-3'] },
    });
    expect(res.status).toBe(201);
    const team = (await res.json()) as { id: string };
    expect(await (await t.request('GET', `/teams/${team.id}`, { token: tk.mgr2 })).json()).toMatchObject({
      leaderId: 'mgr-1',
      memberIds: ['mgr-2', 'mgr-3'],
    });
    const { userRepository } = await import('@cc/store');
    expect((await userRepository(t.deps.store).get('mgr-3'))?.teamId).toBe(team.id);
    const other = await t.request('POST', '/teams', {
      token: tk.sup1,
      json: { name: 'Bad', leaderId: 'mgr-1', memberIds: ['mgr-9'] },
    });
    expect(other.status).toBe(400);
    expect((await t.request('GET', `/teams/${team.id}`, { token: tk.sup2 })).status).toBe(404);
  });
});
