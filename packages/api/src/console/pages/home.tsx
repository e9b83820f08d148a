/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import type { Caller } from '@cc/core';
import type { StaffServices } from '@cc/services';
import type { ConsoleHttpDeps } from '../../http/env';
import type { ConsoleEnv } from '../env';
import { flashOf } from '../flash';
import { formatDateTime } from '../i18n';
import { consoleHref, Csrf, Layout, type PageContext } from '../layout';
import { isHtmx, pageContext, redirectTo, renderFragment, renderPage } from '../render';
import { caseHref, CaseTable } from './parts';

type Reminder = Awaited<ReturnType<StaffServices['inbox']['list']>>['items'][number];

/** How many reminders and cases the home page shows. */
const PAGE_SIZE = 50;

/** One reminder: the seeds' date, content, customer number and customer name, and whether it was read. */
function ReminderRow({ p, r }: { p: PageContext; r: Reminder }) {
  const { t } = p;
  return (
    <tr class={r.read ? 'read' : 'unread'} id={`reminder-${r.id}`}>
      <td>{formatDateTime(p.locale, r.createdAt)}</td>
      <td>
        {r.caseId ? <a href={caseHref(r.caseId)}>{r.title}</a> : r.title}
        <br />
        <span class="muted">{r.excerpt}</span>
      </td>
      <td>{r.customerNumber ?? ''}</td>
      <td>{r.customerName ?? ''}</td>
      <td>
        {r.read ? (
          <span class="badge ok">{t.home.read}</span>
        ) : (
          <form
            method="post"
            action={consoleHref(`/home/reminders/${encodeURIComponent(r.id)}/read`)}
            hx-post={consoleHref(`/home/reminders/${encodeURIComponent(r.id)}/read`)}
            hx-target="closest tr"
            hx-swap="outerHTML"
          >
            <Csrf p={p} />
            <span class="badge unread">{t.home.unread}</span>{' '}
            <button type="submit" class="secondary" aria-label={`${t.home.markRead}: ${r.title}`}>
              {t.home.markRead}
            </button>
          </form>
        )}
      </td>
    </tr>
  );
}

function Reminders({ p, items }: { p: PageContext; items: Reminder[] }) {
  const { t } = p;
  if (items.length === 0) return <p id="reminders">{t.home.remindersNone}</p>;
  return (
    <>
      <table id="reminders">
        <caption class="visually-hidden">{t.home.reminders}</caption>
        <thead>
          <tr>
            <th scope="col">{t.home.date}</th>
            <th scope="col">{t.home.content}</th>
            <th scope="col">{t.home.customerNumber}</th>
            <th scope="col">{t.home.customerName}</th>
            <th scope="col">{t.home.state}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <ReminderRow p={p} r={r} />
          ))}
        </tbody>
      </table>
      {items.some((r) => !r.read) && (
        <form method="post" action={consoleHref('/home/reminders/read-all')}>
          <Csrf p={p} />
          <p>
            <button type="submit" class="secondary">
              {t.home.markAllRead}
            </button>
          </p>
        </form>
      )}
    </>
  );
}

/** The open cases of the customers the caller manages (primary or assisting), whoever works them. */
async function myCustomersCases(services: StaffServices, caller: Caller) {
  return (await services.cases.list(caller, { scope: 'my-customers' }, undefined, PAGE_SIZE)).items;
}

/** The manager's home page: reminders (unread first), then their customers' open cases with deadlines. */
export function homeRoutes(ui: Hono<ConsoleEnv>, services: StaffServices, http: ConsoleHttpDeps) {
  ui.get('/home', async (c) => {
    const caller = c.get('caller');
    const [reminders, cases, p] = await Promise.all([
      services.inbox.list(caller, false, undefined, PAGE_SIZE),
      caller.role === 'agent' ? Promise.resolve([]) : myCustomersCases(services, caller),
      pageContext(c, http, flashOf(c)),
    ]);
    const { t } = p;
    return renderPage(
      c,
      <Layout p={p} title={t.home.title} current="home">
        <section class="card" aria-labelledby="reminders-title">
          <h2 id="reminders-title">{t.home.reminders}</h2>
          <Reminders p={p} items={reminders.items} />
        </section>
        {caller.role !== 'agent' && (
          <section class="card" aria-labelledby="my-cases-title">
            <h2 id="my-cases-title">{t.home.myCases}</h2>
            <CaseTable p={p} cases={cases} now={http.clock()} id="my-cases" empty={t.home.myCasesNone} />
          </section>
        )}
      </Layout>,
    );
  });

  ui.post('/home/reminders/read-all', async (c) => {
    await services.inbox.markAllRead(c.get('caller'));
    return redirectTo(c, consoleHref('/home'), { done: 'markedRead' });
  });

  ui.post('/home/reminders/:id/read', async (c) => {
    const caller = c.get('caller');
    const id = c.req.param('id');
    await services.inbox.markRead(caller, id);
    if (!isHtmx(c)) return redirectTo(c, consoleHref('/home'), { done: 'markedRead' });
    // htmx swaps the row in place: the same row the page would now show.
    const page = await services.inbox.list(caller, false, undefined, PAGE_SIZE);
    const row = page.items.find((r) => r.id === id);
    const p = await pageContext(c, http);
    return renderFragment(c, row ? <ReminderRow p={p} r={row} /> : <tr></tr>);
  });
}
