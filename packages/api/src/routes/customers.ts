import { etag, ifMatchVersion, versionedResponse } from '../versioning';
import { createRoute, z } from '@hono/zod-openapi';
import { hasFullAccess, ValidationError, type Caller, type Customer } from '@cc/core';
import { tryNormaliseEmail, tryNormalisePhone } from '@cc/channels';
import type { Identity } from '@cc/store';
import type { AppDeps } from '../deps';
import { idempotencyClaim, sendStored } from '../idempotency';
import { bearerSecurity, createRouter, CursorQuery, pageOf, problemResponses } from '../openapi';
import { CustomerSchema, IdParam, jsonBody, jsonResponse } from '../schemas';
import { CustomerCreateInput, CustomerPatchInput, customerService, visibleCustomer } from '../services/customers';
import { MergeInput, mergeService } from '../services/merge';
import { withIdempotency } from '@cc/store';

const LookupQuery = CursorQuery.extend({
  number: z.string().min(1).max(40).optional(),
  phone: z.string().min(3).max(40).optional(),
  email: z.string().min(3).max(254).optional(),
  q: z.string().min(1).max(100).optional().openapi({ description: 'Name prefix, within the branch' }),
  branchId: z.string().min(1).max(40).optional(),
});

const BookQuery = CursorQuery.extend({
  role: z.enum(['primary', 'assisting']).optional(),
  level: z.string().min(1).max(40).optional(),
});

const StatusChange = z.object({ reason: z.string().trim().min(3).max(500) }).strict();

export function customerRoutes(deps: AppDeps) {
  const router = createRouter();
  const customers = customerService(deps);
  const merger = mergeService(deps);
  const tags = ['customers'];

  const respond = (caller: Caller, customer: Customer, status: 200 | 201 = 200) =>
    versionedResponse(visibleCustomer(caller, customer), customer, '/customers', status, {
      ...(customer.mergedInto && { link: `</customers/${customer.mergedInto}>; rel="canonical"` }),
    });

  router.openapi(
    createRoute({
      method: 'post',
      path: '/customers',
      tags,
      summary: 'Create a customer (individual or corporate)',
      security: bearerSecurity,
      request: { body: jsonBody(CustomerCreateInput) },
      responses: { 201: jsonResponse(CustomerSchema, 'Created'), ...problemResponses(400, 401, 403, 409, 415, 422) },
    }),
    async (c) => {
      const caller = c.get('caller');
      const input = c.req.valid('json');
      const now = deps.clock();
      const claim = idempotencyClaim(c, `${caller.userId}:customers`, input, now);
      const result = await withIdempotency(deps.store, claim, async (recordFor) => {
        const response = { status: 201, body: {} as unknown };
        await customers.create(caller, input, (customer) => {
          response.body = visibleCustomer(caller, customer);
          return recordFor(response);
        });
        return response;
      });
      const created = result.response.body as { id: string; version: number };
      return sendStored(c, result, { location: `/customers/${created.id}`, etag: etag(created.version) }) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/customers/{id}',
      tags,
      summary: 'Read a customer (agents get the reduced profile; merged records point at the survivor)',
      security: bearerSecurity,
      request: { params: IdParam },
      responses: { 200: jsonResponse(CustomerSchema, 'The customer'), ...problemResponses(401, 404) },
    }),
    async (c) => {
      const caller = c.get('caller');
      return respond(caller, await customers.readable(caller, c.req.valid('param').id)) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/customers/{id}',
      tags,
      summary: 'Change profile fields (If-Match required; owner, level and status have their own flows)',
      security: bearerSecurity,
      request: {
        params: IdParam,
        body: jsonBody(CustomerPatchInput),
        headers: z.object({ 'if-match': z.string().optional() }),
      },
      responses: { 200: jsonResponse(CustomerSchema, 'Updated'), ...problemResponses(400, 401, 403, 404, 409, 428) },
    }),
    async (c) => {
      const caller = c.get('caller');
      const updated = await customers.update(
        caller,
        c.req.valid('param').id,
        ifMatchVersion(c.req.header('if-match'), true, 'customer'),
        c.req.valid('json'),
      );
      return respond(caller, updated) as never;
    },
  );

  for (const action of ['close', 'reopen'] as const) {
    router.openapi(
      createRoute({
        method: 'post',
        path: `/customers/{id}/${action}`,
        tags,
        summary: action === 'close' ? 'Close the customer relationship' : 'Reopen a closed customer',
        security: bearerSecurity,
        request: { params: IdParam, body: jsonBody(StatusChange) },
        responses: { 200: jsonResponse(CustomerSchema, 'Done'), ...problemResponses(400, 401, 404) },
      }),
      async (c) => {
        const caller = c.get('caller');
        const updated = await customers.setStatus(
          caller,
          c.req.valid('param').id,
          action === 'close' ? 'closed' : 'active',
          c.req.valid('json').reason,
        );
        return respond(caller, updated) as never;
      },
    );
  }

  router.openapi(
    createRoute({
      method: 'get',
      path: '/customers',
      tags,
      summary: 'Look a customer up by number, phone or email, or search names by prefix within a branch',
      security: bearerSecurity,
      request: { query: LookupQuery },
      responses: { 200: jsonResponse(pageOf(CustomerSchema), 'Matches'), ...problemResponses(400, 401) },
    }),
    async (c) => {
      const caller = c.get('caller');
      const query = c.req.valid('query');
      const identity = identityFrom(query);
      const readableBy = (customer: Customer) => caller.role === 'agent' || hasFullAccess(caller, customer);
      if (identity) {
        const id = await customers.repo.idByIdentity(identity);
        const customer = id ? await customers.repo.get(id) : undefined;
        const items = customer && readableBy(customer) ? [visibleCustomer(caller, customer)] : [];
        return c.json({ items, nextCursor: null }, 200) as never;
      }
      if (!query.q)
        throw new ValidationError('Give one of number, phone, email or q', [
          { path: 'q', message: 'required when no identity is given' },
        ]);
      const branchId = query.branchId ?? caller.branchId;
      const scope = `customers:name:${branchId}:${query.q}`;
      const page = await customers.repo.searchByName(
        branchId,
        query.q,
        deps.cursors.decode(query.cursor, scope),
        query.limit,
      );
      return c.json(
        {
          items: page.items.filter(readableBy).map((cust) => visibleCustomer(caller, cust)),
          nextCursor: deps.cursors.encode(page.lastKey, scope),
        },
        200,
      ) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/me/customers',
      tags,
      summary: "The caller's book: customers they manage as primary or assisting manager",
      security: bearerSecurity,
      request: { query: BookQuery },
      responses: {
        200: jsonResponse(
          pageOf(
            z.object({
              customerId: z.string(),
              customerNumber: z.string(),
              name: z.string(),
              type: z.string(),
              level: z.string(),
              branchId: z.string(),
              role: z.enum(['primary', 'assisting']),
              status: z.string(),
            }),
          ),
          'Book entries',
        ),
        ...problemResponses(400, 401),
      },
    }),
    async (c) => {
      const caller = c.get('caller');
      const query = c.req.valid('query');
      if (query.level) customers.assertLevel(query.level);
      const scope = `book:${caller.userId}:${query.level ?? ''}:${query.role ?? ''}`;
      const page = await customers.repo.listBook(
        caller.userId,
        { level: query.level, role: query.role },
        deps.cursors.decode(query.cursor, scope),
        query.limit,
      );
      return c.json({ items: page.items, nextCursor: deps.cursors.encode(page.lastKey, scope) }, 200) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/customers/{id}/view',
      tags,
      summary:
        'Customer 360: profile, managers, identities, latest contacts, open cases and opportunities, counters (two DynamoDB reads)',
      security: bearerSecurity,
      request: { params: IdParam },
      responses: { 200: jsonResponse(CustomerViewSchema, 'The customer 360'), ...problemResponses(401, 404) },
    }),
    async (c) => {
      const caller = c.get('caller');
      const view = await customers.view(caller, c.req.valid('param').id);
      const { mergedInto } = view.profile;
      return c.json(view, 200, mergedInto ? { link: `</customers/${mergedInto}/view>; rel="canonical"` } : {}) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/customers/{id}/history',
      tags,
      summary: 'Who changed the customer, when and why: managers, level, status, merges (newest first)',
      security: bearerSecurity,
      request: { params: IdParam, query: CursorQuery },
      responses: {
        200: jsonResponse(pageOf(HistoryEntrySchema), 'History entries'),
        ...problemResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const caller = c.get('caller');
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      const scope = `customer-history:${id}`;
      const page = await customers.history(caller, id, deps.cursors.decode(query.cursor, scope), query.limit);
      return c.json({ items: page.items, nextCursor: deps.cursors.encode(page.lastKey, scope) }, 200) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/customers/{id}/merge',
      tags,
      summary:
        'Merge another record of the same person into this one (supervisor/admin); repeating it finishes an interrupted merge',
      security: bearerSecurity,
      request: { params: IdParam, body: jsonBody(MergeInput) },
      responses: {
        200: jsonResponse(
          z.object({ survivor: CustomerSchema, merged: CustomerSchema, moved: z.record(z.string(), z.number()) }),
          'Merged',
        ),
        ...problemResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const caller = c.get('caller');
      const result = await merger.merge(caller, c.req.valid('param').id, c.req.valid('json'));
      return c.json({ survivor: result.survivor, merged: result.merged, moved: result.moved }, 200, {
        etag: etag(result.survivor.version),
      }) as never;
    },
  );

  return router;
}

const HistoryEntrySchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    at: z.string(),
    actor: z.object({ kind: z.string(), id: z.string() }),
    action: z.string(),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi('CustomerHistoryEntry');

const ManagerRef = z.object({
  id: z.string(),
  name: z.string().nullable().openapi({ description: 'null when no such user exists' }),
});

const CustomerViewSchema = z
  .object({
    profile: CustomerSchema,
    managers: z.object({
      primaryManagerId: z.string().nullable(),
      assistingManagerIds: z.array(z.string()),
      primary: ManagerRef.nullable(),
      assisting: z.array(ManagerRef),
    }),
    identities: z.object({
      customerNumber: z.string(),
      contactPoints: z.array(
        z.object({ kind: z.string(), value: z.string(), verified: z.boolean(), preferred: z.boolean() }),
      ),
    }),
    latestContacts: z.array(z.record(z.string(), z.unknown())),
    openCases: z.array(z.record(z.string(), z.unknown())),
    openOpportunities: z.array(z.record(z.string(), z.unknown())),
    counters: z.object({
      contactsLast30Days: z.number().int(),
      openCases: z.number().int(),
      unresolvedContacts: z.number().int(),
      lastContactAt: z.string().optional(),
    }),
  })
  .openapi('CustomerView');

function identityFrom(query: { number?: string; phone?: string; email?: string }): Identity | undefined {
  if (query.number) return { kind: 'number', value: query.number.trim() };
  if (query.phone) {
    const value = tryNormalisePhone(query.phone);
    if (!value) throw new ValidationError('Not a valid phone number', [{ path: 'phone', message: 'invalid' }]);
    return { kind: 'phone', value };
  }
  if (query.email) {
    const value = tryNormaliseEmail(query.email);
    if (!value) throw new ValidationError('Not a valid email address', [{ path: 'email', message: 'invalid' }]);
    return { kind: 'email', value };
  }
  return undefined;
}
