import { handle } from 'hono/aws-lambda';
import { createPublicApp, publicHttpDeps, publicLambdaConfigSchema } from '@cc/api';
import { composePublicEdge } from '@cc/services';
import { httpHost } from './shared/http-base';

/*
 * The public edge: the complaint form and its status page, and the provider webhooks (Twilio SMS), behind the same
 * HTTP API as the staff's functions/api.ts but with its own concurrency cap, role and cold start. It composes only
 * the intake services those routes run, and no token verifier, cursors or console. Once per container, on import.
 */
const { config, aws, secret, readSecrets, base } = httpHost(publicLambdaConfigSchema);
// No attachment store: in AWS, email arrives through SES and the email function (functions/email-inbound.ts),
// so this app does not serve the local relay's /webhooks/email.
const services = composePublicEdge(aws, config);

const twilio = config.CHANNEL_SECRETS_ARN
  ? secret(config.CHANNEL_SECRETS_ARN, 'twilioAuthToken', ['AWSCURRENT'])
  : undefined;
await readSecrets(twilio);

export const handler = handle(
  createPublicApp(
    services,
    publicHttpDeps(config, {
      ...base,
      // The Twilio token is issued by Twilio and changed by hand (docs/operations.md): asked on every webhook request,
      // re-read every 5 minutes. While it is the deploy's placeholder the webhook stays closed.
      twilioAuthToken: twilio && (() => twilio.peek()[0]),
    }),
  ),
);
