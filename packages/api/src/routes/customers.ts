import * as z from 'zod/mini';
import {
  ValidationError,
  CustomerCreateInput,
  CustomerPatchInput,
  CustomerStatusInput,
  MergeInput,
  customerNumber,
  emailInput,
  identifier,
  phoneInput,
  singleLineText,
  type Caller,
  type Customer,
  withMeta,
} from '@cc/core';
import { contactChannels, outboundChannels } from '@cc/core';
import { identityOf, visibleCustomer, type StaffServices } from '@cc/services';
import type { HttpDeps } from '../http/env';
import { idempotencyClaim, replayHeaders } from '../http/idempotency';
import { route, type Route } from '../http/route';
import { ifMatchVersion, versionHeaders } from '../http/versioning';
import {
  ActorSchema,
  CursorQuery,
  CustomerSchema,
  IdempotencyHeader,
  IdParam,
  IfMatchHeader,
  pageOf,
  TimelineEntrySchema,
} from '../schemas';

const LookupQuery = z.extend(CursorQuery, {
  number: z.optional(customerNumber),
  phone: z.optional(phoneInput),
  email: z.optional(emailInput),
  q: withMeta(z.optional(singleLineText(100)), { description: 'Name prefix, within the branch' }),
  branchId: z.optional(identifier(40)),
});

const BookQuery = z.extend(CursorQuery, {
  role: z.optional(z.enum(['primary', 'assisting'])),
  level: z.optional(identifier(40)),
});

const BookEntrySchema = z.object({
  customerId: z.string(),
  customerNumber: z.string(),
  name: z.string(),
  type: z.string(),
  level: z.string(),
  branchId: z.string(),
  role: z.enum(['primary', 'assisting']),
  status: z.string(),
});

const HistoryEntrySchema = withMeta(
  z.object({
    id: z.string(),
    customerId: z.string(),
    at: z.string(),
    actor: ActorSchema,
    action: z.string(),
    details: z.record(z.string(), z.unknown()),
  }),
  { id: 'CustomerHistoryEntry' },
);

const ManagerRef = z.object({
  id: z.string(),
  name: withMeta(z.nullable(z.string()), { description: 'null when no such user exists' }),
});

const CustomerViewSchema = withMeta(
  z.object({
    profile: CustomerSchema,
    managers: z.object({
      primaryManagerId: z.nullable(z.string()),
      assistingManagerIds: z.array(z.string()),
      primary: z.nullable(ManagerRef),
      assisting: z.array(ManagerRef),
    }),
    identities: z.object({
      customerNumber: z.string(),
      contactPoints: z.array(
        z.object({ kind: z.string(), value: z.string(), verified: z.boolean(), preferred: z.boolean() }),
      ),
    }),
    latestContacts: z.array(TimelineEntrySchema),
    openCases: z.array(z.record(z.string(), z.unknown())),
    openOpportunities: z.array(z.record(z.string(), z.unknown())),
    counters: z.object({
      contactsLast30Days: z.int(),
      openCases: z.int(),
      unresolvedContacts: z.int(),
      lastContactAt: z.optional(z.string()),
    }),
  }),
  { id: 'CustomerView' },
);

/** Why a channel may not be used now; `until`: when that rule stops holding. */
export const GuardReasonSchema = withMeta(
  z.object({
    code: z.enum(['opted_out', 'no_address', 'quiet_hours', 'frequency_cap']),
    channel: z.optional(z.enum(outboundChannels)),
    start: z.optional(z.string()),
    end: z.optional(z.string()),
    timeZone: z.optional(z.string()),
    count: z.optional(z.int()),
    limit: z.optional(z.int()),
    windowDays: z.optional(z.int()),
    until: z.optional(z.string()),
  }),
  { id: 'GuardReason' },
);

const ContactabilitySchema = withMeta(
  z.object({
    customerId: z.string(),
    at: z.string(),
    preferredChannel: z.optional(z.enum(contactChannels)),
    order: z.array(z.enum(outboundChannels)),
    frequency: z.object({
      count: z.int(),
      limit: z.int(),
      windowDays: z.int(),
    }),
    channels: z.array(
      z.object({
        channel: z.enum(outboundChannels),
        allowed: z.boolean(),
        nextAllowedAt: withMeta(z.nullable(z.string()), {
          description: 'When it may next be used; null while opted out or without a number/address',
        }),
        reasons: z.array(GuardReasonSchema),
        address: z.optional(z.string()),
      }),
    ),
  }),
  { id: 'Contactability' },
);

const tags = ['customers'];

/** A customer as the caller may see it, with its ETag and, for a merged record, where it went. */
const customerReply = <S extends 200 | 201>(caller: Caller, customer: Customer, status: S) => ({
  status,
  body: visibleCustomer(caller, customer),
  headers: {
    ...versionHeaders(customer, status === 201 ? '/customers' : undefined),
    ...(customer.mergedInto && { link: `</customers/${customer.mergedInto}>; rel="canonical"` }),
  },
});

export const customerRoutes = (s: StaffServices, http: HttpDeps): Route[] => [
  route(
    {
      operationId: 'createCustomer',
      method: 'post',
      path: '/customers',
      tags,
      summary: 'Create a customer (individual or corporate)',
      auth: 'bearer',
      headers: z.object({ 'idempotency-key': z.optional(z.string()) }),
      body: {
        json: CustomerCreateInput,
        examples: {
          vip: {
            summary: 'A vip individual with a primary manager (supervisors and admins set level and managers)',
            value: {
              customerNumber: 'C-10001',
              name: 'Zhou Xin',
              type: 'individual',
              level: 'vip',
              primaryManagerId: 'mgr-1',
              contactPoints: [{ kind: 'phone', value: '+86 139 1234 5678', preferred: true }],
              tags: ['payroll'],
            },
          },
        },
      },
      responses: {
        201: { description: 'Created', json: CustomerSchema, headers: { ETag: 'version', Location: 'url' } },
      },
      errors: [400, 401, 403, 409, 415, 422],
    },
    async ({ caller, body, c }) => {
      const claim = idempotencyClaim(c, `${caller.userId}:customers`, body, http.clock());
      const { response, replayed } = await s.customers.createOnce(caller, body, claim);
      const created = response.body;
      return {
        status: 201,
        body: created,
        headers: { ...versionHeaders(created, '/customers'), ...replayHeaders(replayed) },
      };
    },
  ),

  route(
    {
      operationId: 'getCustomer',
      method: 'get',
      path: '/customers/{id}',
      tags,
      summary: 'Read a customer (agents get the reduced profile; merged records point at the survivor)',
      auth: 'bearer',
      params: IdParam,
      responses: { 200: { description: 'The customer', json: CustomerSchema } },
      errors: [400, 401, 404],
    },
    async ({ caller, params }) => customerReply(caller, await s.customers.read(caller, params.id), 200),
  ),

  route(
    {
      operationId: 'updateCustomer',
      method: 'patch',
      path: '/customers/{id}',
      tags,
      summary: 'Change profile fields (If-Match required; owner, level and status have their own flows)',
      auth: 'bearer',
      params: IdParam,
      headers: IfMatchHeader,
      body: {
        json: CustomerPatchInput,
        examples: {
          contact: {
            summary: 'New contact points and quiet hours (send If-Match with the ETag you read)',
            value: {
              contactPoints: [
                { kind: 'phone', value: '+86 139 1234 5678', preferred: true },
                { kind: 'email', value: 'zhou.xin@example.com' },
              ],
              preferences: { quietHours: { start: '22:00', end: '08:00' } },
            },
          },
        },
      },
      responses: { 200: { description: 'Updated', json: CustomerSchema } },
      errors: [400, 401, 403, 404, 409, 415, 428],
    },
    async ({ caller, params, headers, body }) => {
      const version = ifMatchVersion(headers['if-match'], true, 'customer');
      return customerReply(caller, await s.customers.update(caller, params.id, version, body), 200);
    },
  ),

  ...(['close', 'reopen'] as const).map((action) =>
    route(
      {
        operationId: action === 'close' ? 'closeCustomer' : 'reopenCustomer',
        method: 'post',
        path: `/customers/{id}/${action}`,
        tags,
        summary:
          action === 'close'
            ? 'Close the customer relationship; its open cases go to the branch queue'
            : 'Reopen a closed customer; its open cases go back to its primary manager',
        auth: 'bearer',
        params: IdParam,
        body: {
          json: CustomerStatusInput,
          examples: { reason: { summary: 'Why', value: { reason: 'The customer moved their accounts abroad' } } },
        },
        responses: { 200: { description: 'Done', json: CustomerSchema } },
        errors: [400, 401, 404, 409, 415],
      },
      async ({ caller, params, body }) => {
        const status = action === 'close' ? 'closed' : 'active';
        return customerReply(caller, await s.customers.setStatus(caller, params.id, status, body.reason), 200);
      },
    ),
  ),

  route(
    {
      operationId: 'findCustomers',
      method: 'get',
      path: '/customers',
      tags,
      summary: 'Look a customer up by number, phone or email, or search names by prefix within a branch',
      auth: 'bearer',
      query: LookupQuery,
      responses: { 200: { description: 'Matches', json: pageOf(CustomerSchema) } },
      errors: [400, 401],
    },
    async ({ caller, query }) => {
      const identity = identityOf(query);
      if (identity)
        return { status: 200, body: { items: await s.customers.lookup(caller, identity), nextCursor: null } };
      const { q } = query;
      if (!q) {
        throw new ValidationError('Give one of number, phone, email or q', [
          { path: 'q', message: 'required when no identity is given' },
        ]);
      }
      const branchId = query.branchId ?? caller.branchId;
      const scope = `customers:name:${branchId}:${q}`;
      const body = await http.cursors.page(query.cursor, scope, (from) =>
        s.customers.search(caller, branchId, q, from, query.limit),
      );
      return { status: 200, body };
    },
  ),

  route(
    {
      operationId: 'listMyCustomers',
      method: 'get',
      path: '/me/customers',
      tags,
      summary: "The caller's book: customers they manage as primary or assisting manager",
      auth: 'bearer',
      query: BookQuery,
      responses: { 200: { description: 'Book entries', json: pageOf(BookEntrySchema) } },
      errors: [400, 401],
    },
    async ({ caller, query }) => {
      const scope = `book:${caller.userId}:${query.level ?? ''}:${query.role ?? ''}`;
      const filter = { level: query.level, role: query.role };
      const body = await http.cursors.page(query.cursor, scope, (from) =>
        s.customers.book(caller, filter, from, query.limit),
      );
      return { status: 200, body };
    },
  ),

  route(
    {
      operationId: 'getCustomerView',
      method: 'get',
      path: '/customers/{id}/view',
      tags,
      summary:
        'Customer 360: profile, managers, identities, latest contacts, open cases and opportunities, counters ' +
        '(two DynamoDB reads)',
      auth: 'bearer',
      params: IdParam,
      responses: { 200: { description: 'The customer 360', json: CustomerViewSchema } },
      errors: [400, 401, 404],
    },
    async ({ caller, params }) => {
      const view = await s.customers.view(caller, params.id);
      const { mergedInto } = view.profile;
      return {
        status: 200,
        body: view,
        headers: mergedInto ? { link: `</customers/${mergedInto}/view>; rel="canonical"` } : undefined,
      };
    },
  ),

  route(
    {
      operationId: 'getCustomerContactability',
      method: 'get',
      path: '/customers/{id}/contactability',
      tags,
      summary:
        'For planning a call or message: whether and when each channel may be used now, and why not ' +
        '(opt-out, quiet hours in the customer’s time zone, the frequency cap)',
      auth: 'bearer',
      params: IdParam,
      responses: { 200: { description: 'Each channel, in the order messages try them', json: ContactabilitySchema } },
      errors: [400, 401, 404],
    },
    async ({ caller, params }) => ({
      status: 200,
      body: await s.customerContact.contactability(caller, params.id),
    }),
  ),

  route(
    {
      operationId: 'listCustomerHistory',
      method: 'get',
      path: '/customers/{id}/history',
      tags,
      summary: 'Who changed the customer, when and why: managers, level, status, merges (newest first)',
      auth: 'bearer',
      params: IdParam,
      query: CursorQuery,
      responses: { 200: { description: 'History entries', json: pageOf(HistoryEntrySchema) } },
      errors: [400, 401, 404],
    },
    async ({ caller, params, query }) => {
      const scope = `customer-history:${params.id}`;
      const body = await http.cursors.page(query.cursor, scope, (from) =>
        s.customers.history(caller, params.id, from, query.limit),
      );
      return { status: 200, body };
    },
  ),

  route(
    {
      operationId: 'mergeCustomers',
      method: 'post',
      path: '/customers/{id}/merge',
      tags,
      summary:
        'Merge another record of the same person into this one (supervisor/admin); ' +
        'repeating it finishes an interrupted merge',
      auth: 'bearer',
      params: IdParam,
      headers: IdempotencyHeader,
      body: { json: MergeInput },
      responses: {
        200: {
          description: 'Merged',
          json: z.object({ survivor: CustomerSchema, merged: CustomerSchema, moved: z.record(z.string(), z.number()) }),
        },
      },
      errors: [400, 401, 403, 404, 409, 415, 422],
    },
    async ({ caller, params, body, c }) => {
      const claim = idempotencyClaim(c, `${caller.userId}:merges`, body, http.clock());
      const { response, replayed } = await s.merge.mergeOnce(caller, params.id, body, claim);
      const result = response.body;
      return { status: 200, body: result, headers: { ...versionHeaders(result.survivor), ...replayHeaders(replayed) } };
    },
  ),
];
