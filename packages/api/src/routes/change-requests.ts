import * as z from 'zod/mini';
import { ChangeRequestInput, changeRequestStatuses, DecisionInput, withMeta } from '@cc/core';
import type { StaffServices } from '@cc/services';
import type { HttpDeps } from '../http/env';
import { idempotencyClaim, replayHeaders } from '../http/idempotency';
import { route, type Route } from '../http/route';
import { CursorQuery, IdempotencyHeader, IdParam, pageOf } from '../schemas';

const ChangeRequestSchema = withMeta(
  z.object({
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
    decidedBy: z.optional(z.string()),
    decidedAt: z.optional(z.string()),
    note: z.optional(z.string()),
  }),
  { id: 'ChangeRequest' },
);

const ListQuery = z.extend(CursorQuery, { status: z._default(z.enum(changeRequestStatuses), 'pending') });

const tags = ['change-requests'];

/** Assignment, level and identity changes: request, list, read, decide (maker-checker). */
export const changeRequestRoutes = (s: StaffServices, http: HttpDeps): Route[] => [
  route(
    {
      operationId: 'requestCustomerChange',
      method: 'post',
      path: '/customers/{id}/change-requests',
      tags,
      summary:
        "Request a change of the customer's managers, level, phones/emails or customer number; " +
        'a supervisor of the branch other than the requester decides',
      auth: 'bearer',
      params: IdParam,
      headers: IdempotencyHeader,
      body: {
        json: ChangeRequestInput,
        examples: {
          assignment: {
            summary: 'Hand the customer to another primary manager',
            value: { kind: 'assignment', primaryManagerId: 'mgr-2', reason: 'mgr-2 covers the new district' },
          },
          level: {
            summary: 'Raise the level',
            value: { kind: 'level', level: 'private', reason: 'AUM above 6 million' },
          },
        },
      },
      responses: { 201: { description: 'Requested', json: ChangeRequestSchema } },
      errors: [400, 401, 403, 404, 409, 415, 422],
    },
    async ({ caller, params, body, c }) => {
      const claim = idempotencyClaim(c, `${caller.userId}:change-requests`, body, http.clock());
      const { response, replayed } = await s.changeRequests.requestOnce(caller, params.id, body, claim);
      const created = response.body;
      return {
        status: 201,
        body: created,
        headers: { location: `/change-requests/${created.id}`, ...replayHeaders(replayed) },
      };
    },
  ),

  route(
    {
      operationId: 'listChangeRequests',
      method: 'get',
      path: '/change-requests',
      tags,
      summary: "The caller's branch's change requests by status (supervisors and admins)",
      auth: 'bearer',
      query: ListQuery,
      responses: { 200: { description: 'Change requests', json: pageOf(ChangeRequestSchema) } },
      errors: [400, 401, 403],
    },
    async ({ caller, query }) => {
      const scope = `change-requests:${caller.branchId}:${query.status}`;
      const body = await http.cursors.page(query.cursor, scope, (from) =>
        s.changeRequests.list(caller, query.status, from, query.limit),
      );
      return { status: 200, body };
    },
  ),

  route(
    {
      operationId: 'getChangeRequest',
      method: 'get',
      path: '/change-requests/{id}',
      tags,
      summary: 'One change request (its requester and the branch supervisors)',
      auth: 'bearer',
      params: IdParam,
      responses: { 200: { description: 'The change request', json: ChangeRequestSchema } },
      errors: [400, 401, 404],
    },
    async ({ caller, params }) => ({ status: 200, body: await s.changeRequests.read(caller, params.id) }),
  ),

  route(
    {
      operationId: 'decideChangeRequest',
      method: 'post',
      path: '/change-requests/{id}/decision',
      tags,
      summary: 'Approve or reject a pending change request (a supervisor/admin of the branch who did not request it)',
      auth: 'bearer',
      params: IdParam,
      headers: IdempotencyHeader,
      body: {
        json: DecisionInput,
        examples: {
          approve: { summary: 'Approve it', value: { decision: 'approve', note: 'Agreed with the branch' } },
        },
      },
      responses: { 200: { description: 'Decided', json: ChangeRequestSchema } },
      errors: [400, 401, 403, 404, 409, 415, 422],
    },
    async ({ caller, params, body, c }) => {
      const claim = idempotencyClaim(c, `${caller.userId}:decisions`, body, http.clock());
      const { response, replayed } = await s.changeRequests.decideOnce(caller, params.id, body, claim);
      return { status: 200, body: response.body, headers: replayHeaders(replayed) };
    },
  ),
];
