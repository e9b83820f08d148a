/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import { AttachInput, type Caller } from '@cc/core';
import { tryNormaliseEmail, tryNormalisePhone } from '@cc/channels';
import type { StaffServices } from '@cc/services';
import type { ConsoleHttpDeps } from '../../http/env';
import type { ConsoleEnv } from '../env';
import { failureKey, flashOf } from '../flash';
import { formatDateTime, label } from '../i18n';
import { consoleHref, Csrf, Layout, type PageContext } from '../layout';
import { formClaim, RequestKey } from '../form-key';
import { formField } from '../middleware';
import { isHtmx, pageContext, redirectTo, renderFragment, renderPage } from '../render';
import { customerHref } from './parts';

type Found = Awaited<ReturnType<StaffServices['customers']['lookup']>>[number];
type Unidentified = Awaited<ReturnType<StaffServices['unidentified']['list']>>['items'][number];

const RESULTS = 20;

/**
 * One search box: an email, a phone in any common format, a customer number, or the start of a name (in the
 * caller's branch). Every reading that makes sense is tried; the customers found are those the caller may see.
 */
export async function findCustomers(services: StaffServices, caller: Caller, raw: string): Promise<Found[]> {
  const q = raw.trim().slice(0, 100);
  if (!q) return [];
  const lookups: Promise<Found[]>[] = [services.customers.lookup(caller, { kind: 'number', value: q })];
  const email = q.includes('@') ? tryNormaliseEmail(q) : undefined;
  if (email) lookups.push(services.customers.lookup(caller, { kind: 'email', value: email }));
  const phone = /^[+\d][\d\s().-]{4,}$/.test(q) ? tryNormalisePhone(q) : undefined;
  if (phone) lookups.push(services.customers.lookup(caller, { kind: 'phone', value: phone }));
  if (!email && !phone && /\p{L}/u.test(q)) {
    lookups.push(services.customers.search(caller, caller.branchId, q, undefined, RESULTS).then((page) => page.items));
  }
  const found = (await Promise.all(lookups)).flat();
  return [...new Map(found.map((c) => [c.id, c])).values()];
}

function Results({ p, q, found }: { p: PageContext; q: string; found: Found[] }) {
  const { t } = p;
  return (
    <div id="search-results" aria-live="polite">
      {q && found.length === 0 && <p>{t.search.none}</p>}
      {found.length > 0 && (
        <>
          <h2>{t.search.results}</h2>
          <ul>
            {found.map((c) => (
              <li>
                <a href={customerHref(c.id)}>
                  {c.customerNumber} · {c.name}
                </a>{' '}
                <span class="muted">
                  {label(t.enums.customerType, c.type)} · {c.level}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function SearchForm({ p, q }: { p: PageContext; q: string }) {
  const { t } = p;
  return (
    <form
      method="get"
      action={consoleHref('/desk')}
      role="search"
      hx-get={consoleHref('/desk')}
      hx-trigger="input changed delay:400ms from:#q, submit"
      hx-target="#search-results"
      hx-swap="outerHTML"
      hx-push-url="true"
    >
      <label for="q">{t.search.label}</label>
      <div class="row">
        <input type="search" id="q" name="q" value={q} autocomplete="off" aria-describedby="q-hint" />
        <button type="submit" class="shrink">
          {t.search.submit}
        </button>
      </div>
      <p class="muted" id="q-hint">
        {t.search.hint}
      </p>
    </form>
  );
}

function UnidentifiedRow({ p, e }: { p: PageContext; e: Unidentified }) {
  const { t } = p;
  const sender = e.sender;
  const fieldId = (name: string) => `${name}-${e.id}`;
  return (
    <tr>
      <td>{sender ? sender.value : ''}</td>
      <td>{formatDateTime(p.locale, e.occurredAt)}</td>
      <td>{label(t.enums.channel, e.channel)}</td>
      <td>{e.summary}</td>
      <td>
        {sender && (
          <form method="post" action={consoleHref('/unidentified/attach')}>
            <Csrf p={p} />
            <RequestKey />
            <input type="hidden" name="kind" value={sender.kind} />
            <input type="hidden" name="value" value={sender.value} />
            <label for={fieldId('number')}>{t.unidentified.attachTo}</label>
            <input type="text" id={fieldId('number')} name="customerNumber" required />
            <label for={fieldId('add')}>
              <input type="checkbox" id={fieldId('add')} name="addContactPoint" value="true" />{' '}
              {t.unidentified.addContactPoint}
            </label>
            <button type="submit">{t.unidentified.attach}</button>
          </form>
        )}
      </td>
    </tr>
  );
}

/** The agent's desk: find the caller; and the contacts no customer is known by yet, to attach. */
export function deskRoutes(ui: Hono<ConsoleEnv>, services: StaffServices, http: ConsoleHttpDeps) {
  ui.get('/desk', async (c) => {
    const caller = c.get('caller');
    const q = (c.req.query('q') ?? '').slice(0, 100);
    const found = await findCustomers(services, caller, q);
    const p = await pageContext(c, http, flashOf(c));
    if (isHtmx(c)) return renderFragment(c, <Results p={p} q={q} found={found} />);
    // Without JavaScript, one match goes straight to the customer's card.
    if (found.length === 1 && c.req.query('q') !== undefined) return c.redirect(customerHref(found[0]!.id), 303);
    return renderPage(
      c,
      <Layout p={p} title={p.t.search.title} current="desk">
        <section class="card">
          <SearchForm p={p} q={q} />
          <Results p={p} q={q} found={found} />
        </section>
      </Layout>,
    );
  });

  ui.get('/unidentified', async (c) => {
    const page = await services.unidentified.list(c.get('caller'), undefined, 50);
    const p = await pageContext(c, http, flashOf(c));
    const { t } = p;
    return renderPage(
      c,
      <Layout p={p} title={t.unidentified.title} current="unidentified">
        <p>{t.unidentified.intro}</p>
        {page.items.length === 0 ? (
          <p id="unidentified">{t.unidentified.none}</p>
        ) : (
          <table id="unidentified">
            <thead>
              <tr>
                <th scope="col">{t.unidentified.sender}</th>
                <th scope="col">{t.unidentified.when}</th>
                <th scope="col">{t.unidentified.channel}</th>
                <th scope="col">{t.unidentified.summary}</th>
                <th scope="col">{t.unidentified.attach}</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((e) => (
                <UnidentifiedRow p={p} e={e} />
              ))}
            </tbody>
          </table>
        )}
      </Layout>,
    );
  });

  ui.post('/unidentified/attach', async (c) => {
    const caller = c.get('caller');
    const back = consoleHref('/unidentified');
    try {
      const number = (await formField(c, 'customerNumber'))?.trim() ?? '';
      const [customer] = number ? await services.customers.lookup(caller, { kind: 'number', value: number }) : [];
      if (!customer) return redirectTo(c, back, { failed: 'notFound' });
      const input = AttachInput.parse({
        kind: await formField(c, 'kind'),
        value: await formField(c, 'value'),
        customerId: customer.id,
        addContactPoint: (await formField(c, 'addContactPoint')) === 'true',
      });
      // Sent twice, it asks to add the contact point once (one change request), as the first attachment did.
      const claim = await formClaim(c, `${caller.userId}:console-attachments`, input, http.clock());
      const { response } = await services.unidentified.attachOnce(caller, input, claim);
      return redirectTo(c, back, { done: 'attached', ref: String(response.body.moved) });
    } catch (error) {
      return redirectTo(c, back, { failed: failureKey(error) });
    }
  });
}
