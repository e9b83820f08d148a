import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { getConnInfo } from 'hono/aws-lambda';
import type * as z from 'zod/mini';
import { parseEnv } from '@cc/core';
import { budgets } from '@cc/core/budgets';
import type { publicLambdaConfigSchema } from '@cc/api';
import { originVerifier, refreshingSecret, type RefreshingSecret } from '@cc/channels';
import { secretsManagerReader, type SecretStage } from '@cc/channels/secrets-aws';
import { connectAws } from '@cc/services';

/**
 * What every HTTP function builds the same way (functions/api.ts and console.ts through ./http-host.ts,
 * functions/public.ts): configuration, clients, the origin check and a reader for its own secrets. Each host reads
 * only the secrets it uses, on import, outside the handler.
 */
export function httpHost<S extends typeof publicLambdaConfigSchema>(schema: S) {
  const config: z.infer<S> = parseEnv(schema, process.env);
  const aws = connectAws(config, config.NOTIFICATION_QUEUE_URL, { budget: budgets.api });

  // Secrets are read by ARN at start and again every 5 minutes, so a rotation needs no deploy; the environment's
  // copies (resolved by CloudFormation at deploy) are only the fallback when an ARN is not given.
  const secretsManager = new SecretsManagerClient({});
  const secret = (arn: string, jsonKey: string, stages: SecretStage[]): RefreshingSecret =>
    refreshingSecret(secretsManagerReader(secretsManager, arn, jsonKey, stages), {
      onError: (error) => aws.log.warn('secret refresh failed; keeping the values read before', { arn, error }),
    });
  const origin = config.ORIGIN_VERIFY_SECRET_ARN
    ? secret(config.ORIGIN_VERIFY_SECRET_ARN, 'headerValue', ['AWSCURRENT', 'AWSPENDING', 'AWSPREVIOUS'])
    : undefined;

  return {
    config,
    aws,
    secret,
    /** Reads the origin check's secret and the host's own before the first request (unreadable: the start fails). */
    readSecrets: (...own: (RefreshingSecret | undefined)[]) => Promise.all([origin, ...own].map((s) => s?.get())),
    /** The HTTP options every part of the app takes. */
    base: { log: aws.log, connInfo: getConnInfo, originVerifier: origin && originVerifier(origin) },
  };
}
