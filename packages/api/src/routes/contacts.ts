import { createRoute, z } from '@hono/zod-openapi';
import type { AppDeps } from '../deps';
import { idempotencyClaim, sendStored } from '../idempotency';
import { bearerSecurity, createRouter, CursorQuery, pageOf, problemResponses } from '../openapi';
import { jsonBody, jsonResponse } from '../schemas';
import { ContactCreateInput, contactService, type OpenCaseForContact } from '../services/contacts';
import { AttachInput, unidentifiedService } from '../services/unidentified';
import { escalateIfDue, type Escalate } from '../services/escalation';
import { TimelineEntrySchema } from './timeline';

/** Contacts logged by agents, and the queue of contacts from senders not yet known. */
export function contactRoutes(deps: AppDeps, cases: { openCase?: OpenCaseForContact; escalate?: Escalate } = {}) {
  const router = createRouter();
  const contacts = contactService(deps, cases.openCase);
  const unidentified = unidentifiedService(deps);
  const tags = ['contacts'];

  router.openapi(
    createRoute({
      method: 'post',
      path: '/contacts',
      tags,
      summary: 'Log a call (inbound or outbound), optionally opening a complaint or inquiry in the same request',
      security: bearerSecurity,
      request: { body: jsonBody(ContactCreateInput) },
      responses: {
        201: jsonResponse(TimelineEntrySchema.extend({ caseId: z.string().optional() }), 'Logged'),
        ...problemResponses(400, 401, 404, 422),
      },
    }),
    async (c) => {
      const caller = c.get('caller');
      const input = c.req.valid('json');
      const claim = idempotencyClaim(c, `${caller.userId}:contacts`, input, deps.clock());
      const recorded = await contacts.log(caller, input, claim);
      await escalateIfDue(deps, recorded, cases.escalate);
      return sendStored(c, recorded) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/contacts/unidentified',
      tags,
      summary: 'Contacts from senders no customer is known by, newest first (agents and supervisors)',
      security: bearerSecurity,
      request: { query: CursorQuery },
      responses: {
        200: jsonResponse(pageOf(TimelineEntrySchema), 'A page of entries'),
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const scope = 'contacts:unidentified';
      const page = await unidentified.list(c.get('caller'), deps.cursors.decode(query.cursor, scope), query.limit);
      return c.json({ items: page.items, nextCursor: deps.cursors.encode(page.lastKey, scope) }, 200) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/contacts/unidentified/attach',
      tags,
      summary: "Move every contact of an unidentified sender to a customer's timeline (idempotent)",
      security: bearerSecurity,
      request: { body: jsonBody(AttachInput) },
      responses: {
        200: jsonResponse(
          z.object({
            customerId: z.string(),
            kind: z.enum(['phone', 'email']),
            value: z.string(),
            moved: z.number().int(),
          }),
          'Attached',
        ),
        ...problemResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => c.json(await unidentified.attach(c.get('caller'), c.req.valid('json')), 200) as never,
  );

  return router;
}
