import { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { parseEnv } from '@cc/core';
import * as emailModule from '@cc/channels/email';
import { s3AttachmentStore, s3RawMailReader } from '@cc/channels/s3';
import { composeServices, connectAws, serviceSettingsSchema } from '@cc/services';
import { sesInboundHandler } from '@cc/services/email-inbound';

// Composition happens once per container, outside the handler.
const config = parseEnv(
  serviceSettingsSchema.extend({
    NOTIFICATION_QUEUE_URL: z.string().min(1),
    RAW_MAIL_BUCKET: z.string().min(3),
    ATTACHMENTS_BUCKET: z.string().min(3),
    /** Path-style S3 addressing, for S3-compatible stores and emulators (AWS itself needs none). */
    S3_FORCE_PATH_STYLE: z.stringbool().default(false),
  }),
  process.env,
);
const s3 = new S3Client({ forcePathStyle: config.S3_FORCE_PATH_STYLE });
const aws = connectAws(config, config.NOTIFICATION_QUEUE_URL);
const services = composeServices(
  { ...aws, attachments: s3AttachmentStore(s3, config.ATTACHMENTS_BUCKET), emailModule },
  config,
);

export const handler = sesInboundHandler({
  intake: services.email,
  readRawMail: s3RawMailReader(s3, config.RAW_MAIL_BUCKET),
  log: aws.log,
});
