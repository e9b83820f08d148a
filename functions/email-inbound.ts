import { randomBytes } from 'node:crypto';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SESEvent } from 'aws-lambda';
import { appConfigSchema, composeDeps, emailIntake, parseEnv } from '@cc/api';
import * as emailModule from '@cc/channels/email';
import { s3AttachmentStore } from '@cc/channels/s3';
import * as z from 'zod';

// SES stored the raw message at inbound/<messageId> and invokes us asynchronously: the same intake
// service as POST /webhooks/email, with S3 for attachments. Composition happens once per container.
const config = parseEnv(appConfigSchema.extend({ NOTIFICATION_QUEUE_URL: z.string().min(1), RAW_MAIL_BUCKET: z.string().min(3), ATTACHMENTS_BUCKET: z.string().min(3) }), process.env);
// No HTTP here: the token verifier and cursors are never used, so they get throwaway settings.
const deps = composeDeps(config, { jwks: { keys: [] }, cursorSecret: randomBytes(32).toString('hex'), queueUrl: config.NOTIFICATION_QUEUE_URL });
const s3 = new S3Client({});
const intake = emailIntake(deps, { attachments: s3AttachmentStore(s3, config.ATTACHMENTS_BUCKET), emailModule });

export const handler = async (event: SESEvent): Promise<void> => {
  for (const record of event.Records) {
    const { mail, receipt } = record.ses;
    // SES scanned the message: spam or a virus is logged and dropped, never recorded as a contact.
    if (receipt.spamVerdict.status === 'FAIL' || receipt.virusVerdict.status === 'FAIL') {
      deps.log.warn('inbound email rejected by SES verdicts', { sesMessageId: mail.messageId, spam: receipt.spamVerdict.status, virus: receipt.virusVerdict.status });
      continue;
    }
    const object = await s3.send(new GetObjectCommand({ Bucket: config.RAW_MAIL_BUCKET, Key: `inbound/${mail.messageId}` }));
    const raw = Buffer.from(await object.Body!.transformToByteArray());
    // Errors propagate: the asynchronous invocation is retried, and the Message-ID claim makes retries safe.
    const recorded = await intake.receive(raw);
    deps.log.info('inbound email recorded', { sesMessageId: mail.messageId, ...recorded.response.body, replayed: recorded.replayed });
  }
};
