import * as z from 'zod/mini';
import { AttachInput, ContactCreateInput, withMeta } from '@cc/core';
import type { StaffServices } from '@cc/services';
import type { HttpDeps } from '../http/env';
import { idempotencyClaim, replayHeaders } from '../http/idempotency';
import { route, type Route } from '../http/route';
import { CursorQuery, IdempotencyHeader, pageOf, TimelineEntrySchema } from '../schemas';

const tags = ['contacts'];

/** Contacts logged by agents, and the queue of contacts from senders not yet known. */
export const contactRoutes = (s: StaffServices, http: HttpDeps): Route[] => [
  route(
    {
      operationId: 'logContact',
      method: 'post',
      path: '/contacts',
      tags,
      summary: 'Log a call (inbound or outbound), optionally opening a complaint or inquiry in the same request',
      auth: 'bearer',
      headers: IdempotencyHeader,
      body: {
        json: ContactCreateInput,
        examples: {
          callWithComplaint: {
            summary: 'An inbound call, the customer found by phone (any common format), with a complaint opened',
            value: {
              phone: '139 1234 5678',
              direction: 'inbound',
              startedAt: '2026-11-23T09:00:00+08:00',
              endedAt: '2026-11-23T09:06:00+08:00',
              outcome: 'complaint_registered',
              notes: 'Card charged twice',
              case: {
                type: 'complaint',
                category: 'fees',
                title: 'Annual fee charged twice',
                description: 'The annual fee appears twice on the October statement',
              },
            },
          },
        },
      },
      responses: {
        201: { description: 'Logged', json: z.extend(TimelineEntrySchema, { caseId: z.optional(z.string()) }) },
      },
      errors: [400, 401, 404, 415, 422],
    },
    async ({ caller, body, c }) => {
      const claim = idempotencyClaim(c, `${caller.userId}:contacts`, body, http.clock());
      const { response, replayed } = await s.contacts.log(caller, body, claim);
      return { status: 201, body: response.body, headers: replayHeaders(replayed) };
    },
  ),

  route(
    {
      operationId: 'listUnidentifiedContacts',
      method: 'get',
      path: '/contacts/unidentified',
      tags,
      summary: 'Contacts from senders no customer is known by, newest first (agents and supervisors)',
      auth: 'bearer',
      query: CursorQuery,
      responses: { 200: { description: 'A page of entries', json: pageOf(TimelineEntrySchema) } },
      errors: [400, 401, 403],
    },
    async ({ caller, query }) => {
      const scope = 'contacts:unidentified';
      const body = await http.cursors.page(query.cursor, scope, (from) =>
        s.unidentified.list(caller, from, query.limit),
      );
      return { status: 200, body };
    },
  ),

  route(
    {
      operationId: 'attachUnidentifiedContacts',
      method: 'post',
      path: '/contacts/unidentified/attach',
      tags,
      summary:
        "Move every contact of an unidentified sender to a customer's timeline (idempotent); adding the phone or " +
        'email to the customer is requested for approval, never done here',
      auth: 'bearer',
      headers: IdempotencyHeader,
      body: {
        json: AttachInput,
        examples: {
          phone: {
            summary: "File an unknown number's contacts under a customer and keep the number",
            value: { kind: 'phone', value: '+86 139 1234 5678', customerId: 'cus_01J9Z6W8QK3V', addContactPoint: true },
          },
        },
      },
      responses: {
        200: {
          description: 'Attached',
          json: z.object({
            customerId: z.string(),
            kind: z.enum(['phone', 'email']),
            value: z.string(),
            moved: z.int(),
            changeRequestId: withMeta(z.optional(z.string()), {
              description: 'With addContactPoint: the change request a supervisor of the branch decides',
            }),
          }),
        },
      },
      errors: [400, 401, 403, 404, 409, 415, 422],
    },
    async ({ caller, body, c }) => {
      const claim = idempotencyClaim(c, `${caller.userId}:attachments`, body, http.clock());
      const { response, replayed } = await s.unidentified.attachOnce(caller, body, claim);
      return { status: 200, body: response.body, headers: replayHeaders(replayed) };
    },
  ),
];
