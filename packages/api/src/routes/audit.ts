import * as z from 'zod/mini';
import { identifier, roles, withMeta } from '@cc/core';
import type { StaffServices } from '@cc/services';
import type { HttpDeps } from '../http/env';
import { route, type Route } from '../http/route';
import { CursorQuery, pageOf } from '../schemas';

const AuditEntrySchema = withMeta(
  z.object({
    id: z.string(),
    customerId: z.string(),
    at: z.string(),
    actor: z.object({ userId: z.string(), role: z.enum(roles), branchId: z.string() }),
    action: z.enum(['customer.read', 'customer.view', 'customer.search', 'customer.timeline', 'customer.history']),
    by: withMeta(z.optional(z.string()), {
      description: 'For searches: by number, phone, email or name (never the value)',
    }),
  }),
  { id: 'AuditEntry' },
);

/** Who read a customer's data and when: the append-only audit trail of reads, for admins of the branch. */
export const auditRoutes = (s: StaffServices, http: HttpDeps): Route[] => [
  route(
    {
      operationId: 'listAuditTrail',
      method: 'get',
      path: '/audit',
      tags: ['system'],
      summary: "Who read a customer's data, when, and how (customer reads, 360 views, timelines, searches); admins",
      auth: 'bearer',
      query: z.extend(CursorQuery, { customerId: identifier() }),
      responses: { 200: { description: 'Entries, newest first', json: pageOf(AuditEntrySchema) } },
      errors: [400, 401, 403, 404],
    },
    async ({ caller, query }) => {
      const scope = `audit:${query.customerId}`;
      const body = await http.cursors.page(query.cursor, scope, (from) =>
        s.audit.list(caller, query.customerId, from, query.limit),
      );
      return { status: 200, body };
    },
  ),
];
