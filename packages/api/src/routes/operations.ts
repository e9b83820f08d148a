import * as z from 'zod/mini';
import { withMeta } from '@cc/core';
import type { StaffServices } from '@cc/services';
import { route, type Route } from '../http/route';

const StuckWork = withMeta(
  z.object({
    failedFollowUps: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        createdAt: z.string(),
        attempts: z.int(),
        lastError: z.optional(z.string()),
        caseId: z.optional(z.string()),
        messageId: z.optional(z.string()),
        customerId: z.optional(z.string()),
        userIds: z.optional(z.array(z.string())),
      }),
    ),
    undeliverableNotifications: z.array(
      z.object({
        id: z.string(),
        recipientId: z.string(),
        kind: z.string(),
        title: z.string(),
        createdAt: z.string(),
        attempts: z.int(),
        lastError: z.optional(z.string()),
      }),
    ),
    undeliverableCustomerMessages: z.array(
      z.object({
        id: z.string(),
        caseId: z.string(),
        purpose: z.string(),
        channel: z.string(),
        createdAt: z.string(),
        attempts: z.int(),
        lastError: z.optional(z.string()),
      }),
    ),
  }),
  { id: 'StuckWork' },
);

/** What the system gave up on after its retries, for an administrator to look into (oldest first). */
export const operationsRoutes = (s: StaffServices): Route[] => [
  route(
    {
      operationId: 'listStuckWork',
      method: 'get',
      path: '/ops/stuck',
      tags: ['system'],
      summary: 'Case follow-ups parked as failed and notifications no channel would take (admins)',
      auth: 'bearer',
      responses: { 200: { description: 'Work given up on', json: StuckWork } },
      errors: [401, 403],
    },
    async ({ caller }) => ({ status: 200, body: await s.operations.stuckWork(caller) }),
  ),
];
