import * as z from 'zod';
import type { Context } from 'hono';
import { DomainError, parseJson, ValidationError } from '@cc/core';
import {
  complaintFormFields,
  renderComplaintFormPage,
  renderComplaintReceiptPage,
  type ComplaintFormValues,
} from '@cc/channels';
import type { Services } from '@cc/services';
import { clientAddress } from '../http/client-address';
import type { HttpDeps } from '../http/env';
import { idempotencyClaim, replayHeaders } from '../http/idempotency';
import { route, type Route } from '../http/route';
import { IdempotencyHeader } from '../schemas';

const FORM_ACTION = '/public/complaints';

const ReceiptSchema = z
  .object({
    reference: z.string().meta({ example: '7KQ2-M9XD-T' }),
    status: z.string(),
    statusUrl: z.string().meta({ description: 'GET it with ?phone= or ?email= as submitted' }),
  })
  .meta({ id: 'ComplaintReceipt' });
const StatusSchema = z
  .object({ reference: z.string(), status: z.string(), lastUpdatedAt: z.string() })
  .meta({ id: 'ComplaintStatus' });

/**
 * What the form sends: the form's own fields less the honeypot. The handler parses the body itself
 * (parsePublicComplaint), so the HTML form can be shown again with its errors next to the fields.
 */
const ComplaintSubmission = complaintFormFields.omit({ website: true }).meta({
  id: 'PublicComplaint',
  description: 'A phone or an email is required; either may identify a known customer. kind defaults to complaint.',
});

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
const tags = ['public'];

/** The public complaint/inquiry form and status check: no login; rate-limited per client address. */
export const publicRoutes = (s: Services, http: HttpDeps): Route[] => [
  route(
    {
      operationId: 'getComplaintForm',
      method: 'get',
      path: '/complaint',
      tags,
      summary: 'The public complaint and inquiry form (HTML, works without JavaScript)',
      auth: 'public',
      responses: { 200: { description: 'The form', text: { 'text/html': z.string() } } },
      errors: [],
    },
    async () => ({
      status: 200,
      text: renderComplaintFormPage({ action: FORM_ACTION }),
      type: 'text/html',
      headers: noStore,
    }),
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
      body: {
        own: { 'application/json': ComplaintSubmission, 'application/x-www-form-urlencoded': ComplaintSubmission },
        required: true,
      },
      responses: {
        201: { description: 'Received', json: ReceiptSchema, text: { 'text/html': z.string() } },
        400: { description: 'The form again, with the errors next to the fields', text: { 'text/html': z.string() } },
      },
      errors: [400, 413, 415, 422, 429],
    },
    async ({ c }) => {
      // The limit decides first on every path; the sender's identity is looked up while it does.
      const admitted = s.rateLimits.admit('complaints', clientAddress(c, http));
      const { form, raw } = await readSubmission(c).catch(async (error: unknown) => {
        await admitted;
        throw error;
      });
      try {
        const claim = idempotencyClaim(c, 'public:complaints', raw, http.clock());
        const receipt = await s.publicComplaints.submit(raw, claim, admitted);
        if (form) {
          const page = renderComplaintReceiptPage({
            reference: receipt.body.reference,
            statusUrl: receipt.body.statusUrl,
          });
          return { status: 201, text: page, type: 'text/html', headers: noStore };
        }
        return { status: 201, body: receipt.body, headers: replayHeaders(receipt.replayed) };
      } catch (error) {
        // A person using the form sees it again with their values and the errors next to the fields.
        if (form && error instanceof ValidationError) {
          const values = Object.fromEntries(
            Object.entries(raw).filter(([k]) => k !== 'website'),
          ) as ComplaintFormValues;
          const page = renderComplaintFormPage({ action: FORM_ACTION, values, errors: error.errors });
          return { status: 400, text: page, type: 'text/html', headers: noStore };
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
      params: z.object({ reference: z.string().min(1).max(40) }),
      query: z.object({ phone: z.string().max(40).optional(), email: z.string().max(254).optional() }),
      responses: { 200: { description: 'Status', json: StatusSchema } },
      errors: [400, 404, 429],
    },
    async ({ params, query, c }) => {
      const admitted = s.rateLimits.admit('status', clientAddress(c, http));
      return { status: 200, body: await s.publicComplaints.status(params.reference, query, admitted) };
    },
  ),
];
