// zod/mini: the same parsing, tree-shaken to what this schema uses (~18 KB instead of ~85 KB in the bundle).
import * as z from 'zod/mini';
import { createLogger } from '@cc/core';
import { budgets } from '@cc/core/budgets';
import { awsDeliveryAdapters, notifierHandler } from '@cc/messaging';
import { correlation } from '@cc/services/correlation';
import { createDocumentClient } from '@cc/store';

// Composition happens once per container, outside the handler.
const env = z
  .object({
    TABLE_NAME: z.string().check(z.minLength(3)),
    LOG_LEVEL: z._default(z.enum(['info', 'silent']), 'info'),
    STAGE: z._default(z.string(), 'local'),
    EMAIL_GATEWAY_URL: z.optional(z.url()),
    SMS_GATEWAY_URL: z.optional(z.url()),
    GATEWAY_TOKEN: z.optional(z.string().check(z.minLength(1))),
  })
  .parse(process.env);
const log = createLogger({ silent: env.LOG_LEVEL === 'silent', stage: env.STAGE, context: correlation.fields });

export const handler = notifierHandler(
  {
    store: {
      doc: createDocumentClient({}, { budget: budgets.notifier.clients.dynamodb, adaptive: true }),
      tableName: env.TABLE_NAME,
    },
    adapters: awsDeliveryAdapters(env, log),
    log,
    clock: () => new Date(),
    within: (id, work) => correlation.run(id, work),
  },
  budgets.notifier.deadlineMs,
);
