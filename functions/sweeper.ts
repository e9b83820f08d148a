import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { appConfigSchema, composeDeps, parseEnv, sweepOnce } from '@cc/api';

// Composition happens once per container, outside the handler.
const config = parseEnv(
  appConfigSchema.extend({
    NOTIFICATION_QUEUE_URL: z.string().min(1),
    /** A notification still pending this long after it was written is re-published. */
    SWEEP_GRACE_SECONDS: z.coerce.number().int().min(0).default(60),
  }),
  process.env,
);
const deps = composeDeps(config, {
  // The sweeper verifies no tokens and issues no cursors: an empty key set and a throwaway secret.
  jwks: { keys: [] },
  cursorSecret: randomBytes(32).toString('base64url'),
  queueUrl: config.NOTIFICATION_QUEUE_URL,
});

/** Runs every minute (EventBridge): re-publishes undelivered notifications, does due case follow-ups, reports overdue first responses and next steps. */
export const handler = async () => sweepOnce(deps, config.SWEEP_GRACE_SECONDS * 1000);
