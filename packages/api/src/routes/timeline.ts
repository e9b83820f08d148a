import { createRoute, z } from '@hono/zod-openapi';
import { timelineChannels, timelineTypes } from '@cc/core';
import { keys, listTimeline } from '@cc/store';
import type { AppDeps } from '../deps';
import { bearerSecurity, createRouter, CursorQuery, pageOf, problemResponses } from '../openapi';
import { IdParam, jsonResponse } from '../schemas';
import { customerService } from '../services/customers';

export const TimelineEntrySchema = z
  .object({
    id: z.string(),
    customerId: z.string().nullable(),
    sender: z.object({ kind: z.enum(['phone', 'email']), value: z.string() }).optional(),
    type: z.enum(timelineTypes),
    channel: z.enum(timelineChannels),
    direction: z.enum(['inbound', 'outbound', 'internal']),
    occurredAt: z.string(),
    actor: z.record(z.string(), z.unknown()),
    summary: z.string(),
    links: z.object({
      caseId: z.string().optional(),
      opportunityId: z.string().optional(),
      contactId: z.string().optional(),
    }),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('TimelineEntry');

const TimelineQuery = CursorQuery.extend({
  channel: z.enum(timelineChannels).optional(),
  type: z.enum(timelineTypes).optional(),
});

/** One customer's contact history across every channel, newest first. */
export function timelineRoutes(deps: AppDeps) {
  const router = createRouter();
  const customers = customerService(deps);

  router.openapi(
    createRoute({
      method: 'get',
      path: '/customers/{id}/timeline',
      tags: ['timeline'],
      summary: "The customer's contact history across all channels, newest first (same scope as reading the customer)",
      security: bearerSecurity,
      request: { params: IdParam, query: TimelineQuery },
      responses: {
        200: jsonResponse(pageOf(TimelineEntrySchema), 'A page of entries'),
        ...problemResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const caller = c.get('caller');
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      await customers.readable(caller, id);
      const scope = `timeline:${id}:${query.channel ?? ''}:${query.type ?? ''}`;
      const page = await listTimeline(
        deps.store,
        keys.customerPartition(id),
        { channel: query.channel, type: query.type },
        deps.cursors.decode(query.cursor, scope),
        query.limit,
      );
      return c.json({ items: page.items, nextCursor: deps.cursors.encode(page.lastKey, scope) }, 200) as never;
    },
  );

  return router;
}
