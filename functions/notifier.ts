import * as z from 'zod';
import { createLogger } from '@cc/core';
import { awsDeliveryAdapters, notifierHandler } from '@cc/messaging';
import { createDocumentClient } from '@cc/store';

// Composition happens once per container, outside the handler.
const env = z
  .object({
    TABLE_NAME: z.string().min(3),
    LOG_LEVEL: z.enum(['info', 'silent']).default('info'),
    EMAIL_GATEWAY_URL: z.string().url().optional(),
    SMS_GATEWAY_URL: z.string().url().optional(),
    GATEWAY_TOKEN: z.string().min(1).optional(),
  })
  .parse(process.env);
const log = createLogger({ silent: env.LOG_LEVEL === 'silent' });

export const handler = notifierHandler({
  store: { doc: createDocumentClient(), tableName: env.TABLE_NAME },
  adapters: awsDeliveryAdapters(env, log),
  log,
  clock: () => new Date(),
});
