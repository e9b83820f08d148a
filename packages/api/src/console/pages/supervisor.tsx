/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import { DecisionInput, type ChangeRequest, type CustomerChange } from '@cc/core';
import type { CaseListQuery, StaffServices } from '@cc/services';
import type { ConsoleHttpDeps } from '../../http/env';
import type { ConsoleEnv } from '../env';
import { failureKey, flashOf } from '../flash';
import { formatDateTime, type Messages } from '../i18n';
import { consoleHref, Csrf, Layout, type PageContext } from '../layout';
import { formClaim, RequestKey } from '../form-key';
import { formField } from '../middleware';
import { pageContext, redirectTo, renderPage } from '../render';
import { CaseTable, customerHref } from './parts';

const QUEUE_SIZE = 100;

function describeChange(t: Messages, change: CustomerChange): string {
  if (change.kind === 'level') return t.requests.level('', change.level);
  // Identity changes (phones, emails, customer number) are listed as they are asked for.
  if (change.kind === 'customer_number') return `# → ${change.customerNumber}`;
  if (change.kind === 'contact_points') {
    const points = (list?: { kind: string; value: string }[]) => (list ?? []).map((p) => p.value).join(', ');
    return [change.add?.length && `+ ${points(change.add)}`, change.remove?.length && `− ${points(change.remove)}`]
      .filter(Boolean)
      .join('; ');
  }
  const parts = [
    change.primaryManagerId !== undefined ? `${t.customer.primary}: ${change.primaryManagerId ?? t.customer.none}` : '',
    change.addAssisting?.length ? `+ ${change.addAssisting.join(', ')}` : '',
    change.removeAssisting?.length ? `− ${change.removeAssisting.join(', ')}` : '',
  ].filter(Boolean);
  return `${t.requests.managers}: ${parts.join('; ')}`;
}

function RequestRow({ p, r }: { p: PageContext; r: ChangeRequest }) {
  const { t } = p;
  const noteId = `decision-note-${r.id}`;
  return (
    <tr id={`request-${r.id}`}>
      <td>
        <a href={customerHref(r.customerId)}>
          {r.customerNumber} {r.customerName}
        </a>
      </td>
      <td>{describeChange(t, r.change)}</td>
      <td>{r.reason}</td>
      <td>
        {r.requestedBy}
        <br />
        <span class="muted">{formatDateTime(p.locale, r.requestedAt)}</span>
      </td>
      <td>
        <form method="post" action={consoleHref(`/requests/${encodeURIComponent(r.id)}/decision`)}>
          <Csrf p={p} />
          <RequestKey />
          <label for={noteId}>{t.requests.decisionNote}</label>
          <input type="text" id={noteId} name="note" maxlength={500} />
          <p>
            <button type="submit" name="decision" value="approve">
              {t.requests.approve}
            </button>{' '}
            <button type="submit" name="decision" value="reject" class="secondary">
              {t.requests.reject}
            </button>
          </p>
        </form>
      </td>
    </tr>
  );
}

/** Supervisors: the branch queue, what is overdue or escalated, change requests to decide (reports: reports.tsx). */
export function supervisorRoutes(ui: Hono<ConsoleEnv>, services: StaffServices, http: ConsoleHttpDeps) {
  ui.get('/queue', async (c) => {
    const caller = c.get('caller');
    const now = http.clock();
    const list = (query: CaseListQuery) => services.cases.list(caller, query, undefined, QUEUE_SIZE);
    const [queue, lateResponse, lateResolution, escalated, p] = await Promise.all([
      list({ scope: 'queue' }),
      list({ scope: 'branch', overdue: 'response' }),
      list({ scope: 'branch', overdue: 'resolution' }),
      list({ scope: 'branch', escalated: true }),
      pageContext(c, http, flashOf(c)),
    ]);
    const { t } = p;
    return renderPage(
      c,
      <Layout p={p} title={t.queue.title} current="queue">
        <section class="card" aria-labelledby="unowned-title">
          <h2 id="unowned-title">{t.queue.unowned}</h2>
          <CaseTable p={p} cases={queue.items} now={now} id="queue-cases" empty={t.queue.none} />
        </section>
        <h2>{t.queue.attention}</h2>
        <section class="card" aria-labelledby="late-response-title">
          <h3 id="late-response-title">{t.queue.overdueResponse}</h3>
          <CaseTable p={p} cases={lateResponse.items} now={now} id="late-response-cases" empty={t.queue.none} />
        </section>
        <section class="card" aria-labelledby="late-resolution-title">
          <h3 id="late-resolution-title">{t.queue.overdueResolution}</h3>
          <CaseTable p={p} cases={lateResolution.items} now={now} id="late-resolution-cases" empty={t.queue.none} />
        </section>
        <section class="card" aria-labelledby="escalated-title">
          <h3 id="escalated-title">{t.queue.escalated}</h3>
          <CaseTable p={p} cases={escalated.items} now={now} id="escalated-cases" empty={t.queue.none} />
        </section>
      </Layout>,
    );
  });

  ui.get('/requests', async (c) => {
    const [pending, p] = await Promise.all([
      services.changeRequests.list(c.get('caller'), 'pending', undefined, QUEUE_SIZE),
      pageContext(c, http, flashOf(c)),
    ]);
    const { t } = p;
    return renderPage(
      c,
      <Layout p={p} title={t.requests.title} current="requests">
        {pending.items.length === 0 ? (
          <p id="requests">{t.requests.none}</p>
        ) : (
          <table id="requests">
            <thead>
              <tr>
                <th scope="col">{t.cases.customer}</th>
                <th scope="col">{t.requests.change}</th>
                <th scope="col">{t.requests.reason}</th>
                <th scope="col">{t.requests.requestedBy}</th>
                <th scope="col">{t.requests.decisionNote}</th>
              </tr>
            </thead>
            <tbody>
              {pending.items.map((r) => (
                <RequestRow p={p} r={r} />
              ))}
            </tbody>
          </table>
        )}
      </Layout>,
    );
  });

  ui.post('/requests/:id/decision', async (c) => {
    const back = consoleHref('/requests');
    try {
      const note = (await formField(c, 'note'))?.trim();
      const input = DecisionInput.parse({ decision: await formField(c, 'decision'), ...(note && { note }) });
      const caller = c.get('caller');
      const id = c.req.param('id');
      // A decision sent twice is made once; the second answer is the first's.
      const claim = await formClaim(c, `${caller.userId}:console-decisions`, { id, ...input }, http.clock());
      await services.changeRequests.decideOnce(caller, id, input, claim);
      return redirectTo(c, back, { done: input.decision === 'approve' ? 'approved' : 'rejected' });
    } catch (error) {
      return redirectTo(c, back, { failed: failureKey(error) });
    }
  });
}
