import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { budgets, type SdkBudget } from '../ops-budgets';
import { secretRotation } from './secret-rotation';

// Composition once per container. SECRET_JSON_KEY names the rotated key; DISTRIBUTION_ID and
// ORIGIN_VERIFY_HEADER are set only for the origin-verify secret (infra/constructs/secret-rotation.ts).
const env = process.env;
if (!env.SECRET_JSON_KEY) throw new Error('SECRET_JSON_KEY is required');

/** An SDK client held to its budget: per-attempt limits, attempts, and a capped exponential backoff. */
const budgeted = (budget: SdkBudget) => ({
  requestHandler: { connectionTimeout: budget.connectTimeoutMs, requestTimeout: budget.requestTimeoutMs },
  retryStrategy: new ConfiguredRetryStrategy(budget.maxAttempts, (attempt) =>
    Math.min(budget.backoffCapMs, 100 * 2 ** attempt),
  ),
});
const { secretsManager, cloudfront } = budgets.secretRotation.clients;

export const handler = secretRotation({
  secrets: new SecretsManagerClient(budgeted(secretsManager)),
  cloudFront: env.DISTRIBUTION_ID ? new CloudFrontClient(budgeted(cloudfront)) : undefined,
  target: {
    jsonKey: env.SECRET_JSON_KEY,
    length: Number(env.SECRET_LENGTH ?? 48),
    cloudFront: env.DISTRIBUTION_ID
      ? { distributionId: env.DISTRIBUTION_ID, headerName: env.ORIGIN_VERIFY_HEADER ?? 'x-origin-verify' }
      : undefined,
  },
  log: (message, fields) => console.log(JSON.stringify({ time: new Date().toISOString(), message, ...fields })),
});
