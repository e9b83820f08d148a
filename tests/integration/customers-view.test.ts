import { beforeAll, describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { contactDayItem, statsItem, timelineItem, transact, userNameDirectory, userRepository } from '@cc/store';
import { keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';
import {
  contactEntry,
  countDynamoRequests,
  createCustomer,
  problem,
  staffTokens,
  type Tokens,
} from './customers-support';

let t: TestContext;
let tk: Tokens;
let customerId: string;
const DAY = 86_400_000;

beforeAll(async () => {
  t = await createTestContext();
  tk = await staffTokens(t);
  customerId = (
    await createCustomer(t, tk.admin, {
      level: 'vip',
      primaryManagerId: 'mgr-1',
      assistingManagerIds: ['mgr-2'],
      figures: { aum: 2_000_000 },
    })
  ).id;
  const ctx = t.deps.store;
  const now = Date.now();
  // 12 contacts over the last 12 hours: the view shows the newest 10.
  for (let i = 0; i < 12; i++) {
    await transact(ctx, [
      timelineItem(ctx, contactEntry(customerId, new Date(now - (12 - i) * 3_600_000).toISOString(), `call ${i}`), 395),
    ]);
  }
  // Day counters: 3 today, 2 ten days ago (inside 30 days), 5 forty days ago (outside).
  const counts: [number, number][] = [
    [0, 3],
    [10, 2],
    [40, 5],
  ];
  for (const [daysAgo, n] of counts) {
    for (let i = 0; i < n; i++)
      await transact(ctx, [contactDayItem(ctx, customerId, new Date(now - daysAgo * DAY).toISOString())]);
  }
  await transact(ctx, [
    statsItem(ctx, customerId, { openCases: 2, unresolvedContacts: 3, lastContactAt: new Date(now).toISOString() }),
  ]);
  const put = (item: Record<string, unknown>) => ctx.doc.send(new PutCommand({ TableName: ctx.tableName, Item: item }));
  await put({
    ...keys.openCaseMirror(customerId, 'C-1'),
    entity: 'open-case',
    id: 'C-1',
    type: 'complaint',
    title: 'Card fee',
    status: 'new',
  });
  await put({
    ...keys.openCaseMirror(customerId, 'C-2'),
    entity: 'open-case',
    id: 'C-2',
    type: 'inquiry',
    title: 'Fund question',
    status: 'in_progress',
  });
  await put({
    ...keys.openOpportunityMirror(customerId, 'O-1'),
    entity: 'open-opportunity',
    opportunityId: 'O-1',
    title: 'Wealth product',
    stage: 'qualified',
  });
});

interface View {
  profile: Record<string, unknown>;
  managers: {
    primaryManagerId: string | null;
    assistingManagerIds: string[];
    primary: { id: string; name: string | null } | null;
    assisting: { id: string; name: string | null }[];
  };
  identities: { customerNumber: string; contactPoints: { kind: string; value: string }[] };
  latestContacts: { summary: string; occurredAt: string }[];
  openCases: { id: string }[];
  openOpportunities: { opportunityId: string }[];
  counters: { contactsLast30Days: number; openCases: number; unresolvedContacts: number };
}

describe('customer 360 view', () => {
  it(
    'assembles profile, named managers, identities, latest contacts, ' +
      'open items and counters in 2 DynamoDB requests once names are known',
    async () => {
      const token = tk.mgr1; // signed before counting
      const viewCounted = async () => {
        const counter = countDynamoRequests(t);
        try {
          const res = await t.request('GET', `/customers/${customerId}/view`, { token });
          expect(res.status).toBe(200);
          return { view: (await res.json()) as View, commands: counter.commands };
        } finally {
          counter.stop();
        }
      };
      // Two reads, and the audit entry written alongside them. The first view in a process also reads who the caller
      // is (the staff directory, again after 30 s) and the managers' names; later ones have them.
      const reads = ['QueryCommand', 'QueryCommand', 'PutCommand'];
      expect((await viewCounted()).commands.sort()).toEqual([...reads, 'GetCommand', 'BatchGetCommand'].sort());
      const { view, commands } = await viewCounted();
      expect(commands.sort()).toEqual(reads.sort());
      expect(view.profile).toMatchObject({ id: customerId, level: 'vip', figures: { aum: 2_000_000 } });
      expect(view.managers).toEqual({
        primaryManagerId: 'mgr-1',
        assistingManagerIds: ['mgr-2'],
        primary: { id: 'mgr-1', name: 'Wang Wei' },
        assisting: [{ id: 'mgr-2', name: 'Zhang Min' }],
      });
      expect(view.identities.contactPoints).toHaveLength(1);
      expect(view.latestContacts.map((c) => c.summary)).toEqual([
        'call 11',
        'call 10',
        'call 9',
        'call 8',
        'call 7',
        'call 6',
        'call 5',
        'call 4',
        'call 3',
        'call 2',
      ]);
      expect(view.openCases.map((c) => c.id).sort()).toEqual(['C-1', 'C-2']);
      expect(view.openOpportunities.map((o) => o.opportunityId)).toEqual(['O-1']);
      expect(view.counters).toMatchObject({ contactsLast30Days: 5, openCases: 2, unresolvedContacts: 3 });
    },
  );

  it('remembers names for their time to live, unknown users included, and reads them again after', async () => {
    let now = 0;
    const directory = userNameDirectory(t.deps.store, { ttlMs: 1000, now: () => now });
    const users = userRepository(t.deps.store);
    await users.put({ id: 'mgr-ttl', name: 'Before', role: 'manager', branchId: 'BR-001', notifyVia: 'inbox' });
    expect(await directory.namesOf(['mgr-ttl', 'nobody'])).toEqual(new Map([['mgr-ttl', 'Before']]));
    await users.put({ id: 'mgr-ttl', name: 'After', role: 'manager', branchId: 'BR-001', notifyVia: 'inbox' });
    const counter = countDynamoRequests(t);
    try {
      now = 999;
      expect(await directory.namesOf(['mgr-ttl', 'nobody'])).toEqual(new Map([['mgr-ttl', 'Before']]));
      expect(counter.commands).toEqual([]);
      now = 1000;
      expect(await directory.namesOf(['mgr-ttl', 'nobody'])).toEqual(new Map([['mgr-ttl', 'After']]));
      expect(counter.commands).toEqual(['BatchGetCommand']);
    } finally {
      counter.stop();
    }
  });

  it('gives an agent the reduced profile inside the view', async () => {
    const view = (await (await t.request('GET', `/customers/${customerId}/view`, { token: tk.agent })).json()) as View;
    expect(view.profile).not.toHaveProperty('figures');
    expect(view.latestContacts).toHaveLength(10);
  });

  it('answers 404 out of scope and for unknown customers', async () => {
    const res = await t.request('GET', `/customers/${customerId}/view`, { token: tk.mgr3 });
    expect(res.status).toBe(404);
    expect((await problem(res)).code).toBe('customer.not_found');
    expect((await t.request('GET', '/customers/NOPE/view', { token: tk.sup1 })).status).toBe(404);
  });
});
