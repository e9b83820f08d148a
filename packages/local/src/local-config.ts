import { resolve } from 'node:path';
import * as z from 'zod/mini';
import { integerText } from '@cc/core';
import { appConfigSchema } from '@cc/api';

const port = integerText(1, 65535);

/** The local runtime's settings on top of the app's; all from the environment, all optional. */
export const localConfigSchema = z.extend(appConfigSchema, {
  PORT: z._default(port, 3000),
  DATA_DIR: z.pipe(
    z._default(z.string().check(z.minLength(1)), '.data'),
    z.transform((p) => resolve(p)),
  ),
  DYNAMODB_PORT: z._default(port, 8000),
  SQS_PORT: z._default(port, 9324),
  AWS_ENDPOINT_URL_DYNAMODB: z.optional(z.string().check(z.url())),
  AWS_ENDPOINT_URL_SQS: z.optional(z.string().check(z.url())),
  AWS_REGION: z._default(z.string(), 'us-east-1'),
  /** Sweeper period: re-publish notifications still undelivered after this long. */
  SWEEP_INTERVAL_MS: z._default(integerText(100), 15_000),
});
export type LocalConfig = z.infer<typeof localConfigSchema>;
