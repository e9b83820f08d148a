import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { getConnInfo } from 'hono/aws-lambda';
import { ConfigError, parseEnv } from '@cc/core';
import { budgets } from '@cc/core/budgets';
import { httpDeps, lambdaConfigSchema } from '@cc/api';
import { originVerifier, refreshingSecret, type RefreshingSecret } from '@cc/channels';
import { secretsManagerReader, type SecretStage } from '@cc/channels/secrets-aws';
import { REFERENCE_SCRIPT_FILE } from '@cc/api/reference';
import { composeServices, connectAws } from '@cc/services';

/*
 * The composition root both HTTP functions share (api.ts serves the JSON API, console.ts the staff console, behind
 * the same HTTP API): configuration, clients, services, secrets and what HTTP needs. It runs once per container, on
 * import, outside the handler.
 */
const config = parseEnv(lambdaConfigSchema, process.env);
const aws = connectAws(config, config.NOTIFICATION_QUEUE_URL, { budget: budgets.api });
// No attachment store: in AWS, email arrives through SES and the email function (functions/email-inbound.ts),
// so this app does not serve the local relay's /webhooks/email.
export const services = composeServices(aws, config);

// Secrets are read by ARN at start and again every 5 minutes, so a rotation needs no deploy; the environment's
// copies (resolved by CloudFormation at deploy) are only the fallback when an ARN is not given.
const secretsManager = new SecretsManagerClient({});
const secret = (arn: string, jsonKey: string, stages: SecretStage[]): RefreshingSecret =>
  refreshingSecret(secretsManagerReader(secretsManager, arn, jsonKey, stages), {
    onError: (error) => aws.log.warn('secret refresh failed; keeping the values read before', { arn, error }),
  });
const fixed = (value: string | undefined) => (value ? () => [value] : undefined);

const cursorKeys = config.CURSOR_SECRET_ARN
  ? secret(config.CURSOR_SECRET_ARN, 'cursorSecret', ['AWSCURRENT', 'AWSPREVIOUS'])
  : undefined;
const twilio = config.CHANNEL_SECRETS_ARN
  ? secret(config.CHANNEL_SECRETS_ARN, 'twilioAuthToken', ['AWSCURRENT'])
  : undefined;
const origin = config.ORIGIN_VERIFY_SECRET_ARN
  ? secret(config.ORIGIN_VERIFY_SECRET_ARN, 'headerValue', ['AWSCURRENT', 'AWSPENDING', 'AWSPREVIOUS'])
  : undefined;
// Read once before the first request: a secret that cannot be read stops the container with the reason logged.
await Promise.all([cursorKeys, twilio, origin].map((s) => s?.get()));

const cursorSecret = (cursorKeys && (() => cursorKeys.peek())) ?? fixed(config.CURSOR_SECRET);
if (!cursorSecret) throw new ConfigError('Set CURSOR_SECRET_ARN (or CURSOR_SECRET) for pagination cursors');

export const http = httpDeps(config, {
  jwks: new URL(config.AUTH_JWKS_URL),
  directory: services.staff,
  cursorSecret,
  // The Twilio token is issued by Twilio and changed by hand (docs/operations.md): asked on every webhook request,
  // re-read every 5 minutes. While it is the deploy's placeholder the webhook stays closed.
  twilioAuthToken: twilio && (() => twilio.peek()[0]),
  health: aws.probes,
  log: aws.log,
  connInfo: getConnInfo,
  originVerifier: origin && originVerifier(origin),
  // Shipped beside the bundle by the stack (infra/constructs/api.ts), read when first asked for: the document and
  // the reference script beside the API's, htmx beside the console's.
  openApiFile: new URL('./openapi.json', import.meta.url),
  htmxFile: new URL('./htmx.min.js', import.meta.url),
  referenceScriptFile: new URL(`./${REFERENCE_SCRIPT_FILE}`, import.meta.url),
});
