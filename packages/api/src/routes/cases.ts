import * as z from 'zod/mini';
import {
  CaseAssignInput,
  CaseCreateInput,
  CaseDeleteInput,
  CaseNoteInput,
  caseOrigins,
  CaseReplyInput,
  locales,
  CasePatchInput,
  casePriorities,
  CaseRestoreInput,
  caseStatuses,
  caseTypes,
  deadlineKinds,
  identifier,
  inquirySubjects,
  type Case,
  withMeta,
} from '@cc/core';
import type { StaffServices } from '@cc/services';
import type { HttpDeps } from '../http/env';
import { idempotencyClaim, replayHeaders } from '../http/idempotency';
import { route, type Route } from '../http/route';
import { ifMatchVersion, versionHeaders } from '../http/versioning';
import { ActorSchema, CursorQuery, IdempotencyHeader, IdParam, IfMatchHeader, pageOf } from '../schemas';

export const CaseSchema = withMeta(
  z.object({
    id: withMeta(z.string(), { example: 'C-2026-000123' }),
    publicReference: withMeta(z.optional(z.string()), {
      example: '7KQ2-M9XD-T',
      description: "The customer's reference: random, for the status lookup",
    }),
    type: z.enum(caseTypes),
    subject: z.optional(z.enum(inquirySubjects)),
    productCode: z.optional(z.string()),
    category: z.string(),
    priority: z.enum(casePriorities),
    title: z.string(),
    description: z.string(),
    status: z.enum(caseStatuses),
    origin: z.enum(caseOrigins),
    createdBy: z.union([
      z.object({ kind: z.literal('user'), id: z.string() }),
      z.object({ kind: z.literal('channel'), channel: z.enum(caseOrigins), externalId: z.optional(z.string()) }),
    ]),
    customerId: z.nullable(z.string()),
    customerNumber: z.optional(z.string()),
    customerName: z.optional(z.string()),
    branchId: z.string(),
    submitterContact: z.optional(z.object({ phone: z.optional(z.string()), email: z.optional(z.string()) })),
    ownerId: withMeta(z.nullable(z.string()), {
      description:
        "Who works it: the customer's primary manager unless assigned to someone else; null = the branch queue",
    }),
    primaryManagerId: withMeta(z.nullable(z.string()), {
      description: "The customer's primary manager; the case follows the customer when it changes",
    }),
    assistingManagerIds: withMeta(z.array(z.string()), { description: "The customer's assisting managers" }),
    escalated: z.boolean(),
    respondBy: withMeta(z.optional(z.string()), {
      description: 'When it must have left new; owner and supervisors are told once if it has not',
    }),
    resolveBy: withMeta(z.optional(z.string()), {
      description: 'When it must be resolved; owner and supervisors are told once if it is not',
    }),
    breaches: withMeta(
      z.optional(z.array(z.object({ kind: z.enum(deadlineKinds), dueAt: z.string(), reportedAt: z.string() }))),
      { description: 'Deadlines missed, as reported' },
    ),
    outcome: withMeta(z.optional(z.string()), { description: 'The outcome note of the last resolution or closing' }),
    resolvedAt: z.optional(z.string()),
    closedAt: z.optional(z.string()),
    reopenedAt: z.optional(z.string()),
    occurredAt: withMeta(z.optional(z.string()), {
      description: 'When it happened in the source system (imports); createdAt is when it arrived',
    }),
    relatedCaseId: withMeta(z.optional(z.string()), { description: 'The closed case the customer wrote on again' }),
    followedBy: withMeta(z.optional(z.string()), {
      description: 'The case opened when the customer wrote on this again',
    }),
    opportunityId: z.optional(z.string()),
    locale: withMeta(z.optional(z.enum(locales)), { description: 'The language the customer wrote in' }),
    deleted: z.boolean(),
    version: z.int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  { id: 'Case' },
);

const HistorySchema = withMeta(
  z.object({
    id: z.string(),
    caseId: z.string(),
    at: z.string(),
    actor: ActorSchema,
    action: z.string(),
    from: z.optional(z.enum(caseStatuses)),
    to: z.optional(z.enum(caseStatuses)),
    note: z.optional(z.string()),
    changes: z.optional(z.record(z.string(), z.unknown())),
  }),
  { id: 'CaseHistoryEntry' },
);

const MessageSchema = withMeta(
  z.object({
    id: z.string(),
    caseId: z.string(),
    at: z.string(),
    actor: ActorSchema,
    text: z.string(),
    direction: z.enum(['inbound', 'outbound', 'internal']),
    channel: z.string(),
    externalId: withMeta(z.optional(z.string()), { description: 'Email Message-ID or SMS sid' }),
    deliveryId: withMeta(z.optional(z.string()), { description: 'Outbound: the delivery that carries it' }),
  }),
  { id: 'CaseMessage' },
);

const ReplyReceiptSchema = withMeta(
  z.object({
    message: MessageSchema,
    delivery: z.object({
      status: withMeta(z.enum(['queued', 'scheduled']), { description: 'scheduled: held until quiet hours end' }),
      channel: z.enum(['sms', 'email']),
      to: z.string(),
      sendAfter: z.optional(z.string()),
    }),
  }),
  { id: 'CaseReplyReceipt' },
);

const ListQuery = z.extend(CursorQuery, {
  customerId: z.optional(identifier()),
  status: z.optional(z.enum(caseStatuses)),
  type: z.optional(z.enum(caseTypes)),
  owner: withMeta(z.optional(z.enum(['me', 'queue'])), {
    description: 'The older spelling of scope=mine and scope=queue',
  }),
  scope: withMeta(z.optional(z.enum(['mine', 'my-customers', 'queue', 'branch'])), {
    description:
      "mine: the caller's cases; my-customers: the cases of the customers the caller manages (primary or " +
      "assisting), open ones unless a finished status is asked for; queue: the branch's cases without an owner, " +
      "branch: all of the branch's (supervisors)",
  }),
  overdue: withMeta(z.optional(z.enum(deadlineKinds)), {
    description: 'Only cases past their first-response or resolution deadline and still waiting for it',
  }),
  escalated: z.optional(z.enum(['true', 'false'])),
});

const tags = ['cases'];
const caseReply = (c: Case) => ({ status: 200 as const, body: c, headers: versionHeaders(c) });

export const caseRoutes = (s: StaffServices, http: HttpDeps): Route[] => [
  route(
    {
      operationId: 'createCase',
      method: 'post',
      path: '/cases',
      tags,
      summary: "Register a complaint or inquiry; it is routed to the customer's primary manager (or the branch queue)",
      auth: 'bearer',
      headers: IdempotencyHeader,
      body: {
        json: CaseCreateInput,
        examples: {
          complaint: {
            summary: "A complaint for a known customer: it goes to the customer's primary manager",
            value: {
              type: 'complaint',
              category: 'fees',
              priority: 'high',
              title: 'Annual fee charged twice',
              description: 'The annual fee appears twice on the October statement',
              customerId: 'cus_01J9Z6W8QK3V',
            },
          },
          productInquiry: {
            summary: 'A product inquiry, later convertible into an opportunity',
            value: {
              type: 'inquiry',
              subject: 'product',
              productCode: 'WM-2026-A',
              category: 'wealth',
              description: 'Wants the terms of the new wealth product',
              customerId: 'cus_01J9Z6W8QK3V',
            },
          },
        },
      },
      responses: { 201: { description: 'Created', json: CaseSchema } },
      errors: [400, 401, 403, 404, 415, 422],
    },
    async ({ caller, body, c }) => {
      const claim = idempotencyClaim(c, `${caller.userId}:cases`, body, http.clock());
      const { response, replayed } = await s.cases.createOnce({ caller }, body, claim);
      return {
        status: 201,
        body: response.body,
        headers: { ...versionHeaders(response.body, '/cases'), ...replayHeaders(replayed) },
      };
    },
  ),

  route(
    {
      operationId: 'listCases',
      method: 'get',
      path: '/cases',
      tags,
      summary:
        "List cases: a customer's, the caller's own, their customers', the branch queue or the branch's; newest " +
        'first, one query per page',
      auth: 'bearer',
      query: ListQuery,
      responses: { 200: { description: 'A page of cases', json: pageOf(CaseSchema) } },
      errors: [400, 401, 403, 404],
    },
    async ({ caller, query }) => {
      const { cursor, limit, ...listed } = query;
      const scope = `cases:${caller.userId}:${JSON.stringify(listed)}`;
      const { escalated, ...filter } = listed;
      const listFilter = { ...filter, ...(escalated && { escalated: escalated === 'true' }) };
      const body = await http.cursors.page(cursor, scope, (from) => s.cases.list(caller, listFilter, from, limit));
      return { status: 200, body };
    },
  ),

  route(
    {
      operationId: 'getCase',
      method: 'get',
      path: '/cases/{id}',
      tags,
      summary: 'Read a case (404 when out of scope)',
      auth: 'bearer',
      params: IdParam,
      responses: { 200: { description: 'The case', json: CaseSchema } },
      errors: [400, 401, 404],
    },
    async ({ caller, params }) => caseReply(await s.cases.get(caller, params.id)),
  ),

  route(
    {
      operationId: 'listCaseHistory',
      method: 'get',
      path: '/cases/{id}/history',
      tags,
      summary: 'Every change to a case: actor, time, from, to, note',
      auth: 'bearer',
      params: IdParam,
      responses: { 200: { description: 'History, oldest first', json: z.object({ items: z.array(HistorySchema) }) } },
      errors: [400, 401, 404],
    },
    async ({ caller, params }) => ({ status: 200, body: { items: await s.cases.history(caller, params.id) } }),
  ),

  route(
    {
      operationId: 'updateCase',
      method: 'patch',
      path: '/cases/{id}',
      tags,
      summary:
        'Edit or reclassify a case and/or move its status (If-Match required; resolving and closing need the ' +
        'outcome as note); an illegal move is a 409 listing the allowed ones',
      auth: 'bearer',
      params: IdParam,
      headers: IfMatchHeader,
      body: {
        json: CasePatchInput,
        examples: {
          start: {
            summary: 'Move it to in_progress with a note (send If-Match with the ETag you read)',
            value: { status: 'in_progress', note: 'Called the customer back' },
          },
        },
      },
      responses: { 200: { description: 'Updated', json: CaseSchema } },
      errors: [400, 401, 404, 409, 415, 428],
    },
    async ({ caller, params, headers, body }) => {
      const version = ifMatchVersion(headers['if-match'], true, 'case');
      return caseReply(await s.cases.update(caller, params.id, body, version));
    },
  ),

  route(
    {
      operationId: 'deleteCase',
      method: 'delete',
      path: '/cases/{id}',
      tags,
      summary:
        'Soft-delete a case, saying why (kept in its history; an admin may restore it; its owner is told when ' +
        'someone else deletes it). If-Match is honoured when sent',
      auth: 'bearer',
      params: IdParam,
      headers: IfMatchHeader,
      body: { json: CaseDeleteInput },
      responses: { 204: { description: 'Deleted' } },
      errors: [400, 401, 404, 409, 415],
    },
    async ({ caller, params, headers, body }) => {
      await s.cases.remove(caller, params.id, body.reason, ifMatchVersion(headers['if-match'], false, 'case'));
      return { status: 204 };
    },
  ),

  route(
    {
      operationId: 'assignCase',
      method: 'post',
      path: '/cases/{id}/assign',
      tags,
      summary:
        "Give a case to a manager or supervisor of its branch, saying why (the branch's supervisors; the owner, to " +
        'a colleague); the new owner is told. If-Match is honoured when sent',
      auth: 'bearer',
      params: IdParam,
      headers: IfMatchHeader,
      body: { json: CaseAssignInput },
      responses: { 200: { description: 'Assigned', json: CaseSchema } },
      errors: [400, 401, 403, 404, 409, 415],
    },
    async ({ caller, params, headers, body }) => {
      const version = ifMatchVersion(headers['if-match'], false, 'case');
      return caseReply(await s.cases.assign(caller, params.id, body, version));
    },
  ),

  route(
    {
      operationId: 'restoreCase',
      method: 'post',
      path: '/cases/{id}/restore',
      tags,
      summary: 'Restore a deleted case (admins)',
      auth: 'bearer',
      params: IdParam,
      body: { json: CaseRestoreInput, required: false },
      responses: { 200: { description: 'Restored', json: CaseSchema } },
      errors: [400, 401, 404, 409, 415],
    },
    async ({ caller, params, body }) => caseReply(await s.cases.restore(caller, params.id, body?.reason)),
  ),

  route(
    {
      operationId: 'addCaseNote',
      method: 'post',
      path: '/cases/{id}/notes',
      tags,
      summary: 'Add an internal note to a case (agents and managers)',
      auth: 'bearer',
      params: IdParam,
      headers: IdempotencyHeader,
      body: {
        json: CaseNoteInput,
        examples: { note: { summary: 'An internal note', value: { text: 'Refund requested from card operations' } } },
      },
      responses: { 201: { description: 'Added', json: MessageSchema } },
      errors: [400, 401, 404, 415, 422],
    },
    async ({ caller, params, body, c }) => {
      const claim = idempotencyClaim(c, `${caller.userId}:notes`, body, http.clock());
      const { response, replayed } = await s.cases.addNoteOnce(caller, params.id, body.text, claim);
      return { status: 201, body: response.body, headers: replayHeaders(replayed) };
    },
  ),

  route(
    {
      operationId: 'replyToCustomer',
      method: 'post',
      path: '/cases/{id}/replies',
      tags,
      summary:
        'Write to the customer from the case by SMS or email (the chosen channel, else their preferred one), ' +
        'threaded to the case; a 409 contact.blocked says why when the contact guard refuses it',
      auth: 'bearer',
      params: IdParam,
      headers: IdempotencyHeader,
      body: { json: CaseReplyInput },
      responses: {
        201: { description: 'Recorded on the case and queued (or held for quiet hours)', json: ReplyReceiptSchema },
      },
      errors: [400, 401, 404, 409, 415, 422],
    },
    async ({ caller, params, body, c }) => {
      const claim = idempotencyClaim(c, `${caller.userId}:replies`, body, http.clock());
      const { response, replayed } = await s.customerContact.replyOnce(caller, params.id, body, claim);
      return { status: 201, body: response.body, headers: replayHeaders(replayed) };
    },
  ),
];
