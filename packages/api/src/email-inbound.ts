import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SESEvent } from 'aws-lambda';
import type { EmailModule } from './services/email-intake';
import { emailIntake } from './services/email-intake';
import type { AppDeps } from './deps';
import { s3AttachmentStore } from '@cc/channels/s3';

export interface EmailInboundOptions {
  s3: S3Client;
  /** Where the SES receipt rule stores raw mail, under `inbound/<SES message id>`. */
  rawMailBucket: string;
  attachmentsBucket: string;
  emailModule: EmailModule;
}

/**
 * SES stored the raw message in S3 and invokes this asynchronously: the same intake service as
 * POST /webhooks/email, with S3 for attachments. Errors propagate, so the invocation is retried;
 * the Message-ID claim makes retries safe.
 */
export function emailInboundHandler(deps: AppDeps, options: EmailInboundOptions) {
  const intake = emailIntake(deps, {
    attachments: s3AttachmentStore(options.s3, options.attachmentsBucket),
    emailModule: options.emailModule,
  });
  return async (event: SESEvent): Promise<void> => {
    for (const record of event.Records) {
      const { mail, receipt } = record.ses;
      // SES scanned the message: spam or a virus is logged and dropped, never recorded as a contact.
      if (receipt.spamVerdict.status === 'FAIL' || receipt.virusVerdict.status === 'FAIL') {
        deps.log.warn('inbound email rejected by SES verdicts', {
          sesMessageId: mail.messageId,
          spam: receipt.spamVerdict.status,
          virus: receipt.virusVerdict.status,
        });
        continue;
      }
      const object = await options.s3.send(
        new GetObjectCommand({ Bucket: options.rawMailBucket, Key: `inbound/${mail.messageId}` }),
      );
      const raw = Buffer.from(await object.Body!.transformToByteArray());
      const recorded = await intake.receive(raw);
      deps.log.info('inbound email recorded', {
        sesMessageId: mail.messageId,
        ...recorded.response.body,
        replayed: recorded.replayed,
      });
    }
  };
}
