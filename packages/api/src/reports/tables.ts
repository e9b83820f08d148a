import type { CustomerReport, DailyReport, ManagerReport, PipelineReport } from '@cc/services';
import type { Cell } from './csv';

/**
 * The reports as spreadsheet rows (CSV). Per-day and per-manager reports are one row per day or manager, with a
 * column per breakdown value that occurs anywhere in the report (0 where a row has none); the pipeline and customer
 * reports are lists of figures (figure, breakdown, value).
 */
type Row = Record<string, Cell>;

/** Column names present in any row of `groups`, each as the key and the value read from one row. */
function columns<T>(items: readonly T[], entries: (item: T) => [string, number][]): string[] {
  return [...new Set(items.flatMap((i) => entries(i).map(([k]) => k)))].sort();
}
const filled = (names: string[], entries: [string, number][]): Row => {
  const values = new Map(entries);
  return Object.fromEntries(names.map((n) => [n, values.get(n) ?? 0]));
};

export function dailyRows(report: DailyReport): Row[] {
  const contacts = (d: DailyReport['days'][number]) =>
    d.contacts.byChannel.map((c): [string, number] => [`contacts ${c.channel} ${c.direction}`, c.count]);
  const kinds = (label: string, list: { type: string; category: string; count: number }[]) =>
    list.map((k): [string, number] => [`${label} ${k.type} ${k.category}`, k.count]);
  const opened = (d: DailyReport['days'][number]) => kinds('opened', d.casesOpened.byKind);
  const via = (d: DailyReport['days'][number]) =>
    Object.entries(d.casesOpened.byChannel).map(([c, n]): [string, number] => [`opened via ${c}`, n]);
  const resolved = (d: DailyReport['days'][number]) => kinds('resolved', d.casesResolved.byKind);
  const closed = (d: DailyReport['days'][number]) => kinds('closed', d.casesClosed.byKind);
  const names = {
    contacts: columns(report.days, contacts),
    opened: columns(report.days, opened),
    via: columns(report.days, via),
    resolved: columns(report.days, resolved),
    closed: columns(report.days, closed),
  };
  return report.days.map((d) => ({
    date: d.date,
    'contacts total': d.contacts.total,
    ...filled(names.contacts, contacts(d)),
    'cases opened': d.casesOpened.total,
    ...filled(names.opened, opened(d)),
    ...filled(names.via, via(d)),
    'cases resolved': d.casesResolved.total,
    ...filled(names.resolved, resolved(d)),
    'cases closed': d.casesClosed.total,
    ...filled(names.closed, closed(d)),
    ...Object.fromEntries(Object.entries(d.breaches).map(([kind, n]) => [`${kind} breaches`, n])),
    escalations: d.escalations,
    'backlog at day end': d.backlog,
    'first responses': d.timeToFirstResponse.count,
    'first response median (min)': d.timeToFirstResponse.medianMinutes,
    'first response p90 (min)': d.timeToFirstResponse.p90Minutes,
    resolutions: d.timeToResolution.count,
    'resolution median (min)': d.timeToResolution.medianMinutes,
    'resolution p90 (min)': d.timeToResolution.p90Minutes,
    'outbound contacts against the contact guard': d.contactGuardBroken,
  }));
}

export function managerRows(report: ManagerReport): Row[] {
  type M = ManagerReport['managers'][number];
  const book = (m: M) => m.book.map((b): [string, number] => [`book ${b.level} ${b.role}`, b.count]);
  const won = (m: M) => Object.entries(m.wonAmounts).map(([c, n]): [string, number] => [`won amount ${c}`, n]);
  const names = { book: columns(report.managers, book), won: columns(report.managers, won) };
  return report.managers.map((m) => ({
    month: report.month,
    manager: m.managerId,
    name: m.name,
    ...filled(names.book, book(m)),
    'cases opened': m.casesOpened,
    'cases resolved': m.casesResolved,
    'open cases now': m.openCases,
    ...Object.fromEntries(Object.entries(m.breaches).map(([kind, n]) => [`${kind} breaches`, n])),
    'median resolution (min)': m.medianResolutionMinutes,
    conversions: m.conversions,
    'opportunities won': m.opportunitiesWon,
    ...filled(names.won, won(m)),
    activities: m.activities,
  }));
}

const figure = (name: string, breakdown: string, value: Cell): Row => ({ figure: name, breakdown, value });

export function pipelineRows(report: PipelineReport): Row[] {
  const c = report.conversion;
  return [
    ...report.rows.map((r) => figure('opportunities', `${r.stage} / ${r.product} / ${r.source}`, r.count)),
    ...Object.entries(report.byStage).map(([k, n]) => figure('opportunities by stage', k, n)),
    ...Object.entries(report.byProduct).map(([k, n]) => figure('opportunities by product', k, n)),
    ...Object.entries(report.bySource).map(([k, n]) => figure('opportunities by source channel', k, n)),
    figure('inquiries', '', c.inquiries),
    figure('opportunities from inquiries', '', c.opportunitiesFromInquiries),
    figure('of which won', '', c.won),
    figure('inquiry to opportunity', '', c.inquiryToOpportunity),
    figure('opportunity to won', '', c.opportunityToWon),
  ];
}

export function customerRows(report: CustomerReport): Row[] {
  return [
    figure('customers', '', report.customers),
    ...report.byTypeAndLevel.map((r) => figure('customers by type and level', `${r.type} / ${r.level}`, r.count)),
    ...report.contactsPerCustomer.map((r) => figure('customers by contacts in the table', r.contacts, r.customers)),
    figure(`complaints ${report.window.from} to ${report.window.to}`, '', report.complaints),
    figure('complaints per 100 customers', '', report.complaintsPer100Customers),
    figure(`customers with ${report.atRiskThreshold}+ unresolved contacts`, '', report.customersAtRisk),
    figure('outbound contacts against the contact guard', '', report.contactGuardBroken),
  ];
}
