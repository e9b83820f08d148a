import * as z from 'zod/mini';
import { timelineChannels, timelineTypes } from '@cc/core';
import type { StaffServices } from '@cc/services';
import type { HttpDeps } from '../http/env';
import { route, type Route } from '../http/route';
import { CursorQuery, IdParam, pageOf, TimelineEntrySchema } from '../schemas';

const TimelineQuery = z.extend(CursorQuery, {
  channel: z.optional(z.enum(timelineChannels)),
  type: z.optional(z.enum(timelineTypes)),
});

/** One customer's contact history across every channel, newest first. */
export const timelineRoutes = (s: StaffServices, http: HttpDeps): Route[] => [
  route(
    {
      operationId: 'listCustomerTimeline',
      method: 'get',
      path: '/customers/{id}/timeline',
      tags: ['timeline'],
      summary: "The customer's contact history across all channels, newest first (same scope as reading the customer)",
      auth: 'bearer',
      params: IdParam,
      query: TimelineQuery,
      responses: { 200: { description: 'A page of entries', json: pageOf(TimelineEntrySchema) } },
      errors: [400, 401, 404],
    },
    async ({ caller, params, query }) => {
      const scope = `timeline:${params.id}:${query.channel ?? ''}:${query.type ?? ''}`;
      const filter = { channel: query.channel, type: query.type };
      const body = await http.cursors.page(query.cursor, scope, (from) =>
        s.timeline.list(caller, params.id, filter, from, query.limit),
      );
      return { status: 200, body };
    },
  ),
];
