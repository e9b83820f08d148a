import { beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/harness';
import { createCustomer, problem, staffTokens, uniqueContact, type Tokens } from './customers-support';

// Who a customer is (their phones, emails and customer number) decides whose timeline a message lands on and whom a
// caller is taken for: changing it is maker-checker, like assignments and levels.
let t: TestContext;
let tk: Tokens;
beforeAll(async () => {
  t = await createTestContext();
  tk = await staffTokens(t);
});

const lookup = async (query: string) =>
  ((await (await t.request('GET', `/customers?${query}`, { token: tk.sup1 })).json()) as { items: { id: string }[] })
    .items;
const requestChange = (id: string, token: string, json: unknown) =>
  t.request('POST', `/customers/${id}/change-requests`, { token, json });
const decide = (id: string, token: string, decision = 'approve') =>
  t.request('POST', `/change-requests/${id}/decision`, { token, json: { decision } });

describe('identity changes', () => {
  it('are refused in a profile edit (403, nothing written); preferring one of the same points is an edit', async () => {
    const customer = await createCustomer(t, tk.admin, { primaryManagerId: 'mgr-1' });
    const { phone } = uniqueContact();
    const points = customer.body.contactPoints as { kind: string; value: string }[];
    const added = await t.request('PATCH', `/customers/${customer.id}`, {
      token: tk.mgr1,
      json: { contactPoints: [...points, { kind: 'phone', value: phone }] },
      headers: { 'if-match': customer.etag },
    });
    expect(added.status).toBe(403);
    expect((await problem(added)).code).toBe('customer.identity_change_forbidden');
    expect(await lookup(`phone=${encodeURIComponent(phone)}`)).toEqual([]);
    const verified = await t.request('PATCH', `/customers/${customer.id}`, {
      token: tk.mgr1,
      json: { contactPoints: points.map((p) => ({ ...p, verified: true })) },
      headers: { 'if-match': customer.etag },
    });
    expect(verified.status).toBe(403);
    const preferred = await t.request('PATCH', `/customers/${customer.id}`, {
      token: tk.mgr1,
      json: { contactPoints: points.map((p) => ({ ...p, preferred: false })) },
      headers: { 'if-match': customer.etag },
    });
    expect(preferred.status).toBe(200);
  });

  it('are proposed by whoever may read the customer, even an agent of another branch', async () => {
    const customer = await createCustomer(t, tk.admin, { primaryManagerId: 'mgr-1' });
    const { phone } = uniqueContact();
    const agentElsewhere = await t.token('agent-9', 'agent', 'BR-002');
    const proposed = await requestChange(customer.id, agentElsewhere, {
      kind: 'contact_points',
      add: [{ kind: 'phone', value: phone }],
      reason: 'Caller gave a new mobile',
    });
    expect(proposed.status).toBe(201);
    const request = (await proposed.json()) as { id: string; status: string; branchId: string };
    expect(request).toMatchObject({ status: 'pending', branchId: 'BR-001' });
    expect(await lookup(`phone=${encodeURIComponent(phone)}`)).toEqual([]);
    // Only a supervisor of the customer's branch decides; the other branch's supervisor cannot even see it.
    expect((await decide(request.id, tk.sup2)).status).toBe(404);
    expect((await decide(request.id, tk.mgr1)).status).toBe(404);
    expect((await decide(request.id, tk.sup1)).status).toBe(200);
    expect((await lookup(`phone=${encodeURIComponent(phone)}`)).map((c) => c.id)).toEqual([customer.id]);
    const history = (await (
      await t.request('GET', `/customers/${customer.id}/history`, { token: tk.sup1 })
    ).json()) as {
      items: { action: string }[];
    };
    expect(history.items.map((h) => h.action)).toEqual(
      expect.arrayContaining(['change_requested', 'contact_points_changed']),
    );
  });

  it("refuse another customer's phone when asked, and a full-width copy of a taken customer number", async () => {
    const owner = await createCustomer(t, tk.admin);
    const other = await createCustomer(t, tk.admin);
    const takenPhone = (owner.body.contactPoints as { value: string }[])[0]!.value;
    const phone = await requestChange(other.id, tk.sup1, {
      kind: 'contact_points',
      add: [{ kind: 'phone', value: takenPhone }],
      reason: 'wrong number',
    });
    expect(phone.status).toBe(409);
    expect((await problem(phone)).code).toBe('customer.identity_taken');
    const fullWidth = [...owner.customerNumber]
      .map((c) => (c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c))
      .join('');
    const number = await requestChange(other.id, tk.sup1, {
      kind: 'customer_number',
      customerNumber: fullWidth,
      reason: 'typo',
    });
    expect(number.status).toBe(409);
    expect((await problem(number)).code).toBe('customer.number_taken');
    // The same copy is refused as a new customer too.
    const created = await t.request('POST', '/customers', {
      token: tk.sup1,
      json: { customerNumber: fullWidth, name: 'Copy', type: 'individual' },
    });
    expect(created.status).toBe(409);
  });

  it('change the customer number and release the old one, and never by the requester alone', async () => {
    const customer = await createCustomer(t, tk.admin, { primaryManagerId: 'mgr-1' });
    const { number } = uniqueContact();
    const asked = await requestChange(customer.id, tk.sup1, {
      kind: 'customer_number',
      customerNumber: number,
      reason: 'core banking renumbered',
    });
    const { id } = (await asked.json()) as { id: string };
    expect((await decide(id, tk.sup1)).status).toBe(403);
    expect((await decide(id, tk.admin)).status).toBe(200);
    expect((await lookup(`number=${number}`)).map((c) => c.id)).toEqual([customer.id]);
    expect(await lookup(`number=${customer.customerNumber}`)).toEqual([]);
  });
});
