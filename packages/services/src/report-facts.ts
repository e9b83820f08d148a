import { isOpen, localDay, monthOf, toMinor, type CaseStatus } from '@cc/core';
import { reportPeriod, reportScope, type BucketDelta, type Counters, type LedgerKind } from '@cc/store';

/**
 * What each stored item counts for in the reports (docs/reports.md), as pure functions of item images. The stream
 * consumer applies the difference between what an item counted for before a change and after it; the rebuild
 * adds up what every item counts for now. Both use these functions, so both arrive at the same aggregates.
 *
 * Items are told apart by their `entity` attribute; attributes a function does not know are ignored, so new
 * fields on existing items change nothing here.
 */
type Item = Record<string, unknown>;

/** What a contribution may need to look up: settings and facts that do not change once written. */
export interface FactContext {
  /** The IANA time zone a branch's days are counted in. */
  zoneOf(branchId: string): Promise<string>;
  /** The branch a customer belongs to (it never changes), or undefined if unknown. */
  branchOfCustomer(customerId: string): Promise<string | undefined>;
  /** The branch of an opportunity (it never changes), or undefined if unknown. */
  branchOfOpportunity(opportunityId: string): Promise<string | undefined>;
  /** Where contacts from senders no customer is known by are counted. */
  defaultBranchId: string;
  /** Customers with at least this many unresolved contacts are counted as at risk (seed 004: 5). */
  unresolvedThreshold: number;
}

/** Case history actions that record a missed deadline, by the kind of breach they count as. A new kind is a line. */
export const breachActions: Readonly<Record<string, string>> = {
  response_overdue: 'response',
  resolution_overdue: 'resolution',
};

/** Case history actions that move a case from one status to another (`from`, `to`). */
const statusActions = new Set(['status_changed', 'reopened']);

/** Statuses that end the work on a case: moving into one from an open status is a resolution. */
const isClosedOut = (status: string) => !isOpen(status as CaseStatus);

/** Dimension values are free text in places (categories): `|` separates them in counter names. */
const dim = (value: unknown) => String(value ?? 'none').replace(/\|/g, '/');
const minutesBetween = (from: string, to: string) =>
  Math.max(0, Math.floor((Date.parse(to) - Date.parse(from)) / 60_000));

export const scopeOf = reportScope;
export const periodOf = reportPeriod;

/** Who a figure is counted for: its branch, and the manager it belongs to when it has one. */
interface Attribution {
  branchId?: string;
  managerId?: string | null;
}

/** Counters per aggregate item (scope + period), added up. */
export class Tally {
  private readonly buckets = new Map<string, Counters>();

  add(scope: string, period: string, counter: string, amount: number): void {
    if (amount === 0) return;
    const key = `${scope}\n${period}`;
    const counters = this.buckets.get(key) ?? {};
    counters[counter] = (counters[counter] ?? 0) + amount;
    if (counters[counter] === 0) delete counters[counter];
    this.buckets.set(key, counters);
  }

  /** Counted on the day (and month) `at` falls on in the branch's time zone, for the branch and the manager. */
  dated(who: Attribution, zone: string, at: string, counter: string, amount = 1): void {
    const day = localDay(at, zone);
    for (const scope of scopesOf(who)) {
      this.add(scope, periodOf.day(day), counter, amount);
      this.add(scope, periodOf.month(monthOf(day)), counter, amount);
    }
  }

  /** Counted as true at present. */
  now(who: Attribution, counter: string, amount = 1): void {
    for (const scope of scopesOf(who)) this.add(scope, periodOf.now, counter, amount);
  }

  /** Adds another tally, times `sign`. */
  merge(other: Tally, sign = 1): this {
    for (const [key, counters] of other.buckets) {
      const [scope, period] = key.split('\n') as [string, string];
      for (const [counter, amount] of Object.entries(counters)) this.add(scope, period, counter, sign * amount);
    }
    return this;
  }

  deltas(): BucketDelta[] {
    return [...this.buckets]
      .filter(([, counters]) => Object.keys(counters).length > 0)
      .map(([key, counters]) => {
        const [scope, period] = key.split('\n') as [string, string];
        return { scope, period, counters: { ...counters } };
      });
  }
}

function scopesOf(who: Attribution): string[] {
  return [
    ...(who.branchId ? [scopeOf.branch(who.branchId)] : []),
    ...(who.managerId ? [scopeOf.manager(who.managerId)] : []),
  ];
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const entityOf = (item: Item | undefined) => str(item?.entity);

// ---------------------------------------------------------------- contacts
/**
 * A contact: a timeline entry of type contact (calls, SMS, email, on every channel), or a case the customer
 * registered on the web form (the form writes no separate contact entry: the complaint is the contact).
 */
export function isContact(item: Item | undefined): boolean {
  if (entityOf(item) !== 'timeline') return false;
  if (item!.type === 'contact') return true;
  const actor = item!.actor as { kind?: string } | undefined;
  return (
    item!.type === 'case' && item!.channel === 'web' && item!.direction === 'inbound' && actor?.kind === 'customer'
  );
}

/**
 * An outbound contact logged although the contact guard (the customer's opt-outs, quiet hours, frequency cap) would
 * have held it back: the contact service flags it on the entry as `details.guard.broken`, the rules it broke.
 */
export function brokeContactGuard(item: Item): boolean {
  const broken = (item.details as { guard?: { broken?: unknown } } | undefined)?.guard?.broken;
  return item.direction === 'outbound' && Array.isArray(broken) && broken.length > 0;
}

async function contactFacts(item: Item, ctx: FactContext, tally: Tally): Promise<void> {
  const customerId = str(item.customerId);
  const branchId = (customerId && (await ctx.branchOfCustomer(customerId))) || ctx.defaultBranchId;
  const actor = item.actor as { kind?: string; id?: string } | undefined;
  const who = { branchId, managerId: actor?.kind === 'user' ? actor.id : undefined };
  const zone = await ctx.zoneOf(branchId);
  const at = String(item.occurredAt);
  tally.dated(who, zone, at, `contacts|${dim(item.channel)}|${dim(item.direction)}`);
  if (brokeContactGuard(item)) tally.dated(who, zone, at, 'guardBroken');
}

// ---------------------------------------------------------------- opportunities
async function opportunityFacts(item: Item, ctx: FactContext, tally: Tally): Promise<void> {
  const branchId = String(item.branchId);
  const who = { branchId, managerId: str(item.ownerId) };
  const zone = await ctx.zoneOf(branchId);
  const source = (item.source ?? {}) as { kind?: string; channel?: string };
  const createdAt = String(item.createdAt);
  const stage = String(item.stage);
  tally.dated(who, zone, createdAt, `opp|${dim(stage)}|${dim(item.productCode)}|${dim(source.channel ?? source.kind)}`);
  if (source.kind === 'case') {
    tally.dated(who, zone, createdAt, 'oppFromCase');
    if (stage === 'won') tally.dated(who, zone, createdAt, 'oppFromCaseWon');
  }
  if (stage === 'won' && str(item.closedAt)) {
    tally.dated(who, zone, String(item.closedAt), 'won');
    tally.dated(
      who,
      zone,
      String(item.closedAt),
      `wonAmount|${dim(item.currency)}`,
      toMinor(Number(item.expectedAmount)),
    );
  }
}

async function activityFacts(item: Item, ctx: FactContext, tally: Tally): Promise<void> {
  const actor = item.actor as { kind?: string; id?: string } | undefined;
  const branchId = await ctx.branchOfOpportunity(String(item.opportunityId));
  if (!branchId) return;
  const who = { branchId, managerId: actor?.kind === 'user' ? actor.id : undefined };
  tally.dated(who, await ctx.zoneOf(branchId), String(item.at), 'activities');
}

/** A manager's book entry: its partition key names the manager (MGR#<id>). */
function bookFacts(item: Item, tally: Tally): void {
  const managerId = String(item.pk).slice('MGR#'.length);
  tally.now({ managerId }, `book|${dim(item.level)}|${dim(item.role)}`);
}

/**
 * What one item counts for by itself, whatever else is stored: contacts, opportunities, activities and book
 * entries. Cases and customers are counted through their ledgers (below), because their figures depend on
 * several items together.
 */
export async function itemFacts(item: Item | undefined, ctx: FactContext): Promise<Tally> {
  const tally = new Tally();
  if (!item) return tally;
  if (isContact(item)) await contactFacts(item, ctx, tally);
  else if (entityOf(item) === 'opportunity') await opportunityFacts(item, ctx, tally);
  else if (entityOf(item) === 'opportunity-activity') await activityFacts(item, ctx, tally);
  else if (entityOf(item) === 'book') bookFacts(item, tally);
  return tally;
}

// ---------------------------------------------------------------- ledgers
/** A case as the reports see it, and the events of its history that count. */
export interface CaseLedger {
  case?: {
    type: string;
    category: string;
    branchId: string;
    ownerId: string | null;
    status: string;
    deleted: boolean;
    createdAt: string;
    origin: string;
  };
  events: Record<string, { action: string; at: string; from?: string; to?: string }>;
}

/** A customer as the reports see it: profile fields, contacts in the table, unresolved contacts now. */
export interface CustomerLedger {
  profile?: { branchId: string; primaryManagerId: string | null; type: string; level: string; status: string };
  contacts: number;
  unresolved: number;
}

export type LedgerState = CaseLedger | CustomerLedger;

/** The ledger an item belongs to, if any: its case (the case, its history) or customer (profile, stats, contacts). */
export function ledgerSubjectOf(
  keys: { pk: string; sk: string },
  item: Item | undefined,
): { kind: LedgerKind; id: string } | undefined {
  const entity = entityOf(item);
  if (entity === 'case') return { kind: 'case', id: String(item!.id) };
  if (entity === 'case-history') return { kind: 'case', id: String(item!.caseId) };
  if (!keys.pk.startsWith('CUST#')) return undefined;
  const customerId = keys.pk.slice('CUST#'.length);
  if (entity === 'customer' || keys.sk === 'STATS' || entity === 'timeline')
    return { kind: 'customer', id: customerId };
  return undefined;
}

export const emptyLedger = (kind: LedgerKind): LedgerState =>
  kind === 'case' ? { events: {} } : { contacts: 0, unresolved: 0 };

const countedCaseEvent = (action: string) =>
  statusActions.has(action) || action === 'escalated' || action in breachActions;

/**
 * The ledger after one change to one of its items (`before` → `after`, either absent). Timeline entries count
 * while they are in the table: a TTL removal takes a contact off its customer's count (the dated contact counters
 * keep it).
 */
export function foldLedger(
  kind: LedgerKind,
  ledger: LedgerState,
  keys: { sk: string },
  before: Item | undefined,
  after: Item | undefined,
): LedgerState {
  const entity = entityOf(after ?? before);
  if (kind === 'case') {
    const state = ledger as CaseLedger;
    if (entity === 'case') return { ...state, case: after ? caseView(after) : undefined };
    const id = String((after ?? before)!.id);
    const events = { ...state.events };
    delete events[id];
    if (after && countedCaseEvent(String(after.action))) {
      events[id] = {
        action: String(after.action),
        at: String(after.at),
        ...(str(after.from) && { from: str(after.from) }),
        ...(str(after.to) && { to: str(after.to) }),
      };
    }
    return { ...state, events };
  }
  const state = ledger as CustomerLedger;
  if (entity === 'customer') return { ...state, profile: after ? profileView(after) : undefined };
  if (keys.sk === 'STATS') return { ...state, unresolved: Number(after?.unresolvedContacts ?? 0) };
  return { ...state, contacts: state.contacts + Number(isContact(after)) - Number(isContact(before)) };
}

const caseView = (c: Item): NonNullable<CaseLedger['case']> => ({
  type: String(c.type),
  category: String(c.category),
  branchId: String(c.branchId),
  ownerId: str(c.ownerId) ?? null,
  status: String(c.status),
  deleted: c.deleted === true,
  createdAt: String(c.createdAt),
  origin: String(c.origin),
});

const profileView = (c: Item): NonNullable<CustomerLedger['profile']> => ({
  branchId: String(c.branchId),
  primaryManagerId: str(c.primaryManagerId) ?? null,
  type: String(c.type),
  level: String(c.level),
  status: String(c.status),
});

/**
 * What a case counts for. A deleted case counts for nothing (restoring it brings everything back). Its figures
 * are its branch's and its current owner's:
 * - opened (by type/category, and by channel of origin) and `backlog` +1 on the day it was created;
 * - each status change: out of the open statuses is a resolution (`ttr`: minutes since creation, `backlog` −1),
 *   back into them a reopening (`backlog` +1); to resolved / closed / converted counts as such;
 * - leaving `new` is the first response (`ttfr`: minutes since creation);
 * - breaches and escalations on the day they were recorded; `openCases` now while open.
 */
async function caseFacts(ledger: CaseLedger, ctx: FactContext, tally: Tally): Promise<void> {
  const c = ledger.case;
  if (!c || c.deleted) return;
  const who = { branchId: c.branchId, managerId: c.ownerId };
  const zone = await ctx.zoneOf(c.branchId);
  const kind = `${dim(c.type)}|${dim(c.category)}`;
  tally.dated(who, zone, c.createdAt, `opened|${kind}`);
  tally.dated(who, zone, c.createdAt, `openedVia|${dim(c.origin)}`);
  tally.dated(who, zone, c.createdAt, 'backlog');
  if (isOpen(c.status as CaseStatus)) tally.now(who, 'openCases');
  for (const e of Object.values(ledger.events)) {
    if (e.action === 'escalated') tally.dated(who, zone, e.at, 'escalations');
    const breach = breachActions[e.action];
    if (breach) tally.dated(who, zone, e.at, `breach|${breach}`);
    if (!statusActions.has(e.action) || !e.from || !e.to) continue;
    const wasOpen = !isClosedOut(e.from);
    const nowOpen = !isClosedOut(e.to);
    if (wasOpen && !nowOpen) {
      tally.dated(who, zone, e.at, 'backlog', -1);
      tally.dated(who, zone, e.at, `ttr|${minutesBetween(c.createdAt, e.at)}`);
    }
    if (!wasOpen && nowOpen) tally.dated(who, zone, e.at, 'backlog');
    if (e.to === 'resolved' || e.to === 'closed') tally.dated(who, zone, e.at, `${e.to}|${kind}`);
    if (e.to === 'converted') tally.dated(who, zone, e.at, 'converted');
    if (e.from === 'new') tally.dated(who, zone, e.at, `ttfr|${minutesBetween(c.createdAt, e.at)}`);
  }
}

/** What an active customer counts for now, for its branch and its primary manager. */
function customerFacts(ledger: CustomerLedger, ctx: FactContext, tally: Tally): void {
  const p = ledger.profile;
  if (!p || p.status !== 'active') return;
  const who = { branchId: p.branchId, managerId: p.primaryManagerId };
  tally.now(who, `customers|${dim(p.type)}|${dim(p.level)}`);
  tally.now(who, `cpc|${ledger.contacts}`);
  if (ledger.unresolved >= ctx.unresolvedThreshold) tally.now(who, 'atRisk');
}

export async function ledgerFacts(kind: LedgerKind, ledger: LedgerState, ctx: FactContext): Promise<Tally> {
  const tally = new Tally();
  if (kind === 'case') await caseFacts(ledger as CaseLedger, ctx, tally);
  else customerFacts(ledger as CustomerLedger, ctx, tally);
  return tally;
}
