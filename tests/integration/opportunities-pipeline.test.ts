import { beforeAll, describe, expect, it } from 'vitest';
import type { Opportunity } from '@cc/core';
import { createTestContext, type TestContext } from '../support/harness';
import { openedAs, problem, seedPeople, terms, tokenOf } from './opportunities-support';

let t: TestContext;

/** [owner, stage, product, amount, currency, close date] — across owners, teams, stages, currencies and months. */
const plan: [string, string, string, number, string, string][] = [
  ['mgr-1', 'new', 'WM-GOLD-90', 100000, 'CNY', '2026-09-10'],
  ['mgr-1', 'qualified', 'WM-GOLD-90', 250000.25, 'CNY', '2026-09-30'],
  ['mgr-1', 'proposal', 'LOAN-SME', 80000, 'USD', '2026-10-05'],
  ['mgr-1', 'won', 'LOAN-SME', 40000.1, 'USD', '2026-09-15'],
  ['mgr-1', 'lost', 'WM-GOLD-90', 0.2, 'CNY', '2026-10-20'],
  ['mgr-2', 'new', 'WM-GOLD-90', 300000, 'CNY', '2026-09-01'],
  ['mgr-2', 'negotiation', 'FX-FWD', 12345.67, 'EUR', '2026-11-11'],
  ['mgr-2', 'qualified', 'LOAN-SME', 0.1, 'USD', '2026-09-29'],
  ['mgr-3', 'new', 'WM-GOLD-90', 999999.99, 'CNY', '2026-09-20'],
  ['mgr-3', 'proposal', 'FX-FWD', 5000, 'EUR', '2026-10-01'],
];
const path: Record<string, string[]> = {
  new: [],
  qualified: ['qualified'],
  proposal: ['qualified', 'proposal'],
  negotiation: ['qualified', 'proposal', 'negotiation'],
  won: ['qualified', 'proposal', 'negotiation', 'won'],
  lost: ['lost'],
};

beforeAll(async () => {
  t = await createTestContext();
  await seedPeople(t);
  for (const [owner, stage, productCode, expectedAmount, currency, expectedCloseDate] of plan) {
    const opp = await openedAs(
      t,
      owner,
      terms({ prospect: { name: `${owner} ${stage}` }, productCode, expectedAmount, currency, expectedCloseDate }),
    );
    for (const step of path[stage]!) {
      const res = await t.request('POST', `/opportunities/${opp.id}/stage`, {
        token: await tokenOf(t, owner),
        json: { stage: step, ...(step === 'lost' && { lostReason: 'no budget' }) },
      });
      expect(res.status).toBe(200);
    }
  }
});

/** Every item of a view, following cursors with a small page size. */
async function listAll(userId: string, query: string): Promise<Opportunity[]> {
  const items: Opportunity[] = [];
  let cursor: string | null = null;
  do {
    const res = await t.request(
      'GET',
      `/opportunities?${query}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { token: await tokenOf(t, userId) },
    );
    expect(res.status, await res.clone().text()).toBe(200);
    const page = (await res.json()) as { items: Opportunity[]; nextCursor: string | null };
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

interface Totals {
  truncated: boolean;
  count: number;
  amounts: Record<string, number>;
  byStage: Record<string, { count: number; amounts: Record<string, number> }>;
}

/** The totals a client would compute from the listed items (in cents, so exact). */
function totalsOf(items: Opportunity[]): Omit<Totals, 'truncated'> {
  const cents = (into: Record<string, number>, o: Opportunity) =>
    (into[o.currency] = (into[o.currency] ?? 0) + Math.round(o.expectedAmount * 100));
  const amounts: Record<string, number> = {};
  const byStage: Record<string, { count: number; amounts: Record<string, number> }> = {};
  for (const o of items) {
    cents(amounts, o);
    byStage[o.stage] ??= { count: 0, amounts: {} };
    byStage[o.stage]!.count++;
    cents(byStage[o.stage]!.amounts, o);
  }
  const major = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v / 100]));
  return {
    count: items.length,
    amounts: major(amounts),
    byStage: Object.fromEntries(
      Object.entries(byStage).map(([s, v]) => [s, { count: v.count, amounts: major(v.amounts) }]),
    ),
  };
}

const expected = (filter: (row: (typeof plan)[number]) => boolean) =>
  plan
    .filter(filter)
    .map((r) => `${r[0]}:${r[1]}:${r[5]}`)
    .sort();
const ids = (items: Opportunity[]) => items.map((o) => `${o.ownerId}:${o.stage}:${o.expectedCloseDate}`).sort();

describe('pipeline views', () => {
  const cases: { who: string; query: string; rows: (r: (typeof plan)[number]) => boolean }[] = [
    { who: 'mgr-1', query: 'view=mine', rows: (r) => r[0] === 'mgr-1' },
    { who: 'mgr-1', query: 'view=team', rows: (r) => r[0] !== 'mgr-3' },
    { who: 'sup-1', query: 'view=branch', rows: () => true },
    { who: 'sup-1', query: 'view=branch&stage=new', rows: (r) => r[1] === 'new' },
    { who: 'mgr-2', query: 'view=team&product=LOAN-SME', rows: (r) => r[0] !== 'mgr-3' && r[2] === 'LOAN-SME' },
    { who: 'sup-1', query: 'view=branch&closeMonth=2026-09', rows: (r) => r[5].startsWith('2026-09') },
    {
      who: 'mgr-1',
      query: 'view=mine&closeMonth=2026-10&product=WM-GOLD-90',
      rows: (r) => r[0] === 'mgr-1' && r[5].startsWith('2026-10') && r[2] === 'WM-GOLD-90',
    },
    {
      who: 'sup-1',
      query: 'view=branch&stage=proposal&closeMonth=2026-10',
      rows: (r) => r[1] === 'proposal' && r[5].startsWith('2026-10'),
    },
  ];

  for (const { who, query, rows } of cases) {
    it(`${query} lists the right items in close-date order, and its totals equal their sums`, async () => {
      const items = await listAll(who, query);
      expect(ids(items)).toEqual(expected(rows));
      const closeDates = items.map((o) => o.expectedCloseDate);
      expect(closeDates).toEqual([...closeDates].sort());

      const res = await t.request('GET', `/opportunities/totals?${query}`, { token: await tokenOf(t, who) });
      expect(res.status).toBe(200);
      const totals = (await res.json()) as Totals;
      expect(totals.truncated).toBe(false);
      expect({ count: totals.count, amounts: totals.amounts, byStage: totals.byStage }).toEqual(totalsOf(items));
      expect(totals.count).toBe(expected(rows).length);
    });
  }

  it('gives exact per-currency sums (no floating-point drift)', async () => {
    const totals = (await (
      await t.request('GET', '/opportunities/totals?view=mine', { token: await tokenOf(t, 'mgr-1') })
    ).json()) as Totals;
    expect(totals.amounts).toEqual({ CNY: 350000.45, USD: 120000.1 });
    expect(totals.byStage.lost).toEqual({ count: 1, amounts: { CNY: 0.2 } });
  });

  it(
    'keeps the branch view for supervisors and admins, ' + 'needs a team for the team view, and validates filters',
    async () => {
      const branch = await t.request('GET', '/opportunities?view=branch', { token: await tokenOf(t, 'mgr-1') });
      expect(branch.status).toBe(403);
      const noTeam = await t.request('GET', '/opportunities/totals?view=team', { token: await tokenOf(t, 'pm-1') });
      expect(noTeam.status).toBe(400);
      const bad = await t.request('GET', '/opportunities?view=all&closeMonth=2026-13&stage=open', {
        token: await tokenOf(t, 'mgr-1'),
      });
      expect(bad.status).toBe(400);
      expect((await problem(bad)).errors?.map((e) => e.path).sort()).toEqual(['closeMonth', 'stage', 'view']);
      const forged = await t.request('GET', '/opportunities?view=mine&cursor=abc.def', {
        token: await tokenOf(t, 'mgr-1'),
      });
      expect((await problem(forged)).code).toBe('request.cursor_invalid');
    },
  );
});
