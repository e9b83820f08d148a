// zod/mini: the same parsing, tree-shaken to what this schema uses (~18 KB instead of ~85 KB in the bundle).
import * as z from 'zod/mini';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { createLogger } from '@cc/core';
import { budgets } from '@cc/core/budgets';
import { TWILIO_TOKEN_PLACEHOLDER, twilioSmsSender } from '@cc/channels';
import { secretsManagerReader } from '@cc/channels/secrets-aws';
import { sesEmailSender } from '@cc/channels/ses';
import { awsDeliveryAdapters, awsMessageSenders, notifierHandler } from '@cc/messaging';
import { correlation } from '@cc/services/correlation';
import { createDocumentClient } from '@cc/store';

// Composition happens once per container, outside the handler.
const env = z
  .object({
    TABLE_NAME: z.string().check(z.minLength(3)),
    LOG_LEVEL: z._default(z.enum(['info', 'silent']), 'info'),
    AWS_REGION: z._default(z.string(), 'us-east-1'),
    STAGE: z._default(z.string(), 'local'),
    EMAIL_GATEWAY_URL: z.optional(z.url()),
    SMS_GATEWAY_URL: z.optional(z.url()),
    GATEWAY_TOKEN: z.optional(z.string().check(z.minLength(1))),
    // Messages to customers: SMS through Twilio, email through SES, each when configured (else logged).
    TWILIO_ACCOUNT_SID: z.optional(z.string().check(z.minLength(1))),
    TWILIO_FROM: z.optional(z.string().check(z.minLength(1))),
    /** The channel secrets (`twilioAuthToken`), read by ARN when the container starts. */
    CHANNEL_SECRETS_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
    SES_FROM_ADDRESS: z.optional(z.string().check(z.minLength(3))),
    SES_REPLY_TO: z.optional(z.string().check(z.minLength(3))),
    SES_CONFIGURATION_SET: z.optional(z.string().check(z.minLength(1))),
  })
  .parse(process.env);
const log = createLogger({ silent: env.LOG_LEVEL === 'silent', stage: env.STAGE, context: correlation.fields });

const twilioToken = env.CHANNEL_SECRETS_ARN
  ? (
      await secretsManagerReader(new SecretsManagerClient({}), env.CHANNEL_SECRETS_ARN, 'twilioAuthToken', [
        'AWSCURRENT',
      ])()
    )[0]
  : undefined;
if (env.TWILIO_ACCOUNT_SID && twilioToken === TWILIO_TOKEN_PLACEHOLDER) {
  log.error('SMS to customers are not sent: the Twilio auth token is still the placeholder', {
    fix: 'put the auth token from the Twilio console into the ChannelSecrets secret (docs/operations.md)',
  });
}
const twilio =
  env.TWILIO_ACCOUNT_SID && env.TWILIO_FROM && twilioToken && twilioToken !== TWILIO_TOKEN_PLACEHOLDER
    ? twilioSmsSender({ accountSid: env.TWILIO_ACCOUNT_SID, authToken: twilioToken, from: env.TWILIO_FROM })
    : undefined;
const ses = env.SES_FROM_ADDRESS
  ? sesEmailSender(new SESv2Client({ region: env.AWS_REGION, maxAttempts: 2 }), {
      from: env.SES_FROM_ADDRESS,
      replyTo: env.SES_REPLY_TO,
      configurationSet: env.SES_CONFIGURATION_SET,
      region: env.AWS_REGION,
    })
  : undefined;

export const handler = notifierHandler(
  {
    store: {
      doc: createDocumentClient({}, { budget: budgets.notifier.clients.dynamodb, adaptive: true }),
      tableName: env.TABLE_NAME,
    },
    adapters: awsDeliveryAdapters(env, log),
    senders: awsMessageSenders({ sms: twilio, email: ses }, log),
    log,
    clock: () => new Date(),
    within: (id, work) => correlation.run(id, work),
  },
  budgets.notifier.deadlineMs,
);
