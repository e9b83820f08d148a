import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Case, Caller, Customer } from '@cc/core';
import { caseRepository, userRepository } from '@cc/store';
import { keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';

// "Customer events must be acted on within 24–48 hours" (mission §5): a new case carries its deadline,
// and the sweeper tells the owner and the branch's supervisors once if nobody acted on it in time.
let t: TestContext;
let customer: Customer;
const admin: Caller = { userId: 'admin-1', role: 'admin', branchId: 'BR-001' };
const HOUR = 3_600_000;

beforeAll(async () => {
  t = await createTestContext({ CASE_RESPOND_WITHIN_HOURS: '24' });
  const users = userRepository(t.deps.store);
  await Promise.all([
    users.put({ id: 'mgr-1', name: 'Wang Wei', role: 'manager', branchId: 'BR-001', notifyVia: 'inbox' }),
    users.put({ id: 'sup-1', name: 'Liu Yang', role: 'supervisor', branchId: 'BR-001', notifyVia: 'inbox' }),
  ]);
  customer = await t.services.customers.create(admin, {
    customerNumber: 'C-SLA',
    name: 'Gao Yan',
    type: 'individual',
    level: 'vip',
    primaryManagerId: 'mgr-1',
    contactPoints: [],
    tags: [],
  });
});

const cases = () => t.services.cases;
const watch = () => t.services.deadlineWatch;
const open = (priority: Case['priority'] = 'normal') =>
  cases().create(
    { channel: 'web' },
    { type: 'complaint', description: 'Nobody called me back about my card', customerId: customer.id, priority },
  );
const overdueNotices = async (userId: string, caseId: string) =>
  (
    (
      await t.deps.store.doc.send(
        new QueryCommand({
          TableName: t.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':pk': keys.userPartition(userId), ':p': keys.inboxPrefix },
        }),
      )
    ).Items ?? []
  ).filter((i) => i.kind === 'case_response_overdue' && i.caseId === caseId);
const watched = async (caseId: string) =>
  !!(
    await t.deps.store.doc.send(
      new GetCommand({ TableName: t.tableName, Key: keys.caseResponseWatch(caseId), ConsistentRead: true }),
    )
  ).Item;

describe('first-response deadline of a case', () => {
  it('is set by priority: 24 h normal, 4 h urgent, 48 h low', async () => {
    for (const [priority, hours] of [
      ['normal', 24],
      ['urgent', 4],
      ['low', 48],
    ] as const) {
      const c = await open(priority);
      expect(Date.parse(c.respondBy!) - Date.parse(c.createdAt), priority).toBe(hours * HOUR);
      expect(await watched(c.id)).toBe(true);
    }
  });

  it(
    'tells the owner and the branch supervisors once when a case is still new after it, ' + 'with a history line',
    async () => {
      const c = await open('urgent');
      expect(await watch().notifyOverdueResponses(new Date(Date.parse(c.respondBy!) - 60_000))).toBe(0);
      const late = new Date(Date.parse(c.respondBy!) + 60_000);
      const runs = await Promise.all([watch().notifyOverdueResponses(late), watch().notifyOverdueResponses(late)]);
      expect(runs.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
      for (const user of ['mgr-1', 'sup-1']) expect(await overdueNotices(user, c.id), user).toHaveLength(1);
      expect((await caseRepository(t.deps.store).history(c.id)).map((h) => h.action)).toContain('response_overdue');
      expect(await watched(c.id)).toBe(false);
      // Later sweeps (the case is still new) do not repeat it.
      await watch().notifyOverdueResponses(new Date(late.getTime() + 24 * HOUR));
      expect(await overdueNotices('mgr-1', c.id)).toHaveLength(1);
    },
  );

  it('is met by any move out of new, or by deleting the case: no notice afterwards', async () => {
    const acted = await open();
    const mgr: Caller = { userId: 'mgr-1', role: 'manager', branchId: 'BR-001' };
    await cases().update(mgr, acted.id, { status: 'acknowledged', note: 'Called back' });
    const removed = await open();
    await cases().remove(mgr, removed.id, 'duplicate');
    for (const c of [acted, removed]) expect(await watched(c.id)).toBe(false);
    await t.compose({ clock: () => new Date(Date.now() + 72 * HOUR) }).sweeper.runOnce(60_000);
    for (const c of [acted, removed]) expect(await overdueNotices('mgr-1', c.id)).toHaveLength(0);
  });
});
