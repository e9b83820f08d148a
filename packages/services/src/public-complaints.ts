import {
  newPublicReference,
  NotFoundError,
  parsePublicReference,
  ValidationError,
  type Case,
  type Locale,
} from '@cc/core';
import {
  honeypotTripped,
  parseComplaintForm,
  tryNormaliseEmail,
  tryNormalisePhone,
  type ComplaintForm,
  type PublicCaseStatus,
} from '@cc/channels';
import { caseRepository, customerRepository, transact, withIdempotency, type IdempotencyClaim } from '@cc/store';
import type { CaseOpening } from './case-opening';
import type { ContactRecorder } from './contact-recorder';
import type { ServiceContext } from './context';
import type { RateLimitService } from './rate-limits';

/** What the public may send; anything else (owner, status, priority, timestamps...) is refused. */
const PUBLIC_FIELDS = new Set([
  'kind',
  'name',
  'phone',
  'email',
  'customerNumber',
  'category',
  'subject',
  'description',
  'productCode',
  'website',
]);

export interface ComplaintReceipt {
  reference: string;
  status: string;
  /** The JSON status route (with ?phone= or ?email=). */
  statusUrl: string;
  /** The HTML status page, for people. */
  statusPageUrl: string;
}

export type ComplaintStatus = PublicCaseStatus;

/** Refuses fields the public may not set, then validates the form. */
export function parsePublicComplaint(input: Record<string, unknown>): ComplaintForm {
  const refused = Object.keys(input).filter((k) => !PUBLIC_FIELDS.has(k));
  if (refused.length)
    throw new ValidationError(
      'These fields cannot be set here',
      refused.map((path) => ({ path, message: 'not allowed' })),
    );
  return parseComplaintForm(input);
}

/** The public complaint/inquiry form: opens a case from the web and answers its status to the submitter only. */
export function publicComplaintService(
  ctx: ServiceContext,
  deps: { cases: CaseOpening; recorder: ContactRecorder; rateLimits: RateLimitService },
) {
  const { cases, recorder } = deps;
  const stored = caseRepository(ctx.store);
  const profiles = customerRepository(ctx.store);
  const base = ctx.settings.PUBLIC_BASE_URL.replace(/\/$/, '');
  const statusUrl = (reference: string) => `${base}/public/complaints/${reference}`;
  const statusPageUrl = (reference: string, locale: Locale) =>
    `${base}/complaint/status?reference=${encodeURIComponent(reference)}&lang=${locale}`;
  const receiptFor = (reference: string, status: string, locale: Locale): ComplaintReceipt => ({
    reference,
    status,
    statusUrl: statusUrl(reference),
    statusPageUrl: statusPageUrl(reference, locale),
  });

  /** The form, its normalised contact points and the customer they identify (one identity read). */
  async function prepare(raw: Record<string, unknown>) {
    const form = parsePublicComplaint(raw);
    const phone = form.phone ? (tryNormalisePhone(form.phone) ?? undefined) : undefined;
    const email = form.email ? (tryNormaliseEmail(form.email) ?? undefined) : undefined;
    const resolved =
      (phone && (await recorder.resolveSender('phone', phone))) ||
      (email && (await recorder.resolveSender('email', email))) ||
      undefined;
    return { form, phone, email, customerId: resolved ? resolved.customerId : null, routing: resolved?.routing };
  }

  /**
   * The counter read made in round one, for the first attempt only: a retry after another process took the number
   * reads the counter again (see caseNumbering), as does a read that failed.
   */
  const onceThenFresh = (year: number, first: Promise<number>) => {
    let pending: Promise<number> | undefined = first;
    return {
      year,
      read: () => {
        const read = pending ?? stored.lastSequence(year);
        pending = undefined;
        return read.catch(() => stored.lastSequence(year));
      },
    };
  };

  /**
   * `admitted` is the caller's rate-limit decision: the identity lookup runs alongside it (a read, so
   * nothing is written for a refused request), and nothing is written until it has said yes.
   */
  async function submit(
    raw: Record<string, unknown>,
    claim: IdempotencyClaim | undefined,
    admitted: Promise<void> = Promise.resolve(),
    locale: Locale = ctx.settings.PUBLIC_DEFAULT_LOCALE,
  ): Promise<{ status: number; body: ComplaintReceipt; replayed: boolean }> {
    // Round one: the limit, the sender's identity (with its routing copy) and the year's case-number counter, all
    // at once; the last two are reads, so a refused client has written nothing. They all settle before any is
    // reported, so a refused client hears 429 whatever else was wrong.
    const year = ctx.clock().getUTCFullYear();
    const counter = stored.lastSequence(year);
    const [gate, lookup] = await Promise.allSettled([admitted, prepare(raw), counter]);
    if (gate.status === 'rejected') throw gate.reason;
    if (lookup.status === 'rejected') throw lookup.reason;
    if (honeypotTripped(raw)) return decoy(claim, locale);
    const { form, phone, email, customerId, routing } = lookup.value;
    const description =
      `${form.description}\n\n— ${form.name}` +
      `${form.customerNumber ? ` (customer number given: ${form.customerNumber})` : ''}`;
    const result = await withIdempotency<ComplaintReceipt>(ctx.store, claim, async (recordFor) => {
      let receipt: ComplaintReceipt | undefined;
      await cases.create(
        { channel: 'web' },
        {
          type: form.kind,
          ...(form.kind === 'inquiry' && {
            subject: form.productCode ? 'product' : 'other',
            ...(form.productCode && { productCode: form.productCode }),
          }),
          category: form.category,
          title: form.subject,
          description,
          customerId,
        },
        {
          submitterContact: { ...(phone && { phone }), ...(email && { email }) },
          isContact: true,
          locale,
          // The identity's routing copy: the case needs no read of the profile; nor of the counter, read above.
          ...(routing && { customer: routing }),
          counterRead: onceThenFresh(year, counter),
          recordFor: (response) => {
            const c = response.body as Case;
            receipt = receiptFor(c.publicReference!, c.status, locale);
            // Every inbound contact counts towards the customer's 30-day contact figure.
            return recordFor({ status: 201, body: receipt });
          },
        },
      );
      return { status: 201, body: receipt! };
    });
    return { status: result.response.status, body: result.response.body, replayed: result.replayed };
  }

  /**
   * A bot filled the honeypot: it gets a receipt of the same shape as a real one (a fresh random reference, replayed
   * for the same Idempotency-Key), and no case. Its status lookups miss like any wrong reference.
   */
  async function decoy(claim: IdempotencyClaim | undefined, locale: Locale) {
    const result = await withIdempotency<ComplaintReceipt>(ctx.store, claim, async (recordFor) => {
      const response = { status: 201, body: receiptFor(newPublicReference(), 'new', locale) };
      const record = recordFor(response);
      if (record.length) await transact(ctx.store, record);
      return response;
    });
    return { status: result.response.status, body: result.response.body, replayed: result.replayed };
  }

  /**
   * Only with the phone or email used to submit it, or (cases registered by phone or imported) one the bank holds
   * for the customer; every miss is the same 404, so references cannot be probed. `admitted` is the caller's
   * rate-limit decision (per address); this adds the limits per reference and per contact, so neither rotating
   * addresses nor rotating references gets more guesses.
   */
  async function status(
    reference: string,
    contact: { phone?: string; email?: string },
    admitted: Promise<void> = Promise.resolve(),
  ): Promise<ComplaintStatus> {
    const phone = contact.phone ? tryNormalisePhone(contact.phone) : null;
    const email = contact.email ? tryNormaliseEmail(contact.email) : null;
    const canonical = parsePublicReference(reference);
    const gates = await Promise.allSettled([
      admitted,
      deps.rateLimits.admit('status-reference', canonical ?? reference.slice(0, 40)),
      // Each contact given counts: naming a victim's email beside a fresh phone each time gets no more guesses.
      ...[phone, email].filter((c): c is string => !!c).map((c) => deps.rateLimits.admit('status-contact', c)),
    ]);
    const refused = gates.find((g) => g.status === 'rejected');
    if (refused) throw refused.reason;
    if (!phone && !email)
      throw new ValidationError('Give the phone or email you used', [
        { path: 'phone', message: 'phone or email required' },
      ]);
    const caseId = canonical ? await stored.idByPublicReference(canonical) : undefined;
    const c = caseId ? await stored.get(caseId) : undefined;
    if (!c || c.deleted || !(await knownContact(c, phone, email))) throw new NotFoundError('case');
    return {
      reference: canonical!,
      type: c.type,
      status: c.status,
      lastUpdatedAt: c.updatedAt,
      ...((c.status === 'resolved' || c.status === 'closed') && c.outcome && { outcome: c.outcome }),
    };
  }

  async function knownContact(c: Case, phone: string | null, email: string | null): Promise<boolean> {
    if ((phone && c.submitterContact?.phone === phone) || (email && c.submitterContact?.email === email)) return true;
    const customer = c.customerId ? await profiles.get(c.customerId) : undefined;
    return !!customer?.contactPoints.some(
      (p) => (p.kind === 'phone' && p.value === phone) || (p.kind === 'email' && p.value === email),
    );
  }

  /** The status page's single field: an email address when it has an @, else a phone number. */
  const statusByContact = (reference: string, contact: string, admitted?: Promise<void>) =>
    status(reference, contact.includes('@') ? { email: contact } : { phone: contact }, admitted);

  return { submit, status, statusByContact };
}

export type PublicComplaintService = ReturnType<typeof publicComplaintService>;
