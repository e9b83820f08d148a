import * as z from 'zod/mini';
import type { Context } from 'hono';
import {
  caseStatuses,
  caseTypes,
  DomainError,
  locales,
  NotFoundError,
  parseJson,
  ValidationError,
  type Locale,
  withMeta,
} from '@cc/core';
import {
  COMPLAINT_KINDS,
  complaintFormFields,
  negotiateLocale,
  renderComplaintFormPage,
  renderComplaintReceiptPage,
  renderStatusPage,
  type ComplaintFormValues,
} from '@cc/channels';
import type { PublicEdgeServices } from '@cc/services';
import { clientAddress } from '../http/client-address';
import type { PublicHttpDeps } from '../http/env';
import { idempotencyClaim, replayHeaders } from '../http/idempotency';
import { route, type Route } from '../http/route';
import { IdempotencyHeader } from '../schemas';

const formAction = (locale: Locale) => `/public/complaints?lang=${locale}`;
const statusAction = (locale: Locale) => `/complaint/status?lang=${locale}`;

const ReceiptSchema = withMeta(
  z.object({
    reference: withMeta(z.string(), { example: '7KQ2-M9XD-T' }),
    status: z.string(),
    statusUrl: withMeta(z.string(), { description: 'GET it with ?phone= or ?email= as submitted' }),
    statusPageUrl: withMeta(z.string(), { description: 'The HTML status page for people' }),
  }),
  { id: 'ComplaintReceipt' },
);
const StatusSchema = withMeta(
  z.object({
    reference: z.string(),
    type: z.enum(caseTypes),
    status: z.enum(caseStatuses),
    lastUpdatedAt: z.string(),
    outcome: withMeta(z.optional(z.string()), { description: 'Once resolved or closed: the outcome note' }),
  }),
  { id: 'ComplaintStatus' },
);

/** ?lang= is the pages' visible language switch; without it, Accept-Language and then PUBLIC_DEFAULT_LOCALE decide. */
const LangQuery = z.object({ lang: z.catch(z.optional(z.enum(locales)), undefined) });
const StatusPageQuery = z.extend(LangQuery, {
  reference: z.optional(z.string().check(z.maxLength(40))),
  contact: z.optional(z.string().check(z.maxLength(254))),
});

/**
 * What the form sends: the form's own fields less the honeypot. The handler parses the body itself
 * (parsePublicComplaint), so the HTML form can be shown again with its errors next to the fields.
 */
const ComplaintSubmission = withMeta(
  z.extend(z.omit(complaintFormFields, { website: true }), {
    // The form's kind is preprocessed (a blank select is no choice), which hides from the document that it is optional.
    kind: z._default(z.enum(COMPLAINT_KINDS), 'complaint'),
  }),
  {
    id: 'PublicComplaint',
    description: 'A phone or an email is required; either may identify a known customer. kind defaults to complaint.',
  },
);

const FORM_TYPE = /^(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i;
const JSON_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/** The submission as a flat object: the HTML form's string fields, or a JSON object; any other body is a 415. */
async function readSubmission(c: Context): Promise<{ form: boolean; raw: Record<string, unknown> }> {
  const type = c.req.header('content-type') ?? '';
  if (FORM_TYPE.test(type)) {
    const fields = await c.req.parseBody().catch(() => {
      throw new DomainError('request.malformed', 'The form body could not be read');
    });
    return { form: true, raw: Object.fromEntries(Object.entries(fields).filter(([, v]) => typeof v === 'string')) };
  }
  if (!JSON_TYPE.test(type)) {
    throw new DomainError('request.unsupported_media_type', 'Send the form as application/json or a form post');
  }
  const body = parseJson(await c.req.text());
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('Send a JSON object', [{ path: '(body)', message: 'expected an object' }]);
  }
  return { form: false, raw: body as Record<string, unknown> };
}

const noStore = { 'cache-control': 'no-store' };
// The page's language follows the request's Accept-Language, so caches must keep the languages apart.
const htmlHeaders = (locale: Locale) => ({ ...noStore, 'content-language': locale, vary: 'Accept-Language' });
const tags = ['public'];

/** The public complaint/inquiry form and status check: no login; rate-limited per client address. */
export const publicRoutes = (s: PublicEdgeServices, http: PublicHttpDeps): Route[] => {
  /** One lookup for the status page: the answer, the form again with what is missing, or the same "not found". */
  async function statusLookup(c: Context, locale: Locale, reference: string, contact: string): Promise<string> {
    const base = { ...pageBase(locale, http), reference, contact };
    const errors = [
      ...(reference.trim() ? [] : [{ path: 'reference', message: 'Enter the reference number' }]),
      ...(contact.trim() ? [] : [{ path: 'contact', message: 'Enter the phone number or email address you gave us' }]),
    ];
    if (errors.length) return renderStatusPage({ ...base, errors });
    const admitted = s.rateLimits.admit('status', clientAddress(c, http));
    try {
      const result = await s.publicComplaints.statusByContact(reference, contact, admitted);
      return renderStatusPage({ ...base, result });
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof ValidationError) {
        return renderStatusPage({ ...base, notFound: true });
      }
      throw error;
    }
  }

  return [
    route(
      {
        operationId: 'getComplaintForm',
        method: 'get',
        path: '/complaint',
        tags,
        summary: 'The public complaint and inquiry form (HTML, works without JavaScript)',
        auth: 'public',
        query: LangQuery,
        responses: {
          200: { description: 'The form, in Simplified Chinese or English', text: { 'text/html': z.string() } },
        },
        errors: [],
      },
      async ({ query, c }) => {
        const locale = localeOf(c, query.lang, http);
        return {
          status: 200,
          text: renderComplaintFormPage({ action: formAction(locale), locale }),
          type: 'text/html',
          headers: htmlHeaders(locale),
        };
      },
    ),

    route(
      {
        operationId: 'submitComplaint',
        method: 'post',
        path: '/public/complaints',
        tags,
        summary: 'Submit a complaint or inquiry (JSON, or the HTML form which gets the receipt page); rate-limited',
        auth: 'public',
        bodyLimit: 'public',
        headers: IdempotencyHeader,
        query: LangQuery,
        body: {
          own: { 'application/json': ComplaintSubmission, 'application/x-www-form-urlencoded': ComplaintSubmission },
          required: true,
          examples: {
            complaint: {
              summary: 'A complaint as JSON; the phone identifies a known customer',
              value: {
                name: 'Zhou Xin',
                phone: '+86 139 1234 5678',
                category: 'branch_service',
                subject: 'Long wait at the branch',
                description: 'Waited 50 minutes at the branch',
              },
            },
          },
        },
        responses: {
          201: { description: 'Received', json: ReceiptSchema, text: { 'text/html': z.string() } },
          400: { description: 'The form again, with the errors next to the fields', text: { 'text/html': z.string() } },
        },
        errors: [400, 413, 415, 422, 429],
      },
      async ({ c, query }) => {
        const locale = localeOf(c, query.lang, http);
        // The limit decides first on every path; the sender's identity is looked up while it does.
        const admitted = s.rateLimits.admit('complaints', clientAddress(c, http));
        const { form, raw } = await readSubmission(c).catch(async (error: unknown) => {
          await admitted;
          throw error;
        });
        try {
          const claim = idempotencyClaim(c, 'public:complaints', raw, http.clock());
          const receipt = await s.publicComplaints.submit(raw, claim, admitted, locale);
          if (form) {
            const page = renderComplaintReceiptPage({
              reference: receipt.body.reference,
              statusUrl: receipt.body.statusPageUrl,
              statusHref: relative(receipt.body.statusPageUrl),
              locale,
            });
            return { status: 201, text: page, type: 'text/html', headers: htmlHeaders(locale) };
          }
          return { status: 201, body: receipt.body, headers: replayHeaders(receipt.replayed) };
        } catch (error) {
          // A person using the form sees it again with their values and the errors next to the fields.
          if (form && error instanceof ValidationError) {
            const values = Object.fromEntries(
              Object.entries(raw).filter(([k]) => k !== 'website'),
            ) as ComplaintFormValues;
            const page = renderComplaintFormPage({ action: formAction(locale), values, errors: error.errors, locale });
            return { status: 400, text: page, type: 'text/html', headers: htmlHeaders(locale) };
          }
          throw error;
        }
      },
    ),

    route(
      {
        operationId: 'getComplaintStatus',
        method: 'get',
        path: '/public/complaints/{reference}',
        tags,
        summary:
          'Status and last update of a complaint, by the reference on its receipt, for the phone or email it was ' +
          'submitted with (anything else: 404); limited per address, per reference and per phone or email',
        auth: 'public',
        bodyLimit: 'public',
        params: z.object({ reference: z.string().check(z.minLength(1), z.maxLength(40)) }),
        query: z.object({
          phone: z.optional(z.string().check(z.maxLength(40))),
          email: z.optional(z.string().check(z.maxLength(254))),
        }),
        responses: { 200: { description: 'Status', json: StatusSchema } },
        errors: [400, 404, 429],
      },
      async ({ params, query, c }) => {
        const admitted = s.rateLimits.admit('status', clientAddress(c, http));
        return { status: 200, body: await s.publicComplaints.status(params.reference, query, admitted) };
      },
    ),

    route(
      {
        operationId: 'getComplaintStatusPage',
        method: 'get',
        path: '/complaint/status',
        tags,
        summary:
          'The status page (HTML, no JavaScript): a form for the reference and the phone or email; with both in ' +
          'the query, the answer (status, last update, outcome once resolved)',
        auth: 'public',
        query: StatusPageQuery,
        responses: { 200: { description: 'The page', text: { 'text/html': z.string() } } },
        errors: [429],
      },
      async ({ query, c }) => {
        const locale = localeOf(c, query.lang, http);
        const page = query.contact ? await statusLookup(c, locale, query.reference ?? '', query.contact) : undefined;
        return {
          status: 200,
          text: page ?? renderStatusPage({ ...pageBase(locale, http), reference: query.reference }),
          type: 'text/html',
          headers: htmlHeaders(locale),
        };
      },
    ),

    route(
      {
        operationId: 'lookUpComplaintStatus',
        method: 'post',
        path: '/complaint/status',
        tags,
        summary: "The status page's form: the answer, or the form again saying what to correct (HTML)",
        auth: 'public',
        bodyLimit: 'public',
        query: LangQuery,
        body: {
          own: {
            'application/x-www-form-urlencoded': z.object({
              reference: z.string().check(z.maxLength(40)),
              contact: z.string().check(z.maxLength(254)),
            }),
          },
          required: true,
        },
        responses: {
          200: { description: 'The answer, or the form with what to correct', text: { 'text/html': z.string() } },
        },
        errors: [413, 429],
      },
      async ({ query, c }) => {
        const locale = localeOf(c, query.lang, http);
        // A body that is not a readable form is the same as an empty one: the page asks for the fields again.
        const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
        const field = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).slice(0, 254) : '');
        return {
          status: 200,
          text: await statusLookup(c, locale, field('reference'), field('contact')),
          type: 'text/html',
          headers: htmlHeaders(locale),
        };
      },
    ),
  ];
};

const relative = (url: string) => {
  const { pathname, search } = new URL(url);
  return pathname + search;
};

function localeOf(c: Context, lang: Locale | undefined, http: PublicHttpDeps): Locale {
  return negotiateLocale(lang, c.req.header('accept-language'), http.config.PUBLIC_DEFAULT_LOCALE);
}

const pageBase = (locale: Locale, http: PublicHttpDeps) => ({
  locale,
  action: statusAction(locale),
  timeZone: http.config.CONTACT_DEFAULT_TIMEZONE,
});
