/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import {
  casePriorities,
  caseTypes,
  contactOutcomes,
  ContactCreateInput,
  inquirySubjects,
  ValidationError,
  type Caller,
  type FieldIssue,
  type GuardReason,
} from '@cc/core';
import { requestClaim, type StaffServices } from '@cc/services';
import type { ConsoleHttpDeps } from '../../http/env';
import type { ConsoleContext, ConsoleEnv } from '../env';
import { flashOf } from '../flash';
import { formatAmount, formatDateTime, label } from '../i18n';
import { randomToken } from '../keys';
import { Csrf, Layout, type PageContext } from '../layout';
import { pageContext, redirectTo, renderPage } from '../render';
import { isoToWallClock, wallClockToIso } from '../time';
import { CaseTable, customerHref, errorFor, Field, Options } from './parts';

type View = Awaited<ReturnType<StaffServices['customers']['view']>>;
type Contactability = Awaited<ReturnType<StaffServices['customerContact']['contactability']>>;
type Entry = Awaited<ReturnType<StaffServices['timeline']['list']>>['items'][number];
type CallForm = Record<string, string>;

const TIMELINE_SIZE = 25;

/** A reason the contact guard gives, in the page's language. */
function reasonText(p: PageContext, r: GuardReason): string {
  const { t } = p;
  const channel = (ch: string) => label(t.enums.channel, ch);
  const until = (at: string) => t.customer.until(formatDateTime(p.locale, at));
  switch (r.code) {
    case 'opted_out':
      return t.customer.optedOut(channel(r.channel));
    case 'no_address':
      return t.customer.noAddress(channel(r.channel));
    case 'quiet_hours':
      return `${t.customer.quietHours(r.start, r.end, r.timeZone)} ${until(r.until)}`;
    case 'frequency_cap':
      return `${t.customer.frequency(r.count, r.windowDays, r.limit)} ${until(r.until)}`;
  }
}

/** Whether and when each channel may be used now (the contact guard), in the order messages try them. */
function ContactabilityList({ p, c }: { p: PageContext; c: Contactability }) {
  const { t } = p;
  return (
    <>
      <ul>
        {c.channels.map((v) => (
          <li>
            {label(t.enums.channel, v.channel)}:{' '}
            {v.allowed ? t.customer.reachable : v.reasons.map((r) => reasonText(p, r)).join('; ')}
          </li>
        ))}
      </ul>
      <span class="muted">{t.customer.frequency(c.frequency.count, c.frequency.windowDays, c.frequency.limit)}</span>
    </>
  );
}

function Facts({ p, view, contactability }: { p: PageContext; view: View; contactability: Contactability }) {
  const { t } = p;
  const { profile, managers } = view;
  const person = (m: { id: string; name: string | null }) => (m.name ? `${m.name} (${m.id})` : m.id);
  return (
    <dl class="facts" id="customer-facts">
      <dt>{t.customer.number}</dt>
      <dd id="customer-number">{profile.customerNumber}</dd>
      <dt>{t.customer.name}</dt>
      <dd id="customer-name">{profile.name}</dd>
      <dt>{t.customer.type}</dt>
      <dd>{label(t.enums.customerType, profile.type)}</dd>
      <dt>{t.customer.level}</dt>
      <dd>{profile.level}</dd>
      <dt>{t.customer.branch}</dt>
      <dd>{profile.branchId}</dd>
      <dt>{t.customer.contactPoints}</dt>
      <dd>{profile.contactPoints.map((cp) => cp.value).join(', ')}</dd>
      <dt>{t.customer.preferredChannel}</dt>
      <dd>{label(t.enums.channel, profile.preferredChannel) || t.customer.none}</dd>
      <dt>{t.customer.managers}</dt>
      <dd>
        {t.customer.primary}: {managers.primary ? person(managers.primary) : t.customer.none}
        {managers.assisting.length > 0 && (
          <>
            <br />
            {t.customer.assisting}: {managers.assisting.map(person).join(', ')}
          </>
        )}
      </dd>
      <dt>{t.customer.counters}</dt>
      <dd>{view.counters.contactsLast30Days}</dd>
      <dt>{t.customer.contactability}</dt>
      <dd id="contactability">
        <ContactabilityList p={p} c={contactability} />
      </dd>
    </dl>
  );
}

/** Figures are there only for callers who may see them (not agents: the services reduce the profile). */
function Figures({ p, view }: { p: PageContext; view: View }) {
  const { t } = p;
  if (!('figures' in view.profile)) return null;
  const f = view.profile.figures;
  return (
    <section class="card" aria-labelledby="figures-title">
      <h2 id="figures-title">{t.customer.figures}</h2>
      <dl class="facts">
        {f.aum !== undefined && (
          <>
            <dt>{t.customer.aum}</dt>
            <dd>{formatAmount(p.locale, f.aum, 'CNY')}</dd>
          </>
        )}
        {f.creditRating && (
          <>
            <dt>{t.customer.creditRating}</dt>
            <dd>{f.creditRating}</dd>
          </>
        )}
        {f.points !== undefined && (
          <>
            <dt>{t.customer.points}</dt>
            <dd>{f.points}</dd>
          </>
        )}
        {f.contribution !== undefined && (
          <>
            <dt>{t.customer.contribution}</dt>
            <dd>{f.contribution}</dd>
          </>
        )}
        {f.products && f.products.length > 0 && (
          <>
            <dt>{t.customer.products}</dt>
            <dd>{f.products.map((x) => x.name).join(', ')}</dd>
          </>
        )}
      </dl>
    </section>
  );
}

function Timeline({ p, entries }: { p: PageContext; entries: Entry[] }) {
  const { t } = p;
  if (entries.length === 0) return <p id="timeline">{t.customer.noContacts}</p>;
  return (
    <ul class="timeline" id="timeline">
      {entries.map((e) => (
        <li>
          <span class="muted">
            {formatDateTime(p.locale, e.occurredAt)} · {label(t.enums.channel, e.channel)}
          </span>
          <br />
          {e.summary}
        </li>
      ))}
    </ul>
  );
}

/** Log a call, and open a complaint or inquiry with it, in one form. */
function LogCallForm(props: { p: PageContext; customerId: string; values: CallForm; errors: FieldIssue[] }) {
  const { p, values: v, errors } = props;
  const { t } = p;
  const field = (...names: string[]) => errorFor(errors, ...names);
  const d = (id: string, ...names: string[]) => (field(...names).length ? `${id}-error` : undefined);
  return (
    <form method="post" action={`${customerHref(props.customerId)}/calls`} id="log-call" novalidate>
      <Csrf p={p} />
      <input type="hidden" name="requestKey" value={v.requestKey} />
      {errors.length > 0 && (
        <p class="flash error" role="alert" id="log-call-errors">
          {t.errors.invalid}
        </p>
      )}
      <div class="row">
        <Field id="direction" label={t.logCall.direction} errors={field('direction')}>
          <select id="direction" name="direction" aria-describedby={d('direction', 'direction')}>
            <option value="inbound" selected={v.direction !== 'outbound'}>
              {t.logCall.inbound}
            </option>
            <option value="outbound" selected={v.direction === 'outbound'}>
              {t.logCall.outbound}
            </option>
          </select>
        </Field>
        <Field id="startedAt" label={t.logCall.startedAt} errors={field('startedAt')}>
          <input
            type="datetime-local"
            id="startedAt"
            name="startedAt"
            value={v.startedAt}
            aria-describedby={d('startedAt', 'startedAt')}
          />
        </Field>
        <Field id="endedAt" label={t.logCall.endedAt} errors={field('endedAt')}>
          <input
            type="datetime-local"
            id="endedAt"
            name="endedAt"
            value={v.endedAt}
            aria-describedby={d('endedAt', 'endedAt')}
          />
        </Field>
        <Field id="outcome" label={t.logCall.outcome} errors={field('outcome')}>
          <select id="outcome" name="outcome" aria-describedby={d('outcome', 'outcome')}>
            <Options values={contactOutcomes} table={t.enums.outcome} selected={v.outcome} />
          </select>
        </Field>
      </div>
      <Field id="notes" label={t.logCall.notes} errors={field('notes')}>
        <textarea id="notes" name="notes" aria-describedby={d('notes', 'notes')}>
          {v.notes}
        </textarea>
      </Field>
      <fieldset>
        <legend>{t.logCall.openCase}</legend>
        <div class="row">
          <Field id="caseType" label={t.logCall.caseType} errors={field('case.type')}>
            <select id="caseType" name="caseType" aria-describedby={d('caseType', 'case.type')}>
              <option value="">{t.logCall.caseNone}</option>
              <Options values={caseTypes} table={t.enums.caseType} selected={v.caseType} />
            </select>
          </Field>
          <Field id="category" label={t.logCall.category} errors={field('case.category')}>
            <input
              type="text"
              id="category"
              name="category"
              value={v.category}
              aria-describedby={d('category', 'case.category')}
            />
          </Field>
          <Field id="priority" label={t.logCall.priority} errors={field('case.priority')}>
            <select id="priority" name="priority" aria-describedby={d('priority', 'case.priority')}>
              <Options values={casePriorities} table={t.enums.priority} selected={v.priority || 'normal'} />
            </select>
          </Field>
        </div>
        <div class="row">
          <Field id="subject" label={t.logCall.subject} errors={field('case.subject')}>
            <select id="subject" name="subject" aria-describedby={d('subject', 'case.subject')}>
              <option value="">—</option>
              <Options values={inquirySubjects} table={t.enums.subject} selected={v.subject} />
            </select>
          </Field>
          <Field id="productCode" label={t.logCall.productCode} errors={field('case.productCode')}>
            <input
              type="text"
              id="productCode"
              name="productCode"
              value={v.productCode}
              aria-describedby={d('productCode', 'case.productCode')}
            />
          </Field>
        </div>
        <Field id="caseTitle" label={t.logCall.caseTitle} errors={field('case.title')}>
          <input
            type="text"
            id="caseTitle"
            name="caseTitle"
            value={v.caseTitle}
            aria-describedby={d('caseTitle', 'case.title')}
          />
        </Field>
        <Field id="description" label={t.logCall.description} errors={field('case.description', 'case')}>
          <textarea id="description" name="description" aria-describedby={d('description', 'case.description', 'case')}>
            {v.description}
          </textarea>
        </Field>
      </fieldset>
      <button type="submit" id="log-call-submit">
        {t.logCall.submit}
      </button>
    </form>
  );
}

/** The form's fields as the service's input (the wall-clock times read in the bank's zone). */
function contactInput(customerId: string, v: CallForm) {
  const blank = (s: string | undefined) => (s?.trim() ? s.trim() : undefined);
  return {
    customerId,
    direction: v.direction,
    startedAt: wallClockToIso(v.startedAt) ?? v.startedAt,
    ...(blank(v.endedAt) && { endedAt: wallClockToIso(v.endedAt) ?? v.endedAt }),
    outcome: v.outcome,
    notes: v.notes ?? '',
    ...(blank(v.caseType) && {
      case: {
        type: v.caseType,
        category: blank(v.category) ?? 'general',
        title: v.caseTitle?.trim() ?? '',
        description: v.description?.trim() ?? '',
        priority: blank(v.priority),
        ...(blank(v.subject) && { subject: v.subject }),
        ...(blank(v.productCode) && { productCode: blank(v.productCode) }),
      },
    }),
  };
}

const freshCallForm = (now: number): CallForm => ({
  requestKey: randomToken(16),
  direction: 'inbound',
  startedAt: isoToWallClock(now - 5 * 60_000),
  endedAt: isoToWallClock(now),
  outcome: 'resolved',
});

async function customerPage(
  c: ConsoleContext,
  services: StaffServices,
  http: ConsoleHttpDeps,
  caller: Caller,
  id: string,
  form: { values: CallForm; errors: FieldIssue[] },
  status = 200,
) {
  const [view, contactability, timeline, cases, p] = await Promise.all([
    services.customers.view(caller, id),
    services.customerContact.contactability(caller, id),
    services.timeline.list(caller, id, {}, undefined, TIMELINE_SIZE),
    services.cases.list(caller, { customerId: id }, undefined, 50),
    pageContext(c, http, flashOf(c)),
  ]);
  const { t } = p;
  return renderPage(
    c,
    <Layout p={p} title={t.customer.title(view.profile.name)} current="desk">
      <div class="grid">
        <section class="card" aria-labelledby="facts-title">
          <h2 id="facts-title">{view.profile.customerNumber}</h2>
          <Facts p={p} view={view} contactability={contactability} />
        </section>
        <Figures p={p} view={view} />
      </div>
      <section class="card" aria-labelledby="log-call-title">
        <h2 id="log-call-title">{t.logCall.title}</h2>
        <LogCallForm p={p} customerId={view.profile.id} values={form.values} errors={form.errors} />
      </section>
      <section class="card" aria-labelledby="cases-title">
        <h2 id="cases-title">{t.customer.openCases}</h2>
        <CaseTable p={p} cases={cases.items} now={http.clock()} id="customer-cases" empty={t.home.myCasesNone} />
      </section>
      <section class="card" aria-labelledby="timeline-title">
        <h2 id="timeline-title">{t.customer.timeline}</h2>
        <Timeline p={p} entries={timeline.items} />
      </section>
    </Layout>,
    status,
  );
}

const CALL_FIELDS = [
  'requestKey',
  'direction',
  'startedAt',
  'endedAt',
  'outcome',
  'notes',
  'caseType',
  'category',
  'priority',
  'subject',
  'productCode',
  'caseTitle',
  'description',
] as const;

/** The customer card (reduced for agents) or 360 (managers in scope, supervisors): facts, the call form, history. */
export function customerRoutes(ui: Hono<ConsoleEnv>, services: StaffServices, http: ConsoleHttpDeps) {
  ui.get('/customers/:id', (c) =>
    customerPage(c, services, http, c.get('caller'), c.req.param('id'), {
      values: freshCallForm(http.clock().getTime()),
      errors: [],
    }),
  );

  ui.post('/customers/:id/calls', async (c) => {
    const caller = c.get('caller');
    const id = c.req.param('id');
    const body = await c.req.parseBody();
    const values = Object.fromEntries(
      CALL_FIELDS.map((f) => [f, typeof body[f] === 'string' ? (body[f] as string) : '']),
    ) as CallForm;
    try {
      const parsed = ContactCreateInput.safeParse(contactInput(id, values));
      if (!parsed.success) {
        throw new ValidationError(
          'The call has invalid fields',
          parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
        );
      }
      // The form's own key makes a double submit log one call.
      const key = values.requestKey || randomToken(16);
      const claim = requestClaim(`${caller.userId}:console-contacts`, key, parsed.data, http.clock());
      const { response } = await services.contacts.log(caller, parsed.data, claim);
      const caseId = (response.body as { caseId?: string }).caseId;
      return redirectTo(c, customerHref(id), caseId ? { done: 'loggedWithCase', ref: caseId } : { done: 'logged' });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return customerPage(c, services, http, caller, id, { values, errors: error.errors }, 400);
    }
  });
}
