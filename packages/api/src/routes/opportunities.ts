import { etag, ifMatchVersion, versionedResponse } from '../versioning';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { activityTypes, caseOrigins, opportunityStages, type Opportunity } from '@cc/core';
import { findStoredResponse, withIdempotency, type LabelledItem, type RecordFor } from '@cc/store';
import type { AppDeps, AppEnv } from '../deps';
import { idempotencyClaim, sendStored } from '../idempotency';
import { bearerSecurity, createRouter, CursorQuery, pageOf, problemResponses } from '../openapi';
import { IdParam, jsonBody, jsonResponse } from '../schemas';
import { conversionService } from '../services/opportunity-conversion';
import {
  ActivityInput,
  ConvertInput,
  OpportunityCreateInput,
  OpportunityPatchInput,
  opportunityService,
  OpportunityTerms,
  pipelineViews,
  StageInput,
} from '../services/opportunities';

const Money = z.record(z.string(), z.number());

export const OpportunitySchema = z
  .object({
    id: z.string(),
    title: z.string(),
    customerId: z.string().nullable(),
    customerNumber: z.string().optional(),
    customerName: z.string().optional(),
    prospect: z.object({ name: z.string(), phone: z.string().optional(), email: z.string().optional() }).optional(),
    branchId: z.string(),
    productCode: z.string(),
    expectedAmount: z.number(),
    currency: z.string(),
    expectedCloseDate: z.string(),
    stage: z.enum(opportunityStages),
    lostReason: z.string().optional(),
    ownerId: z.string(),
    collaboratorIds: z.array(z.string()),
    supervisorId: z.string().optional(),
    teamId: z.string().optional(),
    source: z.object({
      kind: z.enum(['case', 'direct', 'customer_record']),
      caseId: z.string().optional(),
      channel: z.enum(caseOrigins).optional(),
      contact: z.object({ phone: z.string().optional(), email: z.string().optional() }).optional(),
    }),
    nextStep: z
      .object({ at: z.string(), description: z.string(), overdueNotifiedAt: z.string().optional() })
      .optional(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    closedAt: z.string().optional(),
  })
  .openapi('Opportunity');

const PipelineQuery = z.object({
  view: z.enum(pipelineViews).default('mine'),
  stage: z.enum(opportunityStages).optional(),
  product: z.string().min(1).max(40).optional(),
  closeMonth: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'use YYYY-MM')
    .optional(),
});

const TotalsSchema = z
  .object({
    truncated: z.boolean(),
    count: z.number().int(),
    amounts: Money,
    byStage: z.record(z.string(), z.object({ count: z.number().int(), amounts: Money })),
  })
  .openapi('PipelineTotals');

const actorSchema = z.object({ kind: z.string(), id: z.string().optional(), channel: z.string().optional() });
const HistorySchema = z.object({
  stageChanges: z.array(
    z.object({
      id: z.string(),
      from: z.string().nullable(),
      to: z.string(),
      at: z.string(),
      actor: actorSchema,
      note: z.string().optional(),
      lostReason: z.string().optional(),
    }),
  ),
  activities: z.array(
    z.object({
      id: z.string(),
      type: z.enum(activityTypes),
      note: z.string(),
      at: z.string(),
      actor: actorSchema,
      nextStep: z.object({ at: z.string(), description: z.string() }).optional(),
    }),
  ),
});

const IfMatch = z.object({ 'if-match': z.string().optional() });

const respond = (opp: Opportunity, status: 200 | 201 = 200) => versionedResponse(opp, opp, '/opportunities', status);

const creating = {
  201: jsonResponse(OpportunitySchema, 'Created'),
  ...problemResponses(400, 401, 403, 404, 409, 415, 422),
};
const idempotencyHeader = z.object({ 'idempotency-key': z.string().optional() });

export function opportunityRoutes(deps: AppDeps) {
  const router = createRouter();
  const opportunities = opportunityService(deps);
  const conversions = conversionService(deps);
  const tags = ['opportunities'];

  /** Runs a creating request under its Idempotency-Key; a replay answers the stored 201. */
  async function createOnce(
    c: Context<AppEnv>,
    scope: string,
    request: unknown,
    create: (extra: (opp: Opportunity) => LabelledItem[]) => Promise<Opportunity>,
  ) {
    const claim = idempotencyClaim(c, scope, request, deps.clock());
    // A retry after success must replay even though the request would now be refused (e.g. already converted).
    const stored = claim && (await findStoredResponse(deps.store, claim));
    if (stored)
      return sendStored(
        c,
        { response: stored, replayed: true },
        { location: `/opportunities/${(stored.body as Opportunity).id}` },
      );
    const result = await withIdempotency(deps.store, claim, async (recordFor: RecordFor<unknown>) => {
      const response = { status: 201, body: {} as unknown };
      await create((opp) => {
        response.body = opp;
        return recordFor(response);
      });
      return response;
    });
    const opp = result.response.body as Opportunity;
    return sendStored(c, result, { location: `/opportunities/${opp.id}`, etag: etag(opp.version) });
  }

  router.openapi(
    createRoute({
      method: 'post',
      path: '/cases/{id}/convert',
      tags,
      summary:
        'Convert a product inquiry into an opportunity (one transaction; 409 if already converted or not a product inquiry)',
      security: bearerSecurity,
      request: { params: IdParam, body: jsonBody(ConvertInput), headers: idempotencyHeader },
      responses: creating,
    }),
    async (c) => {
      const caller = c.get('caller');
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      return (await createOnce(c, `${caller.userId}:convert:${id}`, input, (extra) =>
        conversions.convert(caller, id, input, extra),
      )) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/opportunities',
      tags,
      summary: 'Open an opportunity for a customer (customerId) or a new customer (prospect)',
      security: bearerSecurity,
      request: { body: jsonBody(OpportunityCreateInput), headers: idempotencyHeader },
      responses: creating,
    }),
    async (c) => {
      const caller = c.get('caller');
      const input = c.req.valid('json');
      return (await createOnce(c, `${caller.userId}:opportunities`, input, (extra) =>
        opportunities.create(caller, input, extra),
      )) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/customers/{id}/opportunities',
      tags,
      summary: "Open an opportunity from a customer's record",
      security: bearerSecurity,
      request: { params: IdParam, body: jsonBody(OpportunityTerms), headers: idempotencyHeader },
      responses: creating,
    }),
    async (c) => {
      const caller = c.get('caller');
      const { id } = c.req.valid('param');
      const input = { ...c.req.valid('json'), customerId: id };
      return (await createOnce(c, `${caller.userId}:opportunities`, input, (extra) =>
        opportunities.create(caller, input, extra),
      )) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/opportunities/totals',
      tags,
      summary:
        'Pipeline totals by stage (count, and expected amount per currency) over the same view and filters as the list',
      security: bearerSecurity,
      request: { query: PipelineQuery },
      responses: { 200: jsonResponse(TotalsSchema, 'Totals'), ...problemResponses(400, 401, 403) },
    }),
    async (c) => {
      const { view, stage, product, closeMonth } = c.req.valid('query');
      return c.json(
        await opportunities.totals(c.get('caller'), view, { stage, productCode: product, closeMonth }),
        200,
      ) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/opportunities',
      tags,
      summary: 'The pipeline: mine (owner), my team, or my branch (supervisors/admins), by close date',
      security: bearerSecurity,
      request: { query: PipelineQuery.extend(CursorQuery.shape) },
      responses: { 200: jsonResponse(pageOf(OpportunitySchema), 'A page'), ...problemResponses(400, 401, 403) },
    }),
    async (c) => {
      const { view, stage, product, closeMonth, cursor, limit } = c.req.valid('query');
      return c.json(
        await opportunities.list(c.get('caller'), view, { stage, productCode: product, closeMonth }, cursor, limit),
        200,
      ) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/opportunities/{id}',
      tags,
      summary: 'Read an opportunity',
      security: bearerSecurity,
      request: { params: IdParam },
      responses: { 200: jsonResponse(OpportunitySchema, 'The opportunity'), ...problemResponses(401, 404) },
    }),
    async (c) => respond(await opportunities.readable(c.get('caller'), c.req.valid('param').id)) as never,
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/opportunities/{id}',
      tags,
      summary:
        'Change amount, currency, close date, collaborators or next step (owner or supervisor; If-Match required)',
      security: bearerSecurity,
      request: { params: IdParam, body: jsonBody(OpportunityPatchInput), headers: IfMatch },
      responses: { 200: jsonResponse(OpportunitySchema, 'Updated'), ...problemResponses(400, 401, 403, 404, 409, 428) },
    }),
    async (c) => {
      const version = ifMatchVersion(c.req.header('if-match'), true, 'opportunity');
      return respond(
        await opportunities.update(c.get('caller'), c.req.valid('param').id, version, c.req.valid('json')),
      ) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/opportunities/{id}/stage',
      tags,
      summary: 'Move through the pipeline (409 lists the allowed moves; If-Match optional but enforced when sent)',
      security: bearerSecurity,
      request: { params: IdParam, body: jsonBody(StageInput), headers: IfMatch },
      responses: { 200: jsonResponse(OpportunitySchema, 'Moved'), ...problemResponses(400, 401, 403, 404, 409, 428) },
    }),
    async (c) => {
      const version = ifMatchVersion(c.req.header('if-match'), false, 'opportunity');
      return respond(
        await opportunities.changeStage(c.get('caller'), c.req.valid('param').id, c.req.valid('json'), version),
      ) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/opportunities/{id}/activities',
      tags,
      summary: 'Record a follow-up (call, visit, email, note), optionally setting the next step',
      security: bearerSecurity,
      request: { params: IdParam, body: jsonBody(ActivityInput) },
      responses: {
        201: jsonResponse(
          z.object({ activity: HistorySchema.shape.activities.element, opportunity: OpportunitySchema }),
          'Recorded',
        ),
        ...problemResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const result = await opportunities.addActivity(c.get('caller'), c.req.valid('param').id, c.req.valid('json'));
      return c.json(result, 201, { etag: etag(result.opportunity.version) }) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/opportunities/{id}/history',
      tags,
      summary: 'Stage changes (with actor and time) and follow-up activities, oldest first',
      security: bearerSecurity,
      request: { params: IdParam },
      responses: { 200: jsonResponse(HistorySchema, 'History'), ...problemResponses(401, 404) },
    }),
    async (c) => c.json(await opportunities.history(c.get('caller'), c.req.valid('param').id), 200) as never,
  );

  return router;
}
