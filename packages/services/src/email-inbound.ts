import type { SESEvent } from 'aws-lambda';
import type { Logger } from '@cc/core';
import type { EmailIntake } from './email-intake';

export interface SesInboundDeps {
  intake: EmailIntake;
  /** The raw message SES stored for this SES message id (S3 in AWS). */
  readRawMail: (sesMessageId: string) => Promise<Buffer>;
  log: Logger;
}

/**
 * SES stored the raw message and invokes this asynchronously: the same intake service as
 * POST /webhooks/email. Errors propagate, so the invocation is retried; the Message-ID claim makes
 * retries safe.
 */
export function sesInboundHandler(deps: SesInboundDeps) {
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
      // SES checked the sender: the verdicts are recorded, and a failing one keeps the mail off every case.
      const verdicts = {
        spf: receipt.spfVerdict?.status,
        dkim: receipt.dkimVerdict?.status,
        dmarc: receipt.dmarcVerdict?.status,
      };
      const recorded = await deps.intake.receive(await deps.readRawMail(mail.messageId), { verdicts });
      deps.log.info('inbound email recorded', {
        sesMessageId: mail.messageId,
        ...recorded.response.body,
        replayed: recorded.replayed,
      });
    }
  };
}
