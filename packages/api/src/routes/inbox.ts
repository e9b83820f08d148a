import * as z from 'zod/mini';
import { identifier, notificationKinds, type Notification, withMeta } from '@cc/core';
import type { StaffServices } from '@cc/services';
import type { HttpDeps } from '../http/env';
import { route, type Route } from '../http/route';
import { CursorQuery, pageOf } from '../schemas';

export const InboxItemSchema = withMeta(
  z.object({
    id: z.string(),
    kind: z.enum(notificationKinds),
    title: z.string(),
    excerpt: withMeta(z.string(), { description: 'Content excerpt (at most 280 characters)' }),
    date: withMeta(z.string(), {
      description: 'When what it reports happened (an imported case: its original date), else when it was raised',
    }),
    customerId: z.optional(z.string()),
    customerNumber: z.optional(z.string()),
    customerName: z.optional(z.string()),
    caseId: z.optional(z.string()),
    caseIds: withMeta(z.optional(z.array(z.string())), {
      description: 'Several cases (cases that moved with a customer)',
    }),
    opportunityId: z.optional(z.string()),
    link: withMeta(z.optional(z.string()), { description: 'API path of what the notification is about' }),
    read: z.boolean(),
    readAt: z.optional(z.string()),
  }),
  { id: 'InboxItem' },
);

const InboxQuery = z.extend(CursorQuery, { unread: z.optional(z.enum(['true', 'false'])) });
const NotificationParam = z.object({ notificationId: identifier(40) });

/** An inbox item as the home page shows it: its date, and a link to what it is about. */
function present(item: Notification & { read: boolean; readAt?: string }) {
  const { recipientId: _r, createdAt, occurredAt, ...rest } = item;
  const link = item.caseId
    ? `/cases/${item.caseId}`
    : item.opportunityId
      ? `/opportunities/${item.opportunityId}`
      : undefined;
  return { ...rest, date: occurredAt ?? createdAt, ...(link && { link }) };
}

const tags = ['inbox'];

/** The caller's home-page reminders: unread first, newest first. */
export const inboxRoutes = (s: StaffServices, http: HttpDeps): Route[] => [
  route(
    {
      operationId: 'listMyInbox',
      method: 'get',
      path: '/me/inbox',
      tags,
      summary: "The caller's notifications, unread first then newest first",
      auth: 'bearer',
      query: InboxQuery,
      responses: { 200: { description: 'A page of notifications', json: pageOf(InboxItemSchema) } },
      errors: [400, 401],
    },
    async ({ caller, query }) => {
      const unreadOnly = query.unread === 'true';
      const scope = `inbox:${caller.userId}:${unreadOnly}`;
      const page = await http.cursors.page(query.cursor, scope, (from) =>
        s.inbox.list(caller, unreadOnly, from, query.limit),
      );
      return { status: 200, body: { ...page, items: page.items.map(present) } };
    },
  ),

  route(
    {
      operationId: 'markInboxItemRead',
      method: 'post',
      path: '/me/inbox/{notificationId}/read',
      tags,
      summary: 'Mark one notification read (repeating it is harmless)',
      auth: 'bearer',
      params: NotificationParam,
      responses: { 204: { description: 'Read' } },
      errors: [400, 401, 404],
    },
    async ({ caller, params }) => {
      await s.inbox.markRead(caller, params.notificationId);
      return { status: 204 };
    },
  ),

  route(
    {
      operationId: 'markInboxRead',
      method: 'post',
      path: '/me/inbox/read-all',
      tags,
      summary: 'Mark every unread notification read',
      auth: 'bearer',
      responses: {
        200: {
          description: 'How many were marked',
          json: z.object({ marked: z.int(), more: z.boolean() }),
        },
      },
      errors: [401],
    },
    async ({ caller }) => ({ status: 200, body: await s.inbox.markAllRead(caller) }),
  ),
];
