import { describe, expect, it } from 'vitest';
import {
  emptyLedger,
  foldLedger,
  itemFacts,
  ledgerFacts,
  ledgerSubjectOf,
  Tally,
  type CaseLedger,
  type CustomerLedger,
  type FactContext,
} from './report-facts';

const facts: FactContext = {
  zoneOf: async (branchId) => (branchId === 'BR-UTC' ? 'UTC' : 'Asia/Shanghai'),
  branchOfCustomer: async (id) => (id === 'c-2' ? 'BR-002' : 'BR-001'),
  branchOfOpportunity: async () => 'BR-001',
  defaultBranchId: 'BR-001',
  unresolvedThreshold: 5,
};

/** The counters of one bucket, e.g. counters(tally, 'BR#BR-001', 'DAY#2026-11-23'). */
const counters = (tally: Tally, scope: string, period: string) =>
  tally.deltas().find((d) => d.scope === scope && d.period === period)?.counters ?? {};

const caseItem = (over: Record<string, unknown> = {}) => ({
  entity: 'case',
  id: 'C-2026-000001',
  type: 'complaint',
  category: 'fees',
  branchId: 'BR-001',
  ownerId: 'mgr-1',
  status: 'new',
  deleted: false,
  origin: 'web',
  // 09:00 in Shanghai
  createdAt: '2026-11-23T01:00:00.000Z',
  ...over,
});
const history = (id: string, action: string, at: string, more: Record<string, unknown> = {}) => ({
  entity: 'case-history',
  id,
  caseId: 'C-2026-000001',
  action,
  at,
  ...more,
});

function caseLedgerOf(items: Record<string, unknown>[]): CaseLedger {
  return items.reduce<CaseLedger>(
    (ledger, item) => foldLedger('case', ledger, { sk: 'x' }, undefined, item) as CaseLedger,
    emptyLedger('case') as CaseLedger,
  );
}

describe('a case, through its ledger', () => {
  const lifecycle = [
    caseItem({ status: 'closed' }),
    history('h1', 'created', '2026-11-23T01:00:00.000Z', { to: 'new' }),
    history('h2', 'status_changed', '2026-11-23T02:30:00.000Z', { from: 'new', to: 'in_progress' }),
    // 01:30 on the 24th in Shanghai, still the 23rd in UTC
    history('h3', 'status_changed', '2026-11-23T17:30:00.000Z', { from: 'in_progress', to: 'resolved' }),
    history('h4', 'status_changed', '2026-11-25T01:00:00.000Z', { from: 'resolved', to: 'in_progress' }),
    history('h5', 'status_changed', '2026-11-26T01:00:00.000Z', { from: 'in_progress', to: 'closed' }),
    history('h6', 'escalated', '2026-11-25T03:00:00.000Z'),
    history('h7', 'response_overdue', '2026-11-24T03:00:00.000Z'),
    history('h8', 'message', '2026-11-24T03:00:00.000Z'),
  ];

  it('counts opened, first response, resolutions, reopening, breach and escalation on local days', async () => {
    const tally = await ledgerFacts('case', caseLedgerOf(lifecycle), facts);
    expect(counters(tally, 'BR#BR-001', 'DAY#2026-11-23')).toEqual({
      'opened|complaint|fees': 1,
      'openedVia|web': 1,
      backlog: 1,
      'ttfr|90': 1,
    });
    expect(counters(tally, 'BR#BR-001', 'DAY#2026-11-24')).toEqual({
      'resolved|complaint|fees': 1,
      backlog: -1,
      'ttr|990': 1,
      'breach|response': 1,
    });
    expect(counters(tally, 'BR#BR-001', 'DAY#2026-11-25')).toEqual({ backlog: 1, escalations: 1 });
    expect(counters(tally, 'BR#BR-001', 'DAY#2026-11-26')).toEqual({
      'closed|complaint|fees': 1,
      backlog: -1,
      'ttr|4320': 1,
    });
    // The owner's scope gets the same; the month adds the days up; closed: not open now.
    expect(counters(tally, 'MGR#mgr-1', 'DAY#2026-11-25')).toEqual({ backlog: 1, escalations: 1 });
    expect(counters(tally, 'BR#BR-001', 'MONTH#2026-11').backlog).toBeUndefined();
    expect(counters(tally, 'BR#BR-001', 'MONTH#2026-11')['ttr|990']).toBe(1);
    expect(counters(tally, 'BR#BR-001', 'NOW')).toEqual({});
  });

  it('an open case in the queue (no owner) counts for its branch only, and as open now', async () => {
    const tally = await ledgerFacts('case', caseLedgerOf([caseItem({ ownerId: null })]), facts);
    expect(tally.deltas().every((d) => d.scope === 'BR#BR-001')).toBe(true);
    expect(counters(tally, 'BR#BR-001', 'NOW')).toEqual({ openCases: 1 });
  });

  it('a deleted case counts for nothing; restored, for everything again', async () => {
    const deleted = caseLedgerOf([...lifecycle, caseItem({ deleted: true })]);
    expect((await ledgerFacts('case', deleted, facts)).deltas()).toEqual([]);
    const restored = foldLedger('case', deleted, { sk: 'CASE' }, caseItem({ deleted: true }), caseItem());
    expect((await ledgerFacts('case', restored, facts)).deltas()).not.toEqual([]);
  });

  it('a reclassified case moves every figure to its new category (the difference of two ledgers)', async () => {
    const before = caseLedgerOf(lifecycle);
    const after = foldLedger(
      'case',
      before,
      { sk: 'CASE' },
      caseItem(),
      caseItem({ status: 'closed', category: 'card' }),
    );
    const change = (await ledgerFacts('case', after, facts)).merge(await ledgerFacts('case', before, facts), -1);
    expect(counters(change, 'BR#BR-001', 'DAY#2026-11-23')).toEqual({
      'opened|complaint|fees': -1,
      'opened|complaint|card': 1,
    });
  });

  it('only the history actions that count are kept', () => {
    expect(Object.keys(caseLedgerOf(lifecycle).events).sort()).toEqual(['h2', 'h3', 'h4', 'h5', 'h6', 'h7']);
  });
});

describe('contacts', () => {
  const contact = (over: Record<string, unknown> = {}) => ({
    entity: 'timeline',
    id: 'E1',
    customerId: 'c-2',
    type: 'contact',
    channel: 'voice',
    direction: 'inbound',
    occurredAt: '2026-11-23T16:30:00.000Z',
    actor: { kind: 'user', id: 'agent-1' },
    ...over,
  });

  it("count on the customer's branch, on the local day, and for the user who logged them", async () => {
    const tally = await itemFacts(contact(), facts);
    expect(counters(tally, 'BR#BR-002', 'DAY#2026-11-24')).toEqual({ 'contacts|voice|inbound': 1 });
    expect(counters(tally, 'MGR#agent-1', 'DAY#2026-11-24')).toEqual({ 'contacts|voice|inbound': 1 });
  });

  it('from unknown senders count on the default branch; the web form counts; SMS-opened cases do not', async () => {
    const anonymous = await itemFacts(
      contact({ customerId: null, actor: { kind: 'customer', channel: 'sms' } }),
      facts,
    );
    expect(anonymous.deltas().map((d) => d.scope)).toEqual(['BR#BR-001', 'BR#BR-001']);
    const web = { type: 'case', channel: 'web', direction: 'inbound', actor: { kind: 'customer', channel: 'web' } };
    expect((await itemFacts(contact(web), facts)).deltas()).toHaveLength(2);
    const sms = { type: 'case', channel: 'sms', direction: 'inbound', actor: { kind: 'customer', channel: 'sms' } };
    expect((await itemFacts(contact(sms), facts)).deltas()).toEqual([]);
  });

  it('an outbound contact logged against the contact guard is counted as such', async () => {
    const against = contact({
      direction: 'outbound',
      details: { guard: { broken: ['quiet_hours'], reasons: ['Quiet hours 21:00-08:00'] } },
    });
    expect(counters(await itemFacts(against, facts), 'BR#BR-002', 'DAY#2026-11-24').guardBroken).toBe(1);
    const allowed = contact({ direction: 'outbound', details: { guard: { broken: [] } } });
    expect(counters(await itemFacts(allowed, facts), 'BR#BR-002', 'DAY#2026-11-24').guardBroken).toBeUndefined();
  });
});

describe('a customer, through its ledger', () => {
  const keys = (sk: string) => ({ pk: 'CUST#c-1', sk });
  const profile = {
    entity: 'customer',
    id: 'c-1',
    branchId: 'BR-001',
    primaryManagerId: 'mgr-1',
    type: 'individual',
    level: 'vip',
    status: 'active',
  };
  const contact = { entity: 'timeline', type: 'contact', customerId: 'c-1' };

  it('counts by type and level, contacts in the table and at-risk customers, for branch and manager', async () => {
    let ledger = emptyLedger('customer');
    ledger = foldLedger('customer', ledger, keys('PROFILE'), undefined, profile);
    for (let i = 0; i < 3; i++) ledger = foldLedger('customer', ledger, keys(`TL#${i}`), undefined, contact);
    ledger = foldLedger('customer', ledger, keys('TL#0'), contact, undefined); // expired by TTL or moved
    ledger = foldLedger('customer', ledger, keys('STATS'), undefined, { unresolvedContacts: 5 });
    expect(ledger).toEqual({ profile: expect.any(Object), contacts: 2, unresolved: 5 } satisfies CustomerLedger);
    const tally = await ledgerFacts('customer', ledger, facts);
    const expected = { 'customers|individual|vip': 1, 'cpc|2': 1, atRisk: 1 };
    expect(counters(tally, 'BR#BR-001', 'NOW')).toEqual(expected);
    expect(counters(tally, 'MGR#mgr-1', 'NOW')).toEqual(expected);
    const merged = foldLedger('customer', ledger, keys('PROFILE'), profile, { ...profile, status: 'merged' });
    expect((await ledgerFacts('customer', merged, facts)).deltas()).toEqual([]);
  });

  it('items are assigned to the ledger of their case or customer, others to none', () => {
    expect(ledgerSubjectOf(keys('PROFILE'), profile)).toEqual({ kind: 'customer', id: 'c-1' });
    expect(ledgerSubjectOf(keys('STATS'), { openCases: 1 })).toEqual({ kind: 'customer', id: 'c-1' });
    expect(ledgerSubjectOf(keys('OPENCASE#C-1'), { entity: 'open-case' })).toBeUndefined();
    expect(ledgerSubjectOf({ pk: 'CASE#C-1', sk: 'HIST#x' }, history('h', 'message', 'x'))).toEqual({
      kind: 'case',
      id: 'C-2026-000001',
    });
    expect(ledgerSubjectOf({ pk: 'USER#u', sk: 'INBOX#U#1' }, { entity: 'inbox' })).toBeUndefined();
  });
});

describe('opportunities', () => {
  it('count on their creation day by stage, product and source; a win on its close day with its amount', async () => {
    const won = {
      entity: 'opportunity',
      id: 'O1',
      branchId: 'BR-UTC',
      ownerId: 'mgr-1',
      stage: 'won',
      productCode: 'WM-1',
      currency: 'CNY',
      expectedAmount: 1234.5,
      source: { kind: 'case', caseId: 'C-1', channel: 'agent' },
      createdAt: '2026-11-02T10:00:00.000Z',
      closedAt: '2026-12-01T10:00:00.000Z',
    };
    const tally = await itemFacts(won, facts);
    expect(counters(tally, 'BR#BR-UTC', 'DAY#2026-11-02')).toEqual({
      'opp|won|WM-1|agent': 1,
      oppFromCase: 1,
      oppFromCaseWon: 1,
    });
    expect(counters(tally, 'MGR#mgr-1', 'MONTH#2026-12')).toEqual({ won: 1, 'wonAmount|CNY': 123450 });
  });
});
