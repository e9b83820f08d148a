import { createRoute, z } from '@hono/zod-openapi';
import { changeRequestStatuses } from '@cc/core';
import type { AppDeps } from '../deps';
import { bearerSecurity, createRouter, CursorQuery, pageOf, problemResponses } from '../openapi';
import { IdParam, jsonBody, jsonResponse } from '../schemas';
import { ChangeRequestInput, changeRequestService, DecisionInput } from '../services/change-requests';

const ChangeRequestSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    customerNumber: z.string(),
    customerName: z.string(),
    branchId: z.string(),
    change: z.record(z.string(), z.unknown()),
    reason: z.string(),
    status: z.enum(changeRequestStatuses),
    requestedBy: z.string(),
    requestedAt: z.string(),
    decidedBy: z.string().optional(),
    decidedAt: z.string().optional(),
    note: z.string().optional(),
  })
  .openapi('ChangeRequest');

const ListQuery = CursorQuery.extend({ status: z.enum(changeRequestStatuses).default('pending') });

/** Assignment and level changes: request, list, read, decide (maker-checker). */
export function changeRequestRoutes(deps: AppDeps) {
  const router = createRouter();
  const service = changeRequestService(deps);
  const tags = ['change-requests'];

  router.openapi(
    createRoute({
      method: 'post',
      path: '/customers/{id}/change-requests',
      tags,
      summary: "Request a change of the customer's managers or level; a supervisor of the branch decides",
      security: bearerSecurity,
      request: { params: IdParam, body: jsonBody(ChangeRequestInput) },
      responses: { 201: jsonResponse(ChangeRequestSchema, 'Requested'), ...problemResponses(400, 401, 403, 404, 422) },
    }),
    async (c) => {
      const created = await service.request(c.get('caller'), c.req.valid('param').id, c.req.valid('json'));
      return c.json(created, 201, { location: `/change-requests/${created.id}` }) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/change-requests',
      tags,
      summary: "The caller's branch's change requests by status (supervisors and admins)",
      security: bearerSecurity,
      request: { query: ListQuery },
      responses: {
        200: jsonResponse(pageOf(ChangeRequestSchema), 'Change requests'),
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const caller = c.get('caller');
      const query = c.req.valid('query');
      const scope = `change-requests:${caller.branchId}:${query.status}`;
      const page = await service.list(caller, query.status, deps.cursors.decode(query.cursor, scope), query.limit);
      return c.json({ items: page.items, nextCursor: deps.cursors.encode(page.lastKey, scope) }, 200) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/change-requests/{id}',
      tags,
      summary: 'One change request (its requester and the branch supervisors)',
      security: bearerSecurity,
      request: { params: IdParam },
      responses: { 200: jsonResponse(ChangeRequestSchema, 'The change request'), ...problemResponses(401, 404) },
    }),
    async (c) => c.json(await service.read(c.get('caller'), c.req.valid('param').id), 200) as never,
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/change-requests/{id}/decision',
      tags,
      summary: 'Approve or reject a pending change request (a supervisor/admin of the branch who did not request it)',
      security: bearerSecurity,
      request: { params: IdParam, body: jsonBody(DecisionInput) },
      responses: { 200: jsonResponse(ChangeRequestSchema, 'Decided'), ...problemResponses(400, 401, 403, 404, 409) },
    }),
    async (c) =>
      c.json(await service.decide(c.get('caller'), c.req.valid('param').id, c.req.valid('json')), 200) as never,
  );

  return router;
}
