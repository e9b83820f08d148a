import { etag, ifMatchVersion, versionedResponse } from '../versioning';
import { createRoute, z } from '@hono/zod-openapi';
import { caseOrigins, casePriorities, caseStatuses, caseTypes, inquirySubjects, type Case } from '@cc/core';
import { withIdempotency } from '@cc/store';
import type { AppDeps } from '../deps';
import { idempotencyClaim, sendStored } from '../idempotency';
import { bearerSecurity, createRouter, CursorQuery, pageOf, problemResponses } from '../openapi';
import { IdParam, jsonBody, jsonResponse } from '../schemas';
import { CaseCreateInput, CasePatchInput, caseService } from '../services/cases';

export const CaseSchema = z
  .object({
    id: z.string().openapi({ example: 'C-2026-000123' }),
    type: z.enum(caseTypes),
    subject: z.enum(inquirySubjects).optional(),
    productCode: z.string().optional(),
    category: z.string(),
    priority: z.enum(casePriorities),
    title: z.string(),
    description: z.string(),
    status: z.enum(caseStatuses),
    origin: z.enum(caseOrigins),
    createdBy: z.union([
      z.object({ kind: z.literal('user'), id: z.string() }),
      z.object({ kind: z.literal('channel'), channel: z.enum(caseOrigins), externalId: z.string().optional() }),
    ]),
    customerId: z.string().nullable(),
    customerNumber: z.string().optional(),
    customerName: z.string().optional(),
    branchId: z.string(),
    ownerId: z
      .string()
      .nullable()
      .openapi({ description: "The customer's primary manager at creation; null = the branch queue" }),
    assistingManagerIds: z.array(z.string()),
    escalated: z.boolean(),
    respondBy: z
      .string()
      .optional()
      .openapi({ description: 'When it must have left new; owner and supervisors are told once if it has not' }),
    opportunityId: z.string().optional(),
    deleted: z.boolean(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Case');

const HistorySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actor: z.record(z.string(), z.string()),
    action: z.string(),
    from: z.enum(caseStatuses).optional(),
    to: z.enum(caseStatuses).optional(),
    note: z.string().optional(),
    changes: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('CaseHistoryEntry');

const ListQuery = CursorQuery.extend({
  customerId: z.string().min(1).max(80).optional(),
  status: z.enum(caseStatuses).optional(),
  type: z.enum(caseTypes).optional(),
  owner: z
    .enum(['me', 'queue'])
    .optional()
    .openapi({ description: "me: the caller's cases; queue: the branch's cases without an owner (supervisors)" }),
});

const NoteInput = z.object({ text: z.string().trim().min(1).max(5000) }).strict();
const ReasonInput = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();

const caseResponse = (c: Case, status: 200 | 201 = 200) => versionedResponse(c, c, '/cases', status);

export function caseRoutes(deps: AppDeps) {
  const router = createRouter();
  const cases = caseService(deps);
  const tags = ['cases'];

  router.openapi(
    createRoute({
      method: 'post',
      path: '/cases',
      tags,
      summary: "Register a complaint or inquiry; it is routed to the customer's primary manager (or the branch queue)",
      security: bearerSecurity,
      request: { body: jsonBody(CaseCreateInput) },
      responses: { 201: jsonResponse(CaseSchema, 'Created'), ...problemResponses(400, 401, 404, 415, 422) },
    }),
    async (c) => {
      const caller = c.get('caller');
      const input = c.req.valid('json');
      const claim = idempotencyClaim(c, `${caller.userId}:cases`, input, deps.clock());
      const result = await withIdempotency<Case>(deps.store, claim, async (recordFor) => ({
        status: 201,
        body: await cases.create({ caller }, input, { recordFor }),
      }));
      const created = result.response.body;
      return sendStored(c, result, { location: `/cases/${created.id}`, etag: etag(created.version) }) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/cases',
      tags,
      summary:
        "List cases: a customer's, the caller's own, the branch queue, or (supervisors) the branch's; newest first",
      security: bearerSecurity,
      request: { query: ListQuery },
      responses: { 200: jsonResponse(pageOf(CaseSchema), 'A page of cases'), ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { cursor, limit, ...query } = c.req.valid('query');
      return c.json(await cases.list(c.get('caller'), query, cursor, limit), 200) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/cases/{id}',
      tags,
      summary: 'Read a case (404 when out of scope)',
      security: bearerSecurity,
      request: { params: IdParam },
      responses: { 200: jsonResponse(CaseSchema, 'The case'), ...problemResponses(401, 404) },
    }),
    async (c) => caseResponse(await cases.get(c.get('caller'), c.req.valid('param').id)) as never,
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/cases/{id}/history',
      tags,
      summary: 'Every change to a case: actor, time, from, to, note',
      security: bearerSecurity,
      request: { params: IdParam },
      responses: {
        200: jsonResponse(z.object({ items: z.array(HistorySchema) }), 'History, oldest first'),
        ...problemResponses(401, 404),
      },
    }),
    async (c) => c.json({ items: await cases.history(c.get('caller'), c.req.valid('param').id) }, 200) as never,
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/cases/{id}',
      tags,
      summary:
        'Edit a case and/or move its status (If-Match required); an illegal move is a 409 listing the allowed ones',
      security: bearerSecurity,
      request: {
        params: IdParam,
        body: jsonBody(CasePatchInput),
        headers: z.object({ 'if-match': z.string().optional() }),
      },
      responses: { 200: jsonResponse(CaseSchema, 'Updated'), ...problemResponses(400, 401, 404, 409, 428) },
    }),
    async (c) => {
      const updated = await cases.update(
        c.get('caller'),
        c.req.valid('param').id,
        c.req.valid('json'),
        ifMatchVersion(c.req.header('if-match'), true, 'case'),
      );
      return caseResponse(updated) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/cases/{id}',
      tags,
      summary: 'Soft-delete a case (kept in its history; an admin may restore it). If-Match is honoured when sent',
      security: bearerSecurity,
      request: { params: IdParam, headers: z.object({ 'if-match': z.string().optional() }) },
      responses: { 204: { description: 'Deleted' }, ...problemResponses(401, 404, 409) },
    }),
    async (c) => {
      await cases.remove(
        c.get('caller'),
        c.req.valid('param').id,
        undefined,
        ifMatchVersion(c.req.header('if-match'), false, 'case'),
      );
      return c.body(null, 204) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/cases/{id}/restore',
      tags,
      summary: 'Restore a deleted case (admins)',
      security: bearerSecurity,
      request: { params: IdParam, body: { required: false, content: { 'application/json': { schema: ReasonInput } } } },
      responses: { 200: jsonResponse(CaseSchema, 'Restored'), ...problemResponses(401, 404, 409) },
    }),
    async (c) =>
      caseResponse(await cases.restore(c.get('caller'), c.req.valid('param').id, c.req.valid('json')?.reason)) as never,
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/cases/{id}/notes',
      tags,
      summary: 'Add an internal note to a case (agents and managers)',
      security: bearerSecurity,
      request: { params: IdParam, body: jsonBody(NoteInput) },
      responses: {
        201: jsonResponse(
          z.object({
            id: z.string(),
            caseId: z.string(),
            at: z.string(),
            text: z.string(),
            direction: z.string(),
            channel: z.string(),
          }),
          'Added',
        ),
        ...problemResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const message = await cases.addMessage({ caller: c.get('caller') }, c.req.valid('param').id, {
        text: c.req.valid('json').text,
        channel: 'system',
        direction: 'internal',
      });
      return c.json(message, 201) as never;
    },
  );

  return router;
}
