import * as z from 'zod/mini';
import { integerText, parseEnv } from '@cc/core';
import { budgets } from '@cc/core/budgets';
import { composeSweeper, connectAws, serviceSettingsSchema, withDeadline } from '@cc/services';

// Composition happens once per container, outside the handler.
const config = parseEnv(
  z.extend(serviceSettingsSchema, {
    NOTIFICATION_QUEUE_URL: z.string().check(z.minLength(1)),
    /** A notification still pending this long after it was written is re-published. */
    SWEEP_GRACE_SECONDS: z._default(integerText(0), 60),
  }),
  process.env,
);
// Only the sweeper's own work (the case work its follow-ups do), not every service.
const sweeper = composeSweeper(
  connectAws(config, config.NOTIFICATION_QUEUE_URL, { budget: budgets.sweeper, adaptiveRetry: true }),
  config,
);

/** Runs every minute (EventBridge): the sweeper's jobs (services/sweeper.ts). */
export const handler = async () =>
  withDeadline(budgets.sweeper.deadlineMs, () => sweeper.runOnce(config.SWEEP_GRACE_SECONDS * 1000));
