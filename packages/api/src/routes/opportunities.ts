import * as z from 'zod/mini';
import {
  ActivityInput,
  activityTypes,
  caseOrigins,
  ConvertInput,
  OpportunityCreateInput,
  OpportunityPatchInput,
  opportunityStages,
  OpportunityTerms,
  pipelineViews,
  singleLineText,
  StageInput,
  type Opportunity,
  withMeta,
} from '@cc/core';
import type { StaffServices } from '@cc/services';
import type { HttpDeps } from '../http/env';
import { idempotencyClaim, replayHeaders } from '../http/idempotency';
import { route, type Route } from '../http/route';
import { ifMatchVersion, versionHeaders } from '../http/versioning';
import { ActorSchema, CursorQuery, IdempotencyHeader, IdParam, IfMatchHeader, pageOf } from '../schemas';

const Money = z.record(z.string(), z.number());

export const OpportunitySchema = withMeta(
  z.object({
    id: z.string(),
    title: z.string(),
    customerId: z.nullable(z.string()),
    customerNumber: z.optional(z.string()),
    customerName: z.optional(z.string()),
    prospect: z.optional(z.object({ name: z.string(), phone: z.optional(z.string()), email: z.optional(z.string()) })),
    branchId: z.string(),
    productCode: z.string(),
    expectedAmount: z.number(),
    currency: z.string(),
    expectedCloseDate: z.string(),
    stage: z.enum(opportunityStages),
    lostReason: z.optional(z.string()),
    ownerId: z.string(),
    collaboratorIds: z.array(z.string()),
    supervisorId: z.optional(z.string()),
    teamId: z.optional(z.string()),
    source: z.object({
      kind: z.enum(['case', 'direct', 'customer_record']),
      caseId: z.optional(z.string()),
      channel: z.optional(z.enum(caseOrigins)),
      contact: z.optional(z.object({ phone: z.optional(z.string()), email: z.optional(z.string()) })),
    }),
    nextStep: z.optional(
      z.object({ at: z.string(), description: z.string(), overdueNotifiedAt: z.optional(z.string()) }),
    ),
    version: z.int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    closedAt: z.optional(z.string()),
  }),
  { id: 'Opportunity' },
);

const PipelineQuery = z.object({
  view: z._default(z.enum(pipelineViews), 'mine'),
  stage: z.optional(z.enum(opportunityStages)),
  product: z.optional(singleLineText(40)),
  closeMonth: z.optional(z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'use YYYY-MM'))),
});

const TotalsSchema = withMeta(
  z.object({
    truncated: z.boolean(),
    count: z.int(),
    amounts: Money,
    byStage: z.record(z.string(), z.object({ count: z.int(), amounts: Money })),
  }),
  { id: 'PipelineTotals' },
);

const HistorySchema = z.object({
  stageChanges: z.array(
    z.object({
      id: z.string(),
      opportunityId: z.string(),
      from: z.nullable(z.string()),
      to: z.string(),
      at: z.string(),
      actor: ActorSchema,
      note: z.optional(z.string()),
      lostReason: z.optional(z.string()),
    }),
  ),
  activities: z.array(
    z.object({
      id: z.string(),
      opportunityId: z.string(),
      type: z.enum(activityTypes),
      note: z.string(),
      at: z.string(),
      actor: ActorSchema,
      nextStep: z.optional(z.object({ at: z.string(), description: z.string() })),
    }),
  ),
});

const tags = ['opportunities'];
const creatingErrors = [400, 401, 403, 404, 409, 415, 422] as const;
const opportunityReply = (opp: Opportunity) => ({ status: 200 as const, body: opp, headers: versionHeaders(opp) });

/** A creating request's answer: the opportunity with its ETag and location, or the replay of it. */
const created = ({ response, replayed }: { response: { body: Opportunity }; replayed: boolean }) => ({
  status: 201 as const,
  body: response.body,
  headers: { ...versionHeaders(response.body, '/opportunities'), ...replayHeaders(replayed) },
});

export const opportunityRoutes = (s: StaffServices, http: HttpDeps): Route[] => [
  route(
    {
      operationId: 'convertCase',
      method: 'post',
      path: '/cases/{id}/convert',
      tags,
      summary:
        'Convert a product inquiry into an opportunity ' +
        '(one transaction; 409 if already converted or not a product inquiry)',
      auth: 'bearer',
      params: IdParam,
      headers: IdempotencyHeader,
      body: {
        json: ConvertInput,
        examples: {
          convert: {
            summary: 'The product comes from the inquiry; a product manager collaborates',
            value: {
              expectedAmount: 500000,
              currency: 'CNY',
              expectedCloseDate: '2026-12-31',
              collaboratorIds: ['pm-1'],
            },
          },
        },
      },
      responses: { 201: { description: 'Created', json: OpportunitySchema } },
      errors: creatingErrors,
    },
    async ({ caller, params, body, c }) => {
      const claim = idempotencyClaim(c, `${caller.userId}:convert:${params.id}`, body, http.clock());
      return created(await s.conversions.convert(caller, params.id, body, claim));
    },
  ),

  route(
    {
      operationId: 'createOpportunity',
      method: 'post',
      path: '/opportunities',
      tags,
      summary: 'Open an opportunity for a customer (customerId) or a new customer (prospect)',
      auth: 'bearer',
      headers: IdempotencyHeader,
      body: {
        json: OpportunityCreateInput,
        examples: {
          prospect: {
            summary: 'For someone who is not a customer yet',
            value: {
              prospect: { name: 'Li Na', phone: '+86 138 0000 1234' },
              productCode: 'WM-2026-A',
              expectedAmount: 200000,
              currency: 'CNY',
              expectedCloseDate: '2026-12-31',
              nextStep: { at: '2026-12-01T10:00:00+08:00', description: 'Meet at the branch' },
            },
          },
        },
      },
      responses: { 201: { description: 'Created', json: OpportunitySchema } },
      errors: creatingErrors,
    },
    async ({ caller, body, c }) => {
      const claim = idempotencyClaim(c, `${caller.userId}:opportunities`, body, http.clock());
      return created(await s.opportunities.create(caller, body, claim));
    },
  ),

  route(
    {
      operationId: 'createCustomerOpportunity',
      method: 'post',
      path: '/customers/{id}/opportunities',
      tags,
      summary: "Open an opportunity from a customer's record",
      auth: 'bearer',
      params: IdParam,
      headers: IdempotencyHeader,
      body: { json: OpportunityTerms },
      responses: { 201: { description: 'Created', json: OpportunitySchema } },
      errors: creatingErrors,
    },
    async ({ caller, params, body, c }) => {
      const input = { ...body, customerId: params.id };
      const claim = idempotencyClaim(c, `${caller.userId}:opportunities`, input, http.clock());
      return created(await s.opportunities.create(caller, input, claim));
    },
  ),

  route(
    {
      operationId: 'getPipelineTotals',
      method: 'get',
      path: '/opportunities/totals',
      tags,
      summary:
        'Pipeline totals by stage (count, and expected amount per currency) over the same view and filters as the list',
      auth: 'bearer',
      query: PipelineQuery,
      responses: { 200: { description: 'Totals', json: TotalsSchema } },
      errors: [400, 401, 403],
    },
    async ({ caller, query }) => {
      const filter = { stage: query.stage, productCode: query.product, closeMonth: query.closeMonth };
      return { status: 200, body: await s.opportunities.totals(caller, query.view, filter) };
    },
  ),

  route(
    {
      operationId: 'listOpportunities',
      method: 'get',
      path: '/opportunities',
      tags,
      summary: 'The pipeline: mine (owner), my team, or my branch (supervisors/admins), by close date',
      auth: 'bearer',
      query: z.extend(PipelineQuery, CursorQuery.shape),
      responses: { 200: { description: 'A page', json: pageOf(OpportunitySchema) } },
      errors: [400, 401, 403],
    },
    async ({ caller, query }) => {
      const { view, cursor, limit } = query;
      const filter = { stage: query.stage, productCode: query.product, closeMonth: query.closeMonth };
      const scope = `opps:${caller.userId}:${JSON.stringify([view, filter])}`;
      const body = await http.cursors.page(cursor, scope, (from) =>
        s.opportunities.list(caller, view, filter, from, limit),
      );
      return { status: 200, body };
    },
  ),

  route(
    {
      operationId: 'getOpportunity',
      method: 'get',
      path: '/opportunities/{id}',
      tags,
      summary: 'Read an opportunity',
      auth: 'bearer',
      params: IdParam,
      responses: { 200: { description: 'The opportunity', json: OpportunitySchema } },
      errors: [400, 401, 404],
    },
    async ({ caller, params }) => opportunityReply(await s.opportunities.readable(caller, params.id)),
  ),

  route(
    {
      operationId: 'updateOpportunity',
      method: 'patch',
      path: '/opportunities/{id}',
      tags,
      summary:
        'Change amount, currency, close date, collaborators or next step (owner or supervisor; If-Match required)',
      auth: 'bearer',
      params: IdParam,
      headers: IfMatchHeader,
      body: {
        json: OpportunityPatchInput,
        examples: {
          terms: {
            summary: 'New amount and close date (send If-Match with the ETag you read)',
            value: { expectedAmount: 800000, expectedCloseDate: '2027-01-31' },
          },
        },
      },
      responses: { 200: { description: 'Updated', json: OpportunitySchema } },
      errors: [400, 401, 403, 404, 409, 415, 428],
    },
    async ({ caller, params, headers, body }) => {
      const version = ifMatchVersion(headers['if-match'], true, 'opportunity');
      return opportunityReply(await s.opportunities.update(caller, params.id, version, body));
    },
  ),

  route(
    {
      operationId: 'moveOpportunityStage',
      method: 'post',
      path: '/opportunities/{id}/stage',
      tags,
      summary: 'Move through the pipeline (409 lists the allowed moves; If-Match optional but enforced when sent)',
      auth: 'bearer',
      params: IdParam,
      headers: IfMatchHeader,
      body: {
        json: StageInput,
        examples: {
          qualified: { summary: 'Move it on (send If-Match)', value: { stage: 'qualified', note: 'Budget confirmed' } },
          lost: { summary: 'Lost, with the reason', value: { stage: 'lost', lostReason: 'Chose another bank' } },
        },
      },
      responses: { 200: { description: 'Moved', json: OpportunitySchema } },
      errors: [400, 401, 403, 404, 409, 415],
    },
    async ({ caller, params, headers, body }) => {
      const version = ifMatchVersion(headers['if-match'], false, 'opportunity');
      return opportunityReply(await s.opportunities.changeStage(caller, params.id, body, version));
    },
  ),

  route(
    {
      operationId: 'addOpportunityActivity',
      method: 'post',
      path: '/opportunities/{id}/activities',
      tags,
      summary: 'Record a follow-up (call, visit, email, note), optionally setting the next step',
      auth: 'bearer',
      params: IdParam,
      headers: IdempotencyHeader,
      body: {
        json: ActivityInput,
        examples: {
          visit: {
            summary: 'A visit and the next step',
            value: {
              type: 'visit',
              note: 'Met at the branch',
              nextStep: { at: '2026-12-05T10:00:00+08:00', description: 'Send the product terms' },
            },
          },
        },
      },
      responses: {
        201: {
          description: 'Recorded',
          json: z.object({ activity: HistorySchema.shape.activities.def.element, opportunity: OpportunitySchema }),
        },
      },
      errors: [400, 401, 403, 404, 409, 415, 422],
    },
    async ({ caller, params, body, c }) => {
      const claim = idempotencyClaim(c, `${caller.userId}:activities`, body, http.clock());
      const { response, replayed } = await s.opportunities.addActivityOnce(caller, params.id, body, claim);
      return {
        status: 201,
        body: response.body,
        headers: { ...versionHeaders(response.body.opportunity), ...replayHeaders(replayed) },
      };
    },
  ),

  route(
    {
      operationId: 'getOpportunityHistory',
      method: 'get',
      path: '/opportunities/{id}/history',
      tags,
      summary: 'Stage changes (with actor and time) and follow-up activities, oldest first',
      auth: 'bearer',
      params: IdParam,
      responses: { 200: { description: 'History', json: HistorySchema } },
      errors: [400, 401, 404],
    },
    async ({ caller, params }) => ({ status: 200, body: await s.opportunities.history(caller, params.id) }),
  ),
];
