import {
  daysBetween,
  ForbiddenError,
  fromMinor,
  localDay,
  mayOnReport,
  monthOf,
  percentileOf,
  previousMonth,
  type Caller,
  type CustomerReportQuery,
  type DailyReportQuery,
  type ManagerReportQuery,
  type PipelineReportQuery,
} from '@cc/core';
import { reportRepository, userRepository, type Counters } from '@cc/store';
import type { ServiceContext } from './context';
import { factContext } from './report-context';
import { breachActions, periodOf, scopeOf } from './report-facts';

/**
 * The reports, answered from the aggregate items the stream consumer keeps (report-facts.ts, docs/reports.md):
 * a fixed, small number of Queries per report whatever the volume behind it, never a Scan.
 */
export interface ReportScope {
  branchId: string;
  /** Set when the figures are one manager's own. */
  managerId?: string;
  timeZone: string;
}

export interface Timing {
  count: number;
  medianMinutes: number | null;
  p90Minutes: number | null;
}

export interface DailyFigures {
  date: string;
  contacts: { total: number; byChannel: { channel: string; direction: string; count: number }[] };
  casesOpened: { total: number; byKind: KindCount[]; byChannel: Record<string, number> };
  casesResolved: { total: number; byKind: KindCount[] };
  casesClosed: { total: number; byKind: KindCount[] };
  breaches: Record<string, number>;
  escalations: number;
  /** Open cases at the end of the day. */
  backlog: number;
  timeToFirstResponse: Timing;
  timeToResolution: Timing;
  contactGuardBroken: number;
}

export interface KindCount {
  type: string;
  category: string;
  count: number;
}

export interface DailyReport {
  scope: ReportScope;
  from: string;
  to: string;
  days: DailyFigures[];
}

export interface ManagerFigures {
  managerId: string;
  name?: string;
  book: { level: string; role: string; count: number }[];
  casesOpened: number;
  casesResolved: number;
  openCases: number;
  breaches: Record<string, number>;
  medianResolutionMinutes: number | null;
  conversions: number;
  opportunitiesWon: number;
  wonAmounts: Record<string, number>;
  activities: number;
}

export interface ManagerReport {
  scope: ReportScope;
  month: string;
  managers: ManagerFigures[];
}

export interface PipelineReport {
  scope: ReportScope;
  from: string;
  to: string;
  total: number;
  byStage: Record<string, number>;
  byProduct: Record<string, number>;
  bySource: Record<string, number>;
  rows: { stage: string; product: string; source: string; count: number }[];
  conversion: {
    inquiries: number;
    opportunitiesFromInquiries: number;
    won: number;
    inquiryToOpportunity: number | null;
    opportunityToWon: number | null;
  };
}

export interface CustomerReport {
  scope: ReportScope;
  window: { from: string; to: string };
  customers: number;
  byTypeAndLevel: { type: string; level: string; count: number }[];
  contactsPerCustomer: { contacts: string; customers: number }[];
  complaints: number;
  complaintsPer100Customers: number | null;
  atRiskThreshold: number;
  customersAtRisk: number;
  contactGuardBroken: number;
}

/** Breach kinds always answered (zero until something records one), then any other kind that is counted. */
export const breachKinds = [...new Set(['response', 'resolution', ...Object.values(breachActions)])];

/** Contacts-per-customer bands for the distribution (the aggregate keeps exact counts). */
const contactBands = [
  { label: '0', min: 0, max: 0 },
  { label: '1', min: 1, max: 1 },
  { label: '2', min: 2, max: 2 },
  { label: '3-4', min: 3, max: 4 },
  { label: '5-9', min: 5, max: 9 },
  { label: '10+', min: 10, max: Infinity },
];

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const ratio = (part: number, whole: number) => (whole > 0 ? round(part / whole, 4) : null);

/** Counters named `<prefix>|a|b...`, split into their dimensions. */
function dimensioned(counters: Counters, prefix: string): { dims: string[]; count: number }[] {
  return Object.entries(counters)
    .filter(([name, count]) => name.startsWith(`${prefix}|`) && count !== 0)
    .map(([name, count]) => ({ dims: name.split('|').slice(1), count }))
    .sort((a, b) => a.dims.join('|').localeCompare(b.dims.join('|')));
}
const sumOf = (counters: Counters, prefix: string) => dimensioned(counters, prefix).reduce((n, d) => n + d.count, 0);
const byKind = (counters: Counters, prefix: string): KindCount[] =>
  dimensioned(counters, prefix).map(({ dims: [type, category], count }) => ({
    type: type!,
    category: category!,
    count,
  }));
function histogram(counters: Counters, prefix: string): Map<number, number> {
  return new Map(dimensioned(counters, prefix).map(({ dims: [value], count }) => [Number(value), count]));
}
function timing(counters: Counters, prefix: string): Timing {
  const h = histogram(counters, prefix);
  return {
    count: [...h.values()].reduce((a, b) => a + b, 0),
    medianMinutes: percentileOf(h, 0.5),
    p90Minutes: percentileOf(h, 0.9),
  };
}
function breaches(counters: Counters): Record<string, number> {
  const found = Object.fromEntries(dimensioned(counters, 'breach').map(({ dims: [kind], count }) => [kind!, count]));
  return Object.fromEntries([...new Set([...breachKinds, ...Object.keys(found)])].map((k) => [k, found[k] ?? 0]));
}
function addInto(target: Counters, source: Counters): Counters {
  for (const [name, n] of Object.entries(source)) target[name] = (target[name] ?? 0) + n;
  return target;
}

export function reportService(ctx: ServiceContext) {
  const repo = reportRepository(ctx.store);
  const users = userRepository(ctx.store);
  const facts = factContext(ctx);

  /** Managers read their own figures; supervisors their branch's; admins any branch's. */
  async function scopeFor(caller: Caller, branchId: string | undefined): Promise<ReportScope> {
    if (caller.role === 'manager') {
      if (branchId !== undefined && branchId !== caller.branchId)
        throw new ForbiddenError('Managers read their own figures only', 'report.forbidden');
      return { branchId: caller.branchId, managerId: caller.userId, timeZone: await facts.zoneOf(caller.branchId) };
    }
    const branch = branchId ?? caller.branchId;
    if (!mayOnReport(caller, 'readBranch', { branchId: branch }))
      throw new ForbiddenError(`Reports of branch ${branch} are not yours to read`, 'report.forbidden');
    return { branchId: branch, timeZone: await facts.zoneOf(branch) };
  }

  const aggregateScope = (scope: ReportScope) =>
    scope.managerId ? scopeOf.manager(scope.managerId) : scopeOf.branch(scope.branchId);

  /** Per day: two Queries (months before `from`'s month for the opening backlog; days from that month to `to`). */
  async function daily(caller: Caller, query: DailyReportQuery): Promise<DailyReport> {
    const scope = await scopeFor(caller, query.branchId);
    const key = aggregateScope(scope);
    const firstMonth = monthOf(query.from);
    const [months, days] = await Promise.all([
      repo.range(key, periodOf.month('0000-00'), periodOf.month(previousMonth(firstMonth))),
      repo.range(key, periodOf.day(`${firstMonth}-01`), periodOf.day(query.to)),
    ]);
    let backlog = [...months.values()].reduce((n, c) => n + (c.backlog ?? 0), 0);
    for (const [period, counters] of days) if (period < periodOf.day(query.from)) backlog += counters.backlog ?? 0;
    const out: DailyFigures[] = daysBetween(query.from, query.to).map((date) => {
      const c = days.get(periodOf.day(date)) ?? {};
      backlog += c.backlog ?? 0;
      return {
        date,
        contacts: {
          total: sumOf(c, 'contacts'),
          byChannel: dimensioned(c, 'contacts').map(({ dims: [channel, direction], count }) => ({
            channel: channel!,
            direction: direction!,
            count,
          })),
        },
        casesOpened: {
          total: sumOf(c, 'opened'),
          byKind: byKind(c, 'opened'),
          byChannel: Object.fromEntries(dimensioned(c, 'openedVia').map(({ dims: [via], count }) => [via!, count])),
        },
        casesResolved: { total: sumOf(c, 'resolved'), byKind: byKind(c, 'resolved') },
        casesClosed: { total: sumOf(c, 'closed'), byKind: byKind(c, 'closed') },
        breaches: breaches(c),
        escalations: c.escalations ?? 0,
        backlog,
        timeToFirstResponse: timing(c, 'ttfr'),
        timeToResolution: timing(c, 'ttr'),
        contactGuardBroken: c.guardBroken ?? 0,
      };
    });
    return { scope, from: query.from, to: query.to, days: out };
  }

  /** Per manager: one Query for the branch's managers, one BatchGetItem for their month and present buckets. */
  async function managers(caller: Caller, query: ManagerReportQuery): Promise<ManagerReport> {
    const scope = await scopeFor(caller, query.branchId);
    const people = scope.managerId
      ? [{ id: scope.managerId, name: (await users.get(scope.managerId))?.name }]
      : (await users.listByBranch(scope.branchId, 'manager')).map((u) => ({ id: u.id, name: u.name }));
    const buckets = await repo.many(
      people.flatMap((p) => [
        { scope: scopeOf.manager(p.id), period: periodOf.month(query.month) },
        { scope: scopeOf.manager(p.id), period: periodOf.now },
      ]),
    );
    const figures = people.map(({ id, name }): ManagerFigures => {
      const month = buckets.get(`${scopeOf.manager(id)}|${periodOf.month(query.month)}`) ?? {};
      const now = buckets.get(`${scopeOf.manager(id)}|${periodOf.now}`) ?? {};
      const resolution = timing(month, 'ttr');
      return {
        managerId: id,
        ...(name && { name }),
        book: dimensioned(now, 'book').map(({ dims: [level, role], count }) => ({ level: level!, role: role!, count })),
        casesOpened: sumOf(month, 'opened'),
        casesResolved: resolution.count,
        openCases: now.openCases ?? 0,
        breaches: breaches(month),
        medianResolutionMinutes: resolution.medianMinutes,
        conversions: month.converted ?? 0,
        opportunitiesWon: month.won ?? 0,
        wonAmounts: Object.fromEntries(
          dimensioned(month, 'wonAmount').map(({ dims: [currency], count }) => [currency!, fromMinor(count)]),
        ),
        activities: month.activities ?? 0,
      };
    });
    return { scope, month: query.month, managers: figures.sort((a, b) => a.managerId.localeCompare(b.managerId)) };
  }

  /** Opportunities opened in the range: one Query over its days. */
  async function pipeline(caller: Caller, query: PipelineReportQuery): Promise<PipelineReport> {
    const scope = await scopeFor(caller, query.branchId);
    const days = await repo.range(aggregateScope(scope), periodOf.day(query.from), periodOf.day(query.to));
    const sum = [...days.values()].reduce(addInto, {});
    const rows = dimensioned(sum, 'opp').map(({ dims: [stage, product, source], count }) => ({
      stage: stage!,
      product: product!,
      source: source!,
      count,
    }));
    const group = (pick: (r: (typeof rows)[number]) => string) =>
      rows.reduce<Record<string, number>>((acc, r) => ({ ...acc, [pick(r)]: (acc[pick(r)] ?? 0) + r.count }), {});
    const inquiries = dimensioned(sum, 'opened')
      .filter(({ dims: [type] }) => type === 'inquiry')
      .reduce((n, d) => n + d.count, 0);
    const fromInquiries = sum.oppFromCase ?? 0;
    const won = sum.oppFromCaseWon ?? 0;
    return {
      scope,
      from: query.from,
      to: query.to,
      total: rows.reduce((n, r) => n + r.count, 0),
      byStage: group((r) => r.stage),
      byProduct: group((r) => r.product),
      bySource: group((r) => r.source),
      rows,
      conversion: {
        inquiries,
        opportunitiesFromInquiries: fromInquiries,
        won,
        inquiryToOpportunity: ratio(fromInquiries, inquiries),
        opportunityToWon: ratio(won, fromInquiries),
      },
    };
  }

  /** The customers as they are now (one GetItem) and the window's complaints (one Query over its months). */
  async function customers(caller: Caller, query: CustomerReportQuery): Promise<CustomerReport> {
    const scope = await scopeFor(caller, query.branchId);
    const key = aggregateScope(scope);
    let first = monthOf(localDay(ctx.clock(), scope.timeZone));
    const last = first;
    for (let i = 1; i < query.months; i++) first = previousMonth(first);
    const [now, months] = await Promise.all([
      repo.many([{ scope: key, period: periodOf.now }]).then((m) => m.get(`${key}|${periodOf.now}`) ?? {}),
      repo.range(key, periodOf.month(first), periodOf.month(last)),
    ]);
    const window = [...months.values()].reduce(addInto, {});
    const byTypeAndLevel = dimensioned(now, 'customers').map(({ dims: [type, level], count }) => ({
      type: type!,
      level: level!,
      count,
    }));
    const total = byTypeAndLevel.reduce((n, r) => n + r.count, 0);
    const perCustomer = dimensioned(now, 'cpc').map(({ dims: [n], count }) => ({ contacts: Number(n), count }));
    const complaints = dimensioned(window, 'opened')
      .filter(({ dims: [type] }) => type === 'complaint')
      .reduce((n, d) => n + d.count, 0);
    return {
      scope,
      window: { from: first, to: last },
      customers: total,
      byTypeAndLevel,
      contactsPerCustomer: contactBands.map((band) => ({
        contacts: band.label,
        customers: perCustomer
          .filter((p) => p.contacts >= band.min && p.contacts <= band.max)
          .reduce((n, p) => n + p.count, 0),
      })),
      complaints,
      complaintsPer100Customers: total > 0 ? round((complaints / total) * 100) : null,
      atRiskThreshold: ctx.settings.ESCALATE_AFTER_CONTACTS,
      customersAtRisk: now.atRisk ?? 0,
      contactGuardBroken: window.guardBroken ?? 0,
    };
  }

  /**
   * Whose figures the caller reads (`branchId` as in the reports) and the time zone their days are in, refused as
   * the reports are: for a reader to choose a default period (the console's last days) before asking for one.
   */
  const scope = (caller: Caller, branchId?: string) => scopeFor(caller, branchId);

  return { scope, daily, managers, pipeline, customers };
}

export type ReportService = ReturnType<typeof reportService>;
