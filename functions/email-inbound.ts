import { randomBytes } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { appConfigSchema, composeDeps, parseEnv } from '@cc/api';
import { emailInboundHandler } from '@cc/api/email-inbound';
import * as emailModule from '@cc/channels/email';
import * as z from 'zod';

// Composition happens once per container, outside the handler.
const config = parseEnv(
  appConfigSchema.extend({
    NOTIFICATION_QUEUE_URL: z.string().min(1),
    RAW_MAIL_BUCKET: z.string().min(3),
    ATTACHMENTS_BUCKET: z.string().min(3),
  }),
  process.env,
);
// No HTTP here: the token verifier and cursors are never used, so they get throwaway settings.
const deps = composeDeps(config, {
  jwks: { keys: [] },
  cursorSecret: randomBytes(32).toString('hex'),
  queueUrl: config.NOTIFICATION_QUEUE_URL,
});

export const handler = emailInboundHandler(deps, {
  s3: new S3Client({}),
  rawMailBucket: config.RAW_MAIL_BUCKET,
  attachmentsBucket: config.ATTACHMENTS_BUCKET,
  emailModule,
});
