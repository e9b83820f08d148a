import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ValidationError } from '@cc/core';
import {
  complaintFormFields,
  renderComplaintFormPage,
  renderComplaintReceiptPage,
  type ComplaintFormValues,
} from '@cc/channels';
import type { AppDeps, AppEnv } from '../deps';
import { idempotencyClaim, sendStored } from '../idempotency';
import { limitBody } from '../middleware';
import { createRouter, problemResponses } from '../openapi';
import { clientIp, enforceRateLimit } from '../rate-limit';
import { jsonResponse } from '../schemas';
import { publicComplaints } from '../services/public-complaints';

/** Public form posts are small; anything bigger is refused before it is read. */
export const PUBLIC_MAX_BODY_BYTES = 32 * 1024;
const FORM_ACTION = '/public/complaints';

const ReceiptSchema = z
  .object({
    reference: z.string().openapi({ example: 'C-2026-000123' }),
    status: z.string(),
    statusUrl: z.string().openapi({ description: 'GET it with ?phone= or ?email= as submitted' }),
  })
  .openapi('ComplaintReceipt');
const StatusSchema = z
  .object({ reference: z.string(), status: z.string(), lastUpdatedAt: z.string() })
  .openapi('ComplaintStatus');
/**
 * What the form sends, for /openapi.json only: the form's own fields less the honeypot. The handler parses
 * the body itself (parsePublicComplaint), so the HTML form can be shown again with its errors; the route
 * refers to this by $ref, which adds no validator.
 */
const ComplaintSubmission = complaintFormFields.omit({ website: true }).openapi('PublicComplaint', {
  description: 'A phone or an email is required; either may identify a known customer. kind defaults to complaint.',
});
const complaintSubmissionRef = { $ref: '#/components/schemas/PublicComplaint' };

const isForm = (c: Context) =>
  /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(c.req.header('content-type') ?? '');

/** The submission as a flat object: the HTML form's string fields, or a JSON object. */
async function readSubmission(c: Context, form: boolean): Promise<Record<string, unknown>> {
  if (form) return Object.fromEntries(Object.entries(await c.req.parseBody()).filter(([, v]) => typeof v === 'string'));
  const body: unknown = await c.req.json();
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new ValidationError('Send a JSON object', [{ path: '(body)', message: 'expected an object' }]);
  return body as Record<string, unknown>;
}

const html = (body: string, status: number) =>
  new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } });

/** The public complaint/inquiry form and status check: no login; rate-limited per client address. */
export function publicRoutes(deps: AppDeps) {
  const router = createRouter();
  const complaints = publicComplaints(deps);
  const limit = (c: Context, name: string) =>
    enforceRateLimit(deps.store, name, clientIp(c), deps.config.PUBLIC_RATE_LIMIT_PER_MINUTE, deps.clock());

  router.use('/public/*', limitBody(PUBLIC_MAX_BODY_BYTES));
  router.openAPIRegistry.register('PublicComplaint', ComplaintSubmission);

  router.get('/complaint', () => html(renderComplaintFormPage({ action: FORM_ACTION }), 200));

  router.openapi(
    createRoute({
      method: 'post',
      path: '/public/complaints',
      tags: ['public'],
      summary: 'Submit a complaint or inquiry (JSON, or the HTML form which gets the receipt page); rate-limited',
      request: {
        headers: z.object({ 'idempotency-key': z.string().optional() }),
        body: {
          required: true,
          content: {
            'application/json': { schema: complaintSubmissionRef },
            'application/x-www-form-urlencoded': { schema: complaintSubmissionRef },
          },
        },
      },
      responses: {
        201: {
          description: 'Received',
          content: { 'application/json': { schema: ReceiptSchema }, 'text/html': { schema: z.string() } },
        },
        ...problemResponses(400, 413, 422, 429),
      },
    }),
    async (c: Context<AppEnv>) => {
      // The limit decides first on every path; the sender's identity is looked up while it does.
      const admitted = limit(c, 'complaints');
      const form = isForm(c);
      const raw = await readSubmission(c, form).catch(async (error: unknown) => {
        await admitted;
        throw error;
      });
      try {
        const receipt = await complaints.submit(
          raw,
          idempotencyClaim(c, 'public:complaints', raw, deps.clock()),
          admitted,
        );
        if (form)
          return html(
            renderComplaintReceiptPage({ reference: receipt.body.reference, statusUrl: receipt.body.statusUrl }),
            201,
          );
        return sendStored(c, { response: receipt, replayed: receipt.replayed });
      } catch (error) {
        // A person using the form sees it again with their values and the errors next to the fields.
        if (form && error instanceof ValidationError) {
          const values = Object.fromEntries(
            Object.entries(raw).filter(([k]) => k !== 'website'),
          ) as ComplaintFormValues;
          return html(renderComplaintFormPage({ action: FORM_ACTION, values, errors: error.errors }), 400);
        }
        throw error;
      }
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/public/complaints/{reference}',
      tags: ['public'],
      summary:
        'Status and last update of a complaint, for the phone or email it was submitted with (anything else: 404)',
      request: {
        params: z.object({
          reference: z
            .string()
            .min(1)
            .max(40)
            .openapi({ param: { name: 'reference', in: 'path' } }),
        }),
        query: z.object({ phone: z.string().max(40).optional(), email: z.string().max(254).optional() }),
      },
      responses: { 200: jsonResponse(StatusSchema, 'Status'), ...problemResponses(400, 404, 429) },
    }),
    async (c) => {
      await limit(c, 'status');
      const { reference } = c.req.valid('param');
      return c.json(await complaints.status(reference, c.req.valid('query')), 200) as never;
    },
  );

  return router;
}
