import * as z from 'zod/mini';
import { CustomerReportQuery, DailyReportQuery, ManagerReportQuery, PipelineReportQuery, withMeta } from '@cc/core';
import type { StaffServices } from '@cc/services';
import { mediaTypes, negotiate, type Format } from '../http/negotiate';
import { route, type Route } from '../http/route';
import { renderDailyChart } from '../reports/daily-chart';
import { attachment, reportCsv, type CsvFile } from '../reports/files';

const Scope = z.object({
  branchId: z.string(),
  managerId: withMeta(z.optional(z.string()), { description: "Set when the figures are one manager's own" }),
  timeZone: withMeta(z.string(), { description: 'Days are counted in this time zone (the branch’s)' }),
});
const Timing = z.object({
  count: z.int(),
  medianMinutes: z.nullable(z.number()),
  p90Minutes: z.nullable(z.number()),
});
const KindCount = z.object({ type: z.string(), category: z.string(), count: z.int() });
const Counts = z.record(z.string(), z.number());

const DailyReportSchema = withMeta(
  z.object({
    scope: Scope,
    from: z.string(),
    to: z.string(),
    days: z.array(
      z.object({
        date: z.string(),
        contacts: z.object({
          total: z.int(),
          byChannel: z.array(z.object({ channel: z.string(), direction: z.string(), count: z.int() })),
        }),
        casesOpened: z.object({ total: z.int(), byKind: z.array(KindCount), byChannel: Counts }),
        casesResolved: z.object({ total: z.int(), byKind: z.array(KindCount) }),
        casesClosed: z.object({ total: z.int(), byKind: z.array(KindCount) }),
        breaches: Counts,
        escalations: z.int(),
        backlog: withMeta(z.int(), { description: 'Open cases at the end of the day' }),
        timeToFirstResponse: Timing,
        timeToResolution: Timing,
        contactGuardBroken: z.int(),
      }),
    ),
  }),
  { id: 'DailyReport' },
);

const ManagerReportSchema = withMeta(
  z.object({
    scope: Scope,
    month: z.string(),
    managers: z.array(
      z.object({
        managerId: z.string(),
        name: z.optional(z.string()),
        book: z.array(z.object({ level: z.string(), role: z.string(), count: z.int() })),
        casesOpened: z.int(),
        casesResolved: z.int(),
        openCases: z.int(),
        breaches: Counts,
        medianResolutionMinutes: z.nullable(z.number()),
        conversions: z.int(),
        opportunitiesWon: z.int(),
        wonAmounts: Counts,
        activities: z.int(),
      }),
    ),
  }),
  { id: 'ManagerReport' },
);

const PipelineReportSchema = withMeta(
  z.object({
    scope: Scope,
    from: z.string(),
    to: z.string(),
    total: z.int(),
    byStage: Counts,
    byProduct: Counts,
    bySource: Counts,
    rows: z.array(z.object({ stage: z.string(), product: z.string(), source: z.string(), count: z.int() })),
    conversion: z.object({
      inquiries: z.int(),
      opportunitiesFromInquiries: z.int(),
      won: z.int(),
      inquiryToOpportunity: z.nullable(z.number()),
      opportunityToWon: z.nullable(z.number()),
    }),
  }),
  { id: 'PipelineReport' },
);

const CustomerReportSchema = withMeta(
  z.object({
    scope: Scope,
    window: z.object({ from: z.string(), to: z.string() }),
    customers: z.int(),
    byTypeAndLevel: z.array(z.object({ type: z.string(), level: z.string(), count: z.int() })),
    contactsPerCustomer: z.array(z.object({ contacts: z.string(), customers: z.int() })),
    complaints: z.int(),
    complaintsPer100Customers: z.nullable(z.number()),
    atRiskThreshold: z.int(),
    customersAtRisk: z.int(),
    contactGuardBroken: z.int(),
  }),
  { id: 'CustomerReport' },
);

const tags = ['reports'];
const errors = [400, 401, 403] as const;
const csv = { [mediaTypes.csv]: withMeta(z.string(), { description: 'UTF-8 with a byte-order mark (Excel)' }) };
const svg = { [mediaTypes.svg]: withMeta(z.string(), { description: 'A chart, plain SVG without script' }) };
const formatOf = (...formats: Format[]) =>
  withMeta(z.optional(z.enum(formats as [Format, ...Format[]])), {
    description: 'Instead of the Accept header (links): ' + formats.join(', '),
  });

const description =
  'Answered from the report aggregates the stream consumer keeps (docs/reports.md). Managers get their own ' +
  'figures; supervisors their branch’s; admins any branch’s (`branchId`). JSON, or CSV with `Accept: text/csv` ' +
  'or `?format=csv`.';
/** Negotiated answers differ by Accept. */
const headers = { vary: 'Accept' };
/** A CSV answer: a download named after the report (reports/files.ts, shared with the console). */
const download = (file: CsvFile) => ({
  status: 200 as const,
  type: mediaTypes.csv,
  text: file.text,
  headers: { ...headers, 'content-disposition': attachment(file) },
});

export const reportRoutes = (s: StaffServices): Route[] => [
  route(
    {
      operationId: 'getDailyReport',
      method: 'get',
      path: '/reports/daily',
      tags,
      summary: 'Daily statistics: contacts, cases opened/resolved/closed, breaches, escalations, backlog, times',
      description: `${description} \`Accept: image/svg+xml\` (or \`?format=svg\`) draws the chart.`,
      auth: 'bearer',
      query: z.safeExtend(DailyReportQuery, { format: formatOf('json', 'csv', 'svg') }),
      responses: { 200: { description: 'Per day', json: DailyReportSchema, text: { ...csv, ...svg } } },
      errors,
    },
    async ({ caller, query, c }) => {
      const format = negotiate(c, query.format, ['json', 'csv', 'svg']);
      const report = await s.reports.daily(caller, query);
      if (format === 'csv') return download(reportCsv.daily(report));
      if (format === 'svg') return { status: 200, type: mediaTypes.svg, text: renderDailyChart(report), headers };
      return { status: 200, body: report, headers };
    },
  ),

  route(
    {
      operationId: 'getDailyChart',
      method: 'get',
      path: '/reports/daily.svg',
      tags,
      summary: 'The daily report as a chart (SVG): cases per day by channel, backlog, breaches',
      description: 'The same figures as GET /reports/daily, drawn on the server; embeddable with <img>.',
      auth: 'bearer',
      query: DailyReportQuery,
      responses: { 200: { description: 'The chart', text: svg } },
      errors,
    },
    async ({ caller, query }) => ({
      status: 200,
      type: mediaTypes.svg,
      text: renderDailyChart(await s.reports.daily(caller, query)),
    }),
  ),

  route(
    {
      operationId: 'getManagerReport',
      method: 'get',
      path: '/reports/managers',
      tags,
      summary: 'Per manager for a month: book, cases, breaches, resolution time, conversions, wins, activities',
      description,
      auth: 'bearer',
      query: z.extend(ManagerReportQuery, { format: formatOf('json', 'csv') }),
      responses: { 200: { description: 'Per manager', json: ManagerReportSchema, text: csv } },
      errors,
    },
    async ({ caller, query, c }) => {
      const format = negotiate(c, query.format, ['json', 'csv']);
      const report = await s.reports.managers(caller, query);
      if (format === 'csv') return download(reportCsv.managers(report));
      return { status: 200, body: report, headers };
    },
  ),

  route(
    {
      operationId: 'getPipelineReport',
      method: 'get',
      path: '/reports/pipeline',
      tags,
      summary: 'Opportunities opened in a range by stage, product and source channel; inquiry → opportunity → won',
      description,
      auth: 'bearer',
      query: z.safeExtend(PipelineReportQuery, { format: formatOf('json', 'csv') }),
      responses: { 200: { description: 'The pipeline', json: PipelineReportSchema, text: csv } },
      errors,
    },
    async ({ caller, query, c }) => {
      const format = negotiate(c, query.format, ['json', 'csv']);
      const report = await s.reports.pipeline(caller, query);
      if (format === 'csv') return download(reportCsv.pipeline(report));
      return { status: 200, body: report, headers };
    },
  ),

  route(
    {
      operationId: 'getCustomerReport',
      method: 'get',
      path: '/reports/customers',
      tags,
      summary: 'Customers by type and level, contacts per customer, complaint rate, customers at risk',
      description,
      auth: 'bearer',
      query: z.extend(CustomerReportQuery, { format: formatOf('json', 'csv') }),
      responses: { 200: { description: 'Customer analysis', json: CustomerReportSchema, text: csv } },
      errors,
    },
    async ({ caller, query, c }) => {
      const format = negotiate(c, query.format, ['json', 'csv']);
      const report = await s.reports.customers(caller, query);
      if (format === 'csv') return download(reportCsv.customers(report));
      return { status: 200, body: report, headers };
    },
  ),
];
