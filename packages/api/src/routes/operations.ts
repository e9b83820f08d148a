import { createRoute, z } from '@hono/zod-openapi';
import { ForbiddenError } from '@cc/core';
import { followUpRepository, notificationRepository } from '@cc/store';
import type { AppDeps } from '../deps';
import { bearerSecurity, createRouter, problemResponses } from '../openapi';
import { jsonResponse } from '../schemas';

/** How many of each the page shows; more than this means something systematic, which the log names. */
const SHOWN = 100;

const StuckWork = z
  .object({
    failedFollowUps: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        createdAt: z.string(),
        attempts: z.number().int(),
        lastError: z.string().optional(),
        caseId: z.string().optional(),
        messageId: z.string().optional(),
      }),
    ),
    undeliverableNotifications: z.array(
      z.object({
        id: z.string(),
        recipientId: z.string(),
        kind: z.string(),
        title: z.string(),
        createdAt: z.string(),
        attempts: z.number().int(),
        lastError: z.string().optional(),
      }),
    ),
  })
  .openapi('StuckWork');

/** What the system gave up on after its retries, for an administrator to look into (oldest first). */
export function operationsRoutes(deps: AppDeps) {
  const router = createRouter();
  router.openapi(
    createRoute({
      method: 'get',
      path: '/ops/stuck',
      tags: ['system'],
      summary: 'Case follow-ups parked as failed and notifications no channel would take (admins)',
      security: bearerSecurity,
      responses: { 200: jsonResponse(StuckWork, 'Work given up on'), ...problemResponses(401, 403) },
    }),
    async (c) => {
      if (c.get('caller').role !== 'admin')
        throw new ForbiddenError('Only administrators see stuck work', 'auth.forbidden');
      const [followUps, notifications] = await Promise.all([
        followUpRepository(deps.store).failed(SHOWN),
        notificationRepository(deps.store).listUndeliverable(SHOWN),
      ]);
      return c.json(
        {
          failedFollowUps: followUps.map((f) => ({
            id: f.id,
            kind: f.kind,
            createdAt: f.createdAt,
            attempts: f.attempts,
            ...(f.lastError && { lastError: f.lastError }),
            ...(f.kind === 'case_message' ? { caseId: f.caseId } : { messageId: f.messageId }),
          })),
          undeliverableNotifications: notifications.map((r) => ({
            id: r.notification.id,
            recipientId: r.notification.recipientId,
            kind: r.notification.kind,
            title: r.notification.title,
            createdAt: r.notification.createdAt,
            attempts: r.attempts,
            ...(r.lastError && { lastError: r.lastError }),
          })),
        },
        200,
      );
    },
  );
  return router;
}
