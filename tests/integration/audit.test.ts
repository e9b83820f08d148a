import { beforeAll, describe, expect, it } from 'vitest';
import { keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';
import { createCustomer, problem, staffTokens, type Tokens } from './customers-support';
import { partitionItems } from './intake-support';

let t: TestContext;
let tk: Tokens;
beforeAll(async () => {
  t = await createTestContext({ RETENTION_DAYS: '90' });
  tk = await staffTokens(t);
});

interface Entry {
  actor: { userId: string; role: string; branchId: string };
  action: string;
  by?: string;
  customerId: string;
  at: string;
}

describe('the audit trail of reads', () => {
  it('records who read a customer, when and how, never what they saw; for admins of the branch', async () => {
    const customer = await createCustomer(t, tk.admin, { primaryManagerId: 'mgr-1', name: 'Audit Subject' });
    const phone = (customer.body.contactPoints as { value: string }[])[0]!.value;
    const get = (path: string, token: string) => t.request('GET', path, { token });
    expect((await get(`/customers/${customer.id}`, tk.mgr1)).status).toBe(200);
    expect((await get(`/customers/${customer.id}/view`, tk.mgr1)).status).toBe(200);
    expect((await get(`/customers/${customer.id}/timeline`, tk.agent)).status).toBe(200);
    expect((await get(`/customers/${customer.id}/history`, tk.sup1)).status).toBe(200);
    expect((await get(`/customers?phone=${encodeURIComponent(phone)}`, tk.agent)).status).toBe(200);
    expect((await get(`/customers?q=Audit`, tk.sup1)).status).toBe(200);
    // An attempt out of scope is on the trail too (a manager who does not manage the customer).
    expect((await get(`/customers/${customer.id}`, tk.mgr2)).status).toBe(404);

    const res = await get(`/audit?customerId=${customer.id}`, tk.admin);
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: Entry[] };
    const seen = items.map((e) => `${e.actor.userId} ${e.action}${e.by ? ` by ${e.by}` : ''}`);
    expect(seen.sort()).toEqual(
      [
        'mgr-1 customer.read',
        'mgr-1 customer.view',
        'agent-1 customer.timeline',
        'sup-1 customer.history',
        'agent-1 customer.search by phone',
        'sup-1 customer.search by name',
        'mgr-2 customer.read',
      ].sort(),
    );
    expect(items.map((e) => e.at)).toEqual([...items.map((e) => e.at)].sort().reverse());
    const raw = JSON.stringify(items);
    expect(raw).not.toContain(phone);
    expect(raw).not.toContain('Audit Subject');

    // Kept for the retention period, then gone by TTL.
    const stored = await partitionItems(t, keys.auditPartition(customer.id));
    for (const item of stored) {
      expect(Number(item.expiresAt)).toBe(Math.floor(Date.parse(String(item.at)) / 1000) + 90 * 86_400);
    }
  });

  it('is for admins only, and only of the customer’s branch', async () => {
    const customer = await createCustomer(t, tk.admin);
    const supervisor = await t.request('GET', `/audit?customerId=${customer.id}`, { token: tk.sup1 });
    expect(supervisor.status).toBe(403);
    expect((await problem(supervisor)).code).toBe('audit.forbidden');
    const otherBranch = await t.token('admin-2', 'admin', 'BR-002');
    const elsewhere = await t.request('GET', `/audit?customerId=${customer.id}`, { token: otherBranch });
    const missing = await t.request('GET', '/audit?customerId=01NOSUCHCUSTOMER00000000000', { token: otherBranch });
    expect(elsewhere.status).toBe(404);
    expect(missing.status).toBe(404);
    expect((await problem(elsewhere)).code).toBe((await problem(missing)).code);
  });
});
