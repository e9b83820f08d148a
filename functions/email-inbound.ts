import { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import { parseEnv } from '@cc/core';
import { budgets } from '@cc/core/budgets';
import * as emailModule from '@cc/channels/email';
import { s3AttachmentStore, s3RawMailReader } from '@cc/channels/s3';
import { composeEmailIntake, connectAws, serviceSettingsSchema, withDeadline } from '@cc/services';
import { budgetedClientConfig } from '@cc/store';
import { sesInboundHandler } from '@cc/services/email-inbound';

// Composition happens once per container, outside the handler.
const config = parseEnv(
  z.extend(serviceSettingsSchema, {
    NOTIFICATION_QUEUE_URL: z.string().check(z.minLength(1)),
    RAW_MAIL_BUCKET: z.string().check(z.minLength(3)),
    ATTACHMENTS_BUCKET: z.string().check(z.minLength(3)),
    /** Path-style S3 addressing, for S3-compatible stores and emulators (AWS itself needs none). */
    S3_FORCE_PATH_STYLE: z._default(z.stringbool(), false),
  }),
  process.env,
);
const budget = budgets.emailInbound;
const s3 = new S3Client({ forcePathStyle: config.S3_FORCE_PATH_STYLE, ...budgetedClientConfig(budget.clients.s3) });
const aws = connectAws(config, config.NOTIFICATION_QUEUE_URL, { budget, adaptiveRetry: true });
const intake = composeEmailIntake(
  { ...aws, attachments: s3AttachmentStore(s3, config.ATTACHMENTS_BUCKET), emailModule },
  config,
);

const receive = sesInboundHandler({
  intake,
  readRawMail: s3RawMailReader(s3, config.RAW_MAIL_BUCKET),
  log: aws.log,
});

export const handler: typeof receive = (event) => withDeadline(budget.deadlineMs, () => receive(event));
