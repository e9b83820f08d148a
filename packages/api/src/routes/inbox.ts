import { createRoute, z } from '@hono/zod-openapi';
import { notificationKinds, NotFoundError } from '@cc/core';
import { inboxRepository, type InboxItem } from '@cc/store';
import type { AppDeps } from '../deps';
import { bearerSecurity, createRouter, CursorQuery, pageOf, problemResponses } from '../openapi';
import { jsonResponse } from '../schemas';

export const InboxItemSchema = z
  .object({
    id: z.string(),
    kind: z.enum(notificationKinds),
    title: z.string(),
    excerpt: z.string().openapi({ description: 'Content excerpt (at most 280 characters)' }),
    date: z.string().openapi({ description: 'When the notification was raised (ISO 8601)' }),
    customerId: z.string().optional(),
    customerNumber: z.string().optional(),
    customerName: z.string().optional(),
    caseId: z.string().optional(),
    opportunityId: z.string().optional(),
    link: z.string().optional().openapi({ description: 'API path of what the notification is about' }),
    read: z.boolean(),
    readAt: z.string().optional(),
  })
  .openapi('InboxItem');

const InboxQuery = CursorQuery.extend({ unread: z.enum(['true', 'false']).optional() });
const NotificationParam = z.object({
  notificationId: z
    .string()
    .min(1)
    .max(40)
    .openapi({ param: { name: 'notificationId', in: 'path' } }),
});

/** Read-all moves at most this many per request; the answer says whether more remain. */
const READ_ALL_MAX = 1000;

const present = (item: InboxItem) => {
  const { recipientId: _r, createdAt, ...rest } = item;
  const link = item.caseId
    ? `/cases/${item.caseId}`
    : item.opportunityId
      ? `/opportunities/${item.opportunityId}`
      : undefined;
  return { ...rest, date: createdAt, ...(link && { link }) };
};

/** The caller's home-page reminders: unread first, newest first. */
export function inboxRoutes(deps: AppDeps) {
  const router = createRouter();
  const inbox = inboxRepository(deps.store);
  const tags = ['inbox'];

  router.openapi(
    createRoute({
      method: 'get',
      path: '/me/inbox',
      tags,
      summary: "The caller's notifications, unread first then newest first",
      security: bearerSecurity,
      request: { query: InboxQuery },
      responses: {
        200: jsonResponse(pageOf(InboxItemSchema), 'A page of notifications'),
        ...problemResponses(400, 401),
      },
    }),
    async (c) => {
      const caller = c.get('caller');
      const query = c.req.valid('query');
      const unreadOnly = query.unread === 'true';
      const scope = `inbox:${caller.userId}:${unreadOnly}`;
      const page = await inbox.list(caller.userId, deps.cursors.decode(query.cursor, scope), query.limit, unreadOnly);
      return c.json(
        { items: page.items.map(present), nextCursor: deps.cursors.encode(page.lastKey, scope) },
        200,
      ) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/me/inbox/{notificationId}/read',
      tags,
      summary: 'Mark one notification read (repeating it is harmless)',
      security: bearerSecurity,
      request: { params: NotificationParam },
      responses: { 204: { description: 'Read' }, ...problemResponses(401, 404) },
    }),
    async (c) => {
      const caller = c.get('caller');
      const { notificationId } = c.req.valid('param');
      const moved = await inbox.markRead(caller.userId, notificationId, deps.clock());
      if (!moved && !(await inbox.exists(caller.userId, notificationId)))
        throw new NotFoundError('notification', notificationId);
      return c.body(null, 204) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/me/inbox/read-all',
      tags,
      summary: 'Mark every unread notification read',
      security: bearerSecurity,
      responses: {
        200: jsonResponse(z.object({ marked: z.number().int(), more: z.boolean() }), 'How many were marked'),
        ...problemResponses(401),
      },
    }),
    async (c) => {
      const caller = c.get('caller');
      const now = deps.clock();
      let marked = 0;
      // Each pass re-reads the head of the unread range, which shrinks as items move to the read range.
      for (;;) {
        const page = await inbox.list(caller.userId, undefined, 100, true);
        if (page.items.length === 0) return c.json({ marked, more: false }, 200) as never;
        if (marked >= READ_ALL_MAX) return c.json({ marked, more: true }, 200) as never;
        const results = await Promise.all(page.items.map((item) => inbox.markRead(caller.userId, item.id, now)));
        marked += results.filter(Boolean).length;
        if (!results.some(Boolean)) return c.json({ marked, more: false }, 200) as never;
      }
    },
  );

  return router;
}
