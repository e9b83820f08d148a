/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import {
  awaitsResponse,
  CaseAssignInput,
  CasePatchInput,
  casePriorities,
  CaseReplyInput,
  caseTransitions,
  caseTypes,
  ConvertInput,
  inquirySubjects,
  isOpen,
  ValidationError,
  type Case,
  type Caller,
} from '@cc/core';
import { requestClaim, type StaffServices } from '@cc/services';
import type { ConsoleHttpDeps } from '../../http/env';
import type { ConsoleContext, ConsoleEnv } from '../env';
import { failureKey, flashOf } from '../flash';
import { formatDateTime, label } from '../i18n';
import { randomToken } from '../keys';
import { Csrf, Layout, type PageContext } from '../layout';
import { formClaim, RequestKey } from '../form-key';
import { formField } from '../middleware';
import { pageContext, redirectTo, renderPage } from '../render';
import { caseHref, CaseMarks, customerHref, Options } from './parts';

type HistoryEntry = Awaited<ReturnType<StaffServices['cases']['history']>>[number];

/** The statuses this case may move to from here (conversion has its own form). */
export const statusMoves = (c: Pick<Case, 'status'>) => caseTransitions[c.status].filter((s) => s !== 'converted');

const isConvertible = (c: Case) =>
  c.type === 'inquiry' &&
  c.subject === 'product' &&
  !c.opportunityId &&
  caseTransitions[c.status].includes('converted');

function CaseFacts({ p, c, now }: { p: PageContext; c: Case; now: Date }) {
  const { t } = p;
  return (
    <dl class="facts" id="case-facts">
      <dt>{t.cases.type}</dt>
      <dd>
        {label(t.enums.caseType, c.type)}
        {c.subject ? ` · ${label(t.enums.subject, c.subject)}` : ''}
        {c.productCode ? ` · ${c.productCode}` : ''}
      </dd>
      <dt>{t.cases.status}</dt>
      <dd id="case-status">
        {label(t.enums.caseStatus, c.status)} <CaseMarks p={p} c={c} now={now} />
      </dd>
      <dt>{t.cases.priority}</dt>
      <dd>{label(t.enums.priority, c.priority)}</dd>
      <dt>{t.casePage.category}</dt>
      <dd>{c.category}</dd>
      <dt>{t.cases.customer}</dt>
      <dd>
        {c.customerId ? (
          <a href={customerHref(c.customerId)}>
            {c.customerNumber} {c.customerName}
          </a>
        ) : (
          t.customer.none
        )}
      </dd>
      <dt>{t.cases.owner}</dt>
      <dd>{c.ownerId ?? t.cases.queue}</dd>
      <dt>{t.casePage.origin}</dt>
      <dd>{c.origin}</dd>
      <dt>{t.cases.created}</dt>
      <dd>{formatDateTime(p.locale, c.createdAt)}</dd>
      {awaitsResponse(c) && c.respondBy && (
        <>
          <dt>{t.cases.respondBy}</dt>
          <dd>{formatDateTime(p.locale, c.respondBy)}</dd>
        </>
      )}
      {isOpen(c.status) && c.resolveBy && (
        <>
          <dt>{t.cases.resolveBy}</dt>
          <dd>{formatDateTime(p.locale, c.resolveBy)}</dd>
        </>
      )}
      {c.opportunityId && (
        <>
          <dt>{t.casePage.opportunity}</dt>
          <dd id="case-opportunity">{c.opportunityId}</dd>
        </>
      )}
    </dl>
  );
}

function History({ p, entries }: { p: PageContext; entries: HistoryEntry[] }) {
  const { t } = p;
  const who = (e: HistoryEntry) =>
    e.actor.kind === 'customer' ? label(t.enums.channel, e.actor.channel) : `${e.actor.id}`;
  return (
    <ul class="timeline" id="case-history">
      {entries.map((e) => (
        <li>
          <span class="muted">
            {formatDateTime(p.locale, e.at)} · {who(e)}
          </span>
          <br />
          {e.action === 'status_changed'
            ? `${label(t.enums.caseStatus, e.from)} → ${label(t.enums.caseStatus, e.to)}`
            : e.action.replace(/_/g, ' ')}
          {e.note ? ` — ${e.note}` : ''}
        </li>
      ))}
    </ul>
  );
}

function StatusForm({ p, c }: { p: PageContext; c: Case }) {
  const { t } = p;
  const moves = statusMoves(c);
  if (moves.length === 0) return <p>{t.casePage.noMoves}</p>;
  return (
    <form method="post" action={`${caseHref(c.id)}/status`} id="status-form">
      <Csrf p={p} />
      <input type="hidden" name="version" value={String(c.version)} />
      <div class="row">
        <div>
          <label for="status">{t.casePage.moveTo}</label>
          <select id="status" name="status">
            <Options values={moves} table={t.enums.caseStatus} />
          </select>
        </div>
        <div>
          <label for="status-note">{t.casePage.moveNote}</label>
          <input type="text" id="status-note" name="note" maxlength={2000} />
        </div>
        <div class="shrink">
          <button type="submit" id="status-submit">
            {t.casePage.moveSubmit}
          </button>
        </div>
      </div>
    </form>
  );
}

function AssignForm({ p, c }: { p: PageContext; c: Case }) {
  const { t } = p;
  return (
    <form method="post" action={`${caseHref(c.id)}/assign`} id="assign-form">
      <Csrf p={p} />
      <input type="hidden" name="version" value={String(c.version)} />
      <div class="row">
        <div>
          <label for="assign-owner">{t.casePage.assignTo}</label>
          <input type="text" id="assign-owner" name="ownerId" required maxlength={80} />
        </div>
        <div>
          <label for="assign-reason">{t.casePage.assignReason}</label>
          <input type="text" id="assign-reason" name="reason" required minlength={3} maxlength={500} />
        </div>
        <div class="shrink">
          <button type="submit" id="assign-submit">
            {t.casePage.assignSubmit}
          </button>
        </div>
      </div>
    </form>
  );
}

function ReclassifyForm({ p, c }: { p: PageContext; c: Case }) {
  const { t } = p;
  return (
    <form method="post" action={`${caseHref(c.id)}/classification`} id="reclassify-form">
      <Csrf p={p} />
      <input type="hidden" name="version" value={String(c.version)} />
      <div class="row">
        <div>
          <label for="re-type">{t.cases.type}</label>
          <select id="re-type" name="type">
            <Options values={caseTypes} table={t.enums.caseType} selected={c.type} />
          </select>
        </div>
        <div>
          <label for="re-subject">{t.logCall.subject}</label>
          <select id="re-subject" name="subject">
            <option value="">—</option>
            <Options values={inquirySubjects} table={t.enums.subject} selected={c.subject} />
          </select>
        </div>
        <div>
          <label for="re-category">{t.casePage.category}</label>
          <input type="text" id="re-category" name="category" value={c.category} required maxlength={80} />
        </div>
        <div>
          <label for="re-priority">{t.cases.priority}</label>
          <select id="re-priority" name="priority">
            <Options values={casePriorities} table={t.enums.priority} selected={c.priority} />
          </select>
        </div>
        <div class="shrink">
          <button type="submit">{t.casePage.reclassifySubmit}</button>
        </div>
      </div>
    </form>
  );
}

function ReplyForm({ p, c }: { p: PageContext; c: Case }) {
  const { t } = p;
  return (
    <form method="post" action={`${caseHref(c.id)}/replies`} id="reply-form">
      <Csrf p={p} />
      <RequestKey />
      <label for="reply-text">{t.casePage.replyText}</label>
      <textarea id="reply-text" name="text" required maxlength={2000}></textarea>
      <div class="row">
        <div>
          <label for="reply-channel">{t.casePage.replyChannel}</label>
          <select id="reply-channel" name="channel">
            <option value="">{t.casePage.replyDefault}</option>
            <Options values={['sms', 'email']} table={t.enums.channel} />
          </select>
        </div>
        <div class="shrink">
          <button type="submit" id="reply-submit">
            {t.casePage.replySubmit}
          </button>
        </div>
      </div>
    </form>
  );
}

function NoteForm({ p, c }: { p: PageContext; c: Case }) {
  const { t } = p;
  return (
    <form method="post" action={`${caseHref(c.id)}/notes`} id="note-form">
      <Csrf p={p} />
      <RequestKey />
      <label for="note-text">{t.casePage.noteText}</label>
      <textarea id="note-text" name="text" required maxlength={5000}></textarea>
      <p>
        <button type="submit">{t.casePage.addNote}</button>
      </p>
    </form>
  );
}

function ConvertForm({ p, c, today }: { p: PageContext; c: Case; today: string }) {
  const { t } = p;
  return (
    <form method="post" action={`${caseHref(c.id)}/convert`} id="convert-form">
      <Csrf p={p} />
      <RequestKey />
      <div class="row">
        <div>
          <label for="convert-amount">{t.casePage.convertAmount}</label>
          <input type="number" id="convert-amount" name="expectedAmount" min="0" step="0.01" required />
        </div>
        <div>
          <label for="convert-currency">{t.casePage.convertCurrency}</label>
          <input type="text" id="convert-currency" name="currency" value="CNY" pattern="[A-Z]{3}" required />
        </div>
        <div>
          <label for="convert-close">{t.casePage.convertClose}</label>
          <input type="date" id="convert-close" name="expectedCloseDate" min={today} required />
        </div>
        <div class="shrink">
          <button type="submit" id="convert-submit">
            {t.casePage.convertSubmit}
          </button>
        </div>
      </div>
    </form>
  );
}

/** Full access (owner, the customer's managers, the branch's supervisors) or read and notes only (agents). */
async function mayWork(services: StaffServices, caller: Caller, id: string): Promise<boolean> {
  return services.cases.loadFor(caller, id, 'full').then(
    () => true,
    () => false,
  );
}

async function casePage(c: ConsoleContext, services: StaffServices, http: ConsoleHttpDeps) {
  const caller = c.get('caller');
  const id = c.req.param('id')!;
  const [found, history, full, p] = await Promise.all([
    services.cases.get(caller, id),
    services.cases.history(caller, id),
    mayWork(services, caller, id),
    pageContext(c, http, flashOf(c)),
  ]);
  const { t } = p;
  const now = http.clock();
  return renderPage(
    c,
    <Layout p={p} title={`${t.casePage.title(found.id)}: ${found.title}`}>
      <div class="grid">
        <section class="card" aria-labelledby="facts-title">
          <h2 id="facts-title">{found.id}</h2>
          <CaseFacts p={p} c={found} now={now} />
        </section>
        <section class="card" aria-labelledby="description-title">
          <h2 id="description-title">{t.casePage.description}</h2>
          <p id="case-description">{found.description}</p>
        </section>
      </div>
      {full ? (
        <section class="card" aria-labelledby="move-title">
          <h2 id="move-title">{t.casePage.move}</h2>
          <StatusForm p={p} c={found} />
        </section>
      ) : (
        <p>{t.casePage.readOnly}</p>
      )}
      {full && (isOpen(found.status) || found.status === 'resolved') && (
        <div class="grid">
          <section class="card" aria-labelledby="assign-title">
            <h2 id="assign-title">{t.casePage.assign}</h2>
            <AssignForm p={p} c={found} />
          </section>
          <section class="card" aria-labelledby="reclassify-title">
            <h2 id="reclassify-title">{t.casePage.reclassify}</h2>
            <ReclassifyForm p={p} c={found} />
          </section>
        </div>
      )}
      {full && isConvertible(found) && (
        <section class="card" aria-labelledby="convert-title">
          <h2 id="convert-title">{t.casePage.convert}</h2>
          <ConvertForm p={p} c={found} today={now.toISOString().slice(0, 10)} />
        </section>
      )}
      {full && found.customerId && (
        <section class="card" aria-labelledby="reply-title">
          <h2 id="reply-title">{t.casePage.reply}</h2>
          <ReplyForm p={p} c={found} />
        </section>
      )}
      <section class="card" aria-labelledby="note-title">
        <h2 id="note-title">{t.casePage.note}</h2>
        <NoteForm p={p} c={found} />
      </section>
      <section class="card" aria-labelledby="history-title">
        <h2 id="history-title">{t.casePage.history}</h2>
        <History p={p} entries={history} />
      </section>
    </Layout>,
  );
}

/** The version the form was rendered from: a change made meanwhile makes the action stale. */
async function versionOf(c: ConsoleContext): Promise<number | undefined> {
  const version = Number(await formField(c, 'version'));
  return Number.isInteger(version) && version > 0 ? version : undefined;
}

/** Runs a case action and goes back to the case page saying how it went. */
async function act(c: ConsoleContext, work: (caller: Caller, id: string) => Promise<{ done: string; ref?: string }>) {
  const id = c.req.param('id')!;
  try {
    return redirectTo(c, caseHref(id), await work(c.get('caller'), id));
  } catch (error) {
    return redirectTo(c, caseHref(id), { failed: failureKey(error) });
  }
}

/** The case page: facts, allowed status moves, conversion, notes, history. */
export function caseRoutes(ui: Hono<ConsoleEnv>, services: StaffServices, http: ConsoleHttpDeps) {
  ui.get('/cases/:id', (c) => casePage(c, services, http));

  ui.post('/cases/:id/notes', (c) =>
    act(c, async (caller, id) => {
      const text = (await formField(c, 'text')) ?? '';
      // A form sent twice (a double click, a resubmission) adds the note once.
      const claim = await formClaim(c, `${caller.userId}:notes`, { id, text }, http.clock());
      await services.cases.addNoteOnce(caller, id, text, claim);
      return { done: 'noteAdded' };
    }),
  );

  ui.post('/cases/:id/replies', (c) =>
    act(c, async (caller, id) => {
      const channel = (await formField(c, 'channel')) || undefined;
      const input = CaseReplyInput.parse({ text: (await formField(c, 'text')) ?? '', ...(channel && { channel }) });
      // A form sent twice writes to the customer once.
      const claim = await formClaim(c, `${caller.userId}:replies`, { id, ...input }, http.clock());
      await services.customerContact.replyOnce(caller, id, input, claim);
      return { done: 'replied' };
    }),
  );

  ui.post('/cases/:id/status', (c) =>
    act(c, async (caller, id) => {
      const status = await formField(c, 'status');
      const note = (await formField(c, 'note'))?.trim();
      const current = await services.cases.get(caller, id);
      const to = statusMoves(current).find((s) => s === status);
      if (!to)
        throw new ValidationError('Not a status this case may move to', [{ path: 'status', message: 'not allowed' }]);
      const after = await services.cases.update(caller, id, { status: to, ...(note && { note }) }, await versionOf(c));
      return { done: 'moved', ref: after.status };
    }),
  );

  ui.post('/cases/:id/assign', (c) =>
    act(c, async (caller, id) => {
      const input = CaseAssignInput.parse({
        ownerId: (await formField(c, 'ownerId'))?.trim(),
        reason: (await formField(c, 'reason'))?.trim(),
      });
      await services.cases.assign(caller, id, input, await versionOf(c));
      return { done: 'assigned' };
    }),
  );

  ui.post('/cases/:id/classification', (c) =>
    act(c, async (caller, id) => {
      const type = await formField(c, 'type');
      const subject = (await formField(c, 'subject')) || null;
      const patch = CasePatchInput.parse({
        type,
        subject: type === 'complaint' ? null : subject,
        category: (await formField(c, 'category'))?.trim(),
        priority: await formField(c, 'priority'),
      });
      await services.cases.update(caller, id, patch, await versionOf(c));
      return { done: 'reclassified' };
    }),
  );

  ui.post('/cases/:id/convert', (c) =>
    act(c, async (caller, id) => {
      const input = ConvertInput.parse({
        expectedAmount: Number(await formField(c, 'expectedAmount')),
        currency: (await formField(c, 'currency'))?.trim().toUpperCase(),
        expectedCloseDate: await formField(c, 'expectedCloseDate'),
      });
      const key = (await formField(c, 'requestKey')) || randomToken(16);
      const claim = requestClaim(`${caller.userId}:console-convert:${id}`, key, input, http.clock());
      const { response } = await services.conversions.convert(caller, id, input, claim);
      return { done: 'converted', ref: response.body.id };
    }),
  );
}
