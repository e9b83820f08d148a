/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import {
  CustomerReportQuery,
  DailyReportQuery,
  ManagerReportQuery,
  mayReadAnyBranchReports,
  opportunityStages,
  PipelineReportQuery,
  type Caller,
  type FieldIssue,
} from '@cc/core';
import type { CustomerReport, DailyReport, ManagerReport, PipelineReport, StaffServices } from '@cc/services';
import type { ConsoleHttpDeps } from '../../http/env';
import { renderDailyChart } from '../../reports/daily-chart';
import { downloadHeaders, reportCsv, type CsvFile } from '../../reports/files';
import type { ConsoleEnv } from '../env';
import { flashOf } from '../flash';
import { label } from '../i18n';
import { consoleHref, Layout, type PageContext } from '../layout';
import { PAGE_HEADERS, pageContext, renderPage } from '../render';
import { errorFor, Field, formatAmounts } from './parts';
import { readReportForm, type ReportField, type ReportForm, type ReportFormValues } from './report-form';

type CsvOf = (s: StaffServices, caller: Caller, query: Record<string, string>) => Promise<CsvFile>;

/** Each report as the CSV file the API answers for the same query (reports/files.ts). */
const downloads = {
  daily: async (s, caller, q) => reportCsv.daily(await s.reports.daily(caller, DailyReportQuery.parse(q))),
  managers: async (s, caller, q) => reportCsv.managers(await s.reports.managers(caller, ManagerReportQuery.parse(q))),
  pipeline: async (s, caller, q) => reportCsv.pipeline(await s.reports.pipeline(caller, PipelineReportQuery.parse(q))),
  customers: async (s, caller, q) =>
    reportCsv.customers(await s.reports.customers(caller, CustomerReportQuery.parse(q))),
} satisfies Record<string, CsvOf>;
type ReportName = keyof typeof downloads;

/** The download of one report for the form's values: the API's query parameters, so the file is the API's. */
function downloadHref(report: ReportName, values: ReportFormValues, fields: ReportField[]) {
  const query = new URLSearchParams();
  for (const field of [...fields, 'branchId' as const]) if (values[field]) query.set(field, values[field]);
  return `${consoleHref(`/reports/${report}.csv`)}?${query}`;
}

/** A wide table scrolls on its own on a narrow screen; the keyboard can reach it to scroll it. */
const Scroll = (props: { labelledBy: string; children: Child }) => (
  <div class="scroll" tabindex={0} role="region" aria-labelledby={props.labelledBy}>
    {props.children}
  </div>
);

const minutes = (value: number | null) => (value === null ? '–' : String(value));
const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

function Download({ p, report, href, what }: { p: PageContext; report: ReportName; href: string; what: string }) {
  return (
    <p>
      <a href={href} download id={`${report}-csv`} class="button secondary">
        {p.t.reports.csv}
        <span class="visually-hidden"> · {what}</span>
      </a>
    </p>
  );
}

function ReportFormView({ p, form, choosesBranch }: { p: PageContext; form: ReportForm; choosesBranch: boolean }) {
  const { t } = p;
  const v = form.values;
  const errors: FieldIssue[] =
    'errors' in form
      ? Object.entries(form.errors).map(([path, kind]) => ({
          path,
          message: kind === 'foreign' ? t.reports.errors.foreignBranch : (t.reports.errors[path] ?? t.errors.invalid),
        }))
      : [];
  const field = (name: ReportField) => errorFor(errors, name);
  const described = (name: ReportField) => (field(name).length ? `${name}-error` : undefined);
  // A branch the caller cannot choose has no field of its own: its error is told in the form's alert.
  const unseen = choosesBranch ? [] : field('branchId');
  return (
    <form method="get" action={consoleHref('/reports')} id="report-form" class="card" novalidate>
      {errors.length > 0 && (
        <p class="flash error" role="alert" id="report-form-errors">
          {t.reports.errors.title} {unseen.map((e) => e.message).join(' ')}
        </p>
      )}
      <div class="row">
        {choosesBranch && (
          <Field id="branchId" label={t.reports.branch} errors={field('branchId')}>
            <input
              type="text"
              id="branchId"
              name="branchId"
              value={v.branchId || form.scope.branchId}
              aria-describedby={described('branchId')}
            />
          </Field>
        )}
        <Field id="from" label={t.reports.from} errors={field('from')}>
          <input type="date" id="from" name="from" value={v.from} aria-describedby={described('from')} />
        </Field>
        <Field id="to" label={t.reports.to} errors={field('to')}>
          <input type="date" id="to" name="to" value={v.to} aria-describedby={described('to')} />
        </Field>
        <Field id="month" label={t.reports.month} errors={field('month')}>
          <input type="month" id="month" name="month" value={v.month} aria-describedby={described('month')} />
        </Field>
        <div class="shrink">
          <button type="submit" id="report-submit">
            {t.reports.show}
          </button>
        </div>
      </div>
    </form>
  );
}

function DailySection({ p, report, csv }: { p: PageContext; report: DailyReport; csv: string }) {
  const { t } = p;
  return (
    <section class="card" aria-labelledby="daily-title">
      <h2 id="daily-title">
        {t.reports.daily} <span class="muted">{t.reports.dailyRange(report.from, report.to)}</span>
      </h2>
      <figure class="chart" id="daily-chart">
        {raw(renderDailyChart(report, t.reports.chart))}
      </figure>
      <Scroll labelledBy="daily-title">
        <table id="daily-table">
          <thead>
            <tr>
              <th scope="col">{t.reports.date}</th>
              <th scope="col">{t.reports.contacts}</th>
              <th scope="col">{t.reports.opened}</th>
              <th scope="col">{t.reports.resolved}</th>
              <th scope="col">{t.reports.closed}</th>
              <th scope="col">{t.reports.breaches}</th>
              <th scope="col">{t.reports.escalations}</th>
              <th scope="col">{t.reports.backlog}</th>
              <th scope="col">{t.reports.firstResponse}</th>
              <th scope="col">{t.reports.resolution}</th>
              <th scope="col">{t.reports.guardBroken}</th>
            </tr>
          </thead>
          <tbody>
            {report.days.map((d) => (
              <tr data-date={d.date}>
                <th scope="row">{d.date}</th>
                <td>{d.contacts.total}</td>
                <td>{d.casesOpened.total}</td>
                <td>{d.casesResolved.total}</td>
                <td>{d.casesClosed.total}</td>
                <td>{sum(d.breaches)}</td>
                <td>{d.escalations}</td>
                <td>{d.backlog}</td>
                <td>{minutes(d.timeToFirstResponse.medianMinutes)}</td>
                <td>{minutes(d.timeToResolution.medianMinutes)}</td>
                <td>{d.contactGuardBroken}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
      <Download p={p} report="daily" href={csv} what={t.reports.daily} />
    </section>
  );
}

function ManagerSection({ p, report, csv }: { p: PageContext; report: ManagerReport; csv: string }) {
  const { t } = p;
  return (
    <section class="card" aria-labelledby="managers-title">
      <h2 id="managers-title">
        {t.reports.managers} <span class="muted">{t.reports.managersMonth(report.month)}</span>
      </h2>
      {report.managers.length === 0 ? (
        <p id="managers-table">{t.reports.noManagers}</p>
      ) : (
        <Scroll labelledBy="managers-title">
          <table id="managers-table">
            <thead>
              <tr>
                <th scope="col">{t.reports.manager}</th>
                <th scope="col">{t.reports.book}</th>
                <th scope="col">{t.reports.opened}</th>
                <th scope="col">{t.reports.resolved}</th>
                <th scope="col">{t.reports.openNow}</th>
                <th scope="col">{t.reports.breaches}</th>
                <th scope="col">{t.reports.resolution}</th>
                <th scope="col">{t.reports.conversions}</th>
                <th scope="col">{t.reports.won}</th>
                <th scope="col">{t.reports.wonAmount}</th>
                <th scope="col">{t.reports.activities}</th>
              </tr>
            </thead>
            <tbody>
              {report.managers.map((m) => (
                <tr data-manager={m.managerId}>
                  <th scope="row">
                    {m.name ?? m.managerId} <span class="muted">{m.name ? m.managerId : ''}</span>
                  </th>
                  <td>{m.book.reduce((n, b) => n + b.count, 0)}</td>
                  <td>{m.casesOpened}</td>
                  <td>{m.casesResolved}</td>
                  <td>{m.openCases}</td>
                  <td>{sum(m.breaches)}</td>
                  <td>{minutes(m.medianResolutionMinutes)}</td>
                  <td>{m.conversions}</td>
                  <td>{m.opportunitiesWon}</td>
                  <td>{formatAmounts(p, m.wonAmounts)}</td>
                  <td>{m.activities}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      <Download p={p} report="managers" href={csv} what={t.reports.managers} />
    </section>
  );
}

/** A breakdown as a two-column table (name, count), in the order given. */
function Counts(props: { p: PageContext; id: string; caption: string; rows: [string, number][]; names: string }) {
  const { t } = props.p;
  return (
    <table id={props.id}>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">{props.names}</th>
          <th scope="col">{t.reports.count}</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.length === 0 ? (
          <tr>
            <td colspan={2}>{t.reports.none}</td>
          </tr>
        ) : (
          props.rows.map(([name, count]) => (
            <tr>
              <th scope="row">{name}</th>
              <td>{count}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

const percent = (p: PageContext, ratio: number | null) =>
  ratio === null ? '–' : new Intl.NumberFormat(p.locale, { style: 'percent', maximumFractionDigits: 2 }).format(ratio);

function PipelineSection({ p, report, csv }: { p: PageContext; report: PipelineReport; csv: string }) {
  const { t } = p;
  const c = report.conversion;
  const known = opportunityStages.filter((s) => s in report.byStage);
  const stages = [...known, ...Object.keys(report.byStage).filter((s) => !known.includes(s as never))];
  return (
    <section class="card" aria-labelledby="pipeline-report-title">
      <h2 id="pipeline-report-title">
        {t.reports.pipeline} <span class="muted">{t.reports.dailyRange(report.from, report.to)}</span>
      </h2>
      <dl class="facts" id="pipeline-figures">
        <dt>{t.reports.pipelineTotal}</dt>
        <dd data-figure="total">{report.total}</dd>
        <dt>{t.reports.inquiries}</dt>
        <dd data-figure="inquiries">{c.inquiries}</dd>
        <dt>{t.reports.fromInquiries}</dt>
        <dd data-figure="opportunitiesFromInquiries">{c.opportunitiesFromInquiries}</dd>
        <dt>{t.reports.wonFromInquiries}</dt>
        <dd data-figure="won">{c.won}</dd>
        <dt>{t.reports.inquiryToOpportunity}</dt>
        <dd data-figure="inquiryToOpportunity">{percent(p, c.inquiryToOpportunity)}</dd>
        <dt>{t.reports.opportunityToWon}</dt>
        <dd data-figure="opportunityToWon">{percent(p, c.opportunityToWon)}</dd>
      </dl>
      <div class="grid">
        <Counts
          p={p}
          id="pipeline-by-stage"
          caption={t.reports.byStage}
          names={t.pipeline.stage}
          rows={stages.map((s) => [label(t.enums.stage, s), report.byStage[s]!])}
        />
        <Counts
          p={p}
          id="pipeline-by-product"
          caption={t.reports.byProduct}
          names={t.pipeline.product}
          rows={Object.entries(report.byProduct)}
        />
        <Counts
          p={p}
          id="pipeline-by-source"
          caption={t.reports.bySource}
          names={t.reports.source}
          rows={Object.entries(report.bySource).map(([s, n]) => [label(t.enums.origin, s), n])}
        />
      </div>
      <Download p={p} report="pipeline" href={csv} what={t.reports.pipeline} />
    </section>
  );
}

function CustomerSection({ p, report, csv }: { p: PageContext; report: CustomerReport; csv: string }) {
  const { t } = p;
  return (
    <section class="card" aria-labelledby="customers-title">
      <h2 id="customers-title">{t.reports.customers}</h2>
      <dl class="facts" id="customer-figures">
        <dt>{t.reports.customerCount}</dt>
        <dd data-figure="customers">{report.customers}</dd>
        <dt>{t.reports.complaints(report.window.from, report.window.to)}</dt>
        <dd data-figure="complaints">{report.complaints}</dd>
        <dt>{t.reports.complaintsPer100}</dt>
        <dd data-figure="complaintsPer100Customers">{report.complaintsPer100Customers ?? '–'}</dd>
        <dt>{t.reports.atRisk(report.atRiskThreshold)}</dt>
        <dd data-figure="customersAtRisk">{report.customersAtRisk}</dd>
        <dt>{t.reports.guardBroken}</dt>
        <dd data-figure="contactGuardBroken">{report.contactGuardBroken}</dd>
      </dl>
      <div class="grid">
        <Counts
          p={p}
          id="customers-by-level"
          caption={t.reports.byTypeAndLevel}
          names={`${t.customer.type} / ${t.reports.level}`}
          rows={report.byTypeAndLevel.map((r) => [`${label(t.enums.customerType, r.type)} / ${r.level}`, r.count])}
        />
        <Counts
          p={p}
          id="customers-by-contacts"
          caption={t.reports.contactsPerCustomer}
          names={t.reports.contacts}
          rows={report.contactsPerCustomer.map((r) => [r.contacts, r.customers])}
        />
      </div>
      <Download p={p} report="customers" href={csv} what={t.reports.customers} />
    </section>
  );
}

/**
 * The reports (managers: their own figures; supervisors: their branch's; admins: a branch they choose): a GET form
 * for the period, the daily chart drawn by the API's renderer in the page's words, the figures as tables, and each
 * report's CSV, byte for byte the API's.
 */
export function reportRoutes(ui: Hono<ConsoleEnv>, services: StaffServices, http: ConsoleHttpDeps) {
  ui.get('/reports', async (c) => {
    const caller = c.get('caller');
    const form = await readReportForm(services.reports, caller, c.req.query(), http.clock());
    const p = await pageContext(c, http, flashOf(c));
    const { t } = p;
    const choosesBranch = mayReadAnyBranchReports(caller);
    const head = <ReportFormView p={p} form={form} choosesBranch={choosesBranch} />;
    if (!('queries' in form)) {
      return renderPage(
        c,
        <Layout p={p} title={t.reports.title} current="reports">
          {head}
        </Layout>,
        form.status,
      );
    }
    const { range, month, customers: window } = form.queries;
    const [daily, managers, pipeline, customers] = await Promise.all([
      services.reports.daily(caller, range),
      services.reports.managers(caller, month),
      services.reports.pipeline(caller, range),
      services.reports.customers(caller, window),
    ]);
    const { scope } = form;
    const v = form.values;
    return renderPage(
      c,
      <Layout p={p} title={t.reports.title} current="reports">
        {head}
        <p id="report-scope">
          {scope.managerId
            ? t.reports.ownScope(scope.managerId, scope.branchId)
            : t.reports.branchScope(scope.branchId, scope.timeZone)}
        </p>
        <DailySection p={p} report={daily} csv={downloadHref('daily', v, ['from', 'to'])} />
        <ManagerSection p={p} report={managers} csv={downloadHref('managers', v, ['month'])} />
        <PipelineSection p={p} report={pipeline} csv={downloadHref('pipeline', v, ['from', 'to'])} />
        <CustomerSection p={p} report={customers} csv={downloadHref('customers', v, [])} />
      </Layout>,
    );
  });

  for (const [report, file] of Object.entries(downloads)) {
    ui.get(`/reports/${report}.csv`, async (c) => {
      const csv = await file(services, c.get('caller'), c.req.query());
      return c.body(csv.text, 200, { ...PAGE_HEADERS, ...downloadHeaders(csv) });
    });
  }
}
