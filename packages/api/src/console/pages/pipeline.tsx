/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import { isOpenStage, opportunityStages, pipelineViews, type Opportunity, type PipelineViewName } from '@cc/core';
import type { StaffServices } from '@cc/services';
import type { ConsoleHttpDeps } from '../../http/env';
import type { ConsoleEnv } from '../env';
import { flashOf } from '../flash';
import { formatAmount, formatDateTime, label } from '../i18n';
import { consoleHref, Layout, type PageContext } from '../layout';
import { pageContext, renderPage } from '../render';
import { customerHref, formatAmounts } from './parts';

type Totals = Awaited<ReturnType<StaffServices['opportunities']['totals']>>;

function ByStage({ p, totals }: { p: PageContext; totals: Totals }) {
  const { t } = p;
  return (
    <table id="pipeline-stages">
      <thead>
        <tr>
          <th scope="col">{t.pipeline.stage}</th>
          <th scope="col">{t.pipeline.count}</th>
          <th scope="col">{t.pipeline.amount}</th>
        </tr>
      </thead>
      <tbody>
        {opportunityStages.map((stage) => (
          <tr>
            <th scope="row">{label(t.enums.stage, stage)}</th>
            <td>{totals.byStage[stage]?.count ?? 0}</td>
            <td>{formatAmounts(p, totals.byStage[stage]?.amounts ?? {})}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Opportunities({ p, items, now }: { p: PageContext; items: Opportunity[]; now: Date }) {
  const { t } = p;
  if (items.length === 0) return <p id="pipeline-list">{t.pipeline.none}</p>;
  return (
    <table id="pipeline-list">
      <thead>
        <tr>
          <th scope="col">{t.cases.title}</th>
          <th scope="col">{t.cases.customer}</th>
          <th scope="col">{t.pipeline.product}</th>
          <th scope="col">{t.pipeline.stage}</th>
          <th scope="col">{t.pipeline.amount}</th>
          <th scope="col">{t.pipeline.close}</th>
          <th scope="col">{t.pipeline.nextStep}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((o) => {
          const overdue = o.nextStep && isOpenStage(o.stage) && Date.parse(o.nextStep.at) < now.getTime();
          return (
            <tr>
              <td>{o.title}</td>
              <td>
                {o.customerId ? (
                  <a href={customerHref(o.customerId)}>
                    {o.customerNumber} {o.customerName}
                  </a>
                ) : (
                  (o.prospect?.name ?? '')
                )}
              </td>
              <td>{o.productCode}</td>
              <td>{label(t.enums.stage, o.stage)}</td>
              <td>{formatAmount(p.locale, o.expectedAmount, o.currency)}</td>
              <td>{o.expectedCloseDate}</td>
              <td>
                {o.nextStep && (
                  <>
                    {o.nextStep.description} ({t.pipeline.due} {formatDateTime(p.locale, o.nextStep.at)}){' '}
                    {overdue && <span class="badge overdue">{t.cases.overdue}</span>}
                  </>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The pipeline by stage, with next steps and their due marks; mine, my team's, or (supervisors) the branch's. */
export function pipelineRoutes(ui: Hono<ConsoleEnv>, services: StaffServices, http: ConsoleHttpDeps) {
  ui.get('/pipeline', async (c) => {
    const caller = c.get('caller');
    const asked = c.req.query('view');
    const view: PipelineViewName = pipelineViews.includes(asked as PipelineViewName)
      ? (asked as PipelineViewName)
      : 'mine';
    const [totals, list, p] = await Promise.all([
      services.opportunities.totals(caller, view, {}),
      services.opportunities.list(caller, view, {}, undefined, 100),
      pageContext(c, http, flashOf(c)),
    ]);
    const { t } = p;
    const views = caller.role === 'manager' ? pipelineViews.filter((v) => v !== 'branch') : pipelineViews;
    return renderPage(
      c,
      <Layout p={p} title={`${t.pipeline.title} · ${label(t.pipeline.views, view)}`} current="pipeline">
        <nav aria-label={t.pipeline.view}>
          <p>
            {views.map((v) => (
              <>
                <a href={`${consoleHref('/pipeline')}?view=${v}`} aria-current={v === view ? 'page' : undefined}>
                  {label(t.pipeline.views, v)}
                </a>{' '}
              </>
            ))}
          </p>
        </nav>
        <section class="card" aria-labelledby="stages-title">
          <h2 id="stages-title">{t.pipeline.byStage}</h2>
          <ByStage p={p} totals={totals} />
        </section>
        <section class="card" aria-labelledby="list-title">
          <h2 id="list-title">{t.pipeline.list}</h2>
          <Opportunities p={p} items={list.items} now={http.clock()} />
        </section>
      </Layout>,
    );
  });
}
