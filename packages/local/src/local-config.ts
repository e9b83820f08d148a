import { resolve } from 'node:path';
import * as z from 'zod';
import { appConfigSchema } from '@cc/api';

const port = z.coerce.number().int().min(1).max(65535);

/** The local runtime's settings on top of the app's; all from the environment, all optional. */
export const localConfigSchema = appConfigSchema.extend({
  PORT: port.default(3000),
  DATA_DIR: z
    .string()
    .min(1)
    .default('.data')
    .transform((p) => resolve(p)),
  DYNAMODB_PORT: port.default(8000),
  SQS_PORT: port.default(9324),
  AWS_ENDPOINT_URL_DYNAMODB: z.string().url().optional(),
  AWS_ENDPOINT_URL_SQS: z.string().url().optional(),
  AWS_REGION: z.string().default('us-east-1'),
  /** Sweeper period: re-publish notifications still undelivered after this long. */
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(15_000),
});
export type LocalConfig = z.infer<typeof localConfigSchema>;
