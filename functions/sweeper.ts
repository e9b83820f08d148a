import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { createLogger } from '@cc/core';
import { createSqsPublisher, republishUndelivered } from '@cc/messaging';
import { createDocumentClient } from '@cc/store';

// Composition happens once per container, outside the handler.
const env = z
  .object({
    TABLE_NAME: z.string().min(3),
    NOTIFICATION_QUEUE_URL: z.string().min(1),
    LOG_LEVEL: z.enum(['info', 'silent']).default('info'),
    /** A notification still pending this long after it was written is re-published. */
    SWEEP_GRACE_SECONDS: z.coerce.number().int().min(0).default(60),
  })
  .parse(process.env);
const deps = {
  store: { doc: createDocumentClient(), tableName: env.TABLE_NAME },
  publisher: createSqsPublisher(new SQSClient({}), env.NOTIFICATION_QUEUE_URL),
  log: createLogger({ silent: env.LOG_LEVEL === 'silent' }),
  clock: () => new Date(),
};

/** Runs every minute (EventBridge): re-publishes undelivered notifications. */
export const handler = async (): Promise<{ republished: number; failed: number }> => republishUndelivered(deps, { graceMs: env.SWEEP_GRACE_SECONDS * 1000 });
