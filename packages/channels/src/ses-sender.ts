import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { PermanentDeliveryError, type CustomerMessage, type MessageSender } from '@cc/core';
import { headerSafe } from './customer-templates';

export interface SesSenderSettings {
  /** The verified sender, e.g. "Customer Care <care@bank.example>". */
  from: string;
  /** Where customers' replies go (the address SES receives for the email intake). */
  replyTo?: string;
  configurationSet?: string;
  /** The client's region: SES names the messages it sends <MessageId>@<region>.amazonses.com (us-east-1: email.). */
  region: string;
}

/** SES refusals that will not change on retry: the message or the sender is wrong. */
const PERMANENT = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'BadRequestException',
  'NotFoundException',
]);

/**
 * Email through SES v2 SendEmail (simple content). SES sets the Message-ID itself, so the one the customer's
 * client will answer to is returned as `messageIdHeader`; In-Reply-To and References thread the message.
 */
export function sesEmailSender(client: Pick<SESv2Client, 'send'>, settings: SesSenderSettings): MessageSender {
  const domain = settings.region === 'us-east-1' ? 'email.amazonses.com' : `${settings.region}.amazonses.com`;
  return {
    name: 'ses',
    async send(message: CustomerMessage) {
      if (message.channel !== 'email') throw new PermanentDeliveryError(`ses sends email, not ${message.channel}`);
      const threading = message.email;
      const headers = [
        ...(threading?.inReplyTo ? [{ Name: 'In-Reply-To', Value: headerSafe(threading.inReplyTo, 998) }] : []),
        ...(threading?.references?.length
          ? [{ Name: 'References', Value: headerSafe(threading.references.join(' '), 998) }]
          : []),
      ];
      try {
        const result = await client.send(
          new SendEmailCommand({
            FromEmailAddress: settings.from,
            Destination: { ToAddresses: [message.to] },
            ...(settings.replyTo && { ReplyToAddresses: [settings.replyTo] }),
            ...(settings.configurationSet && { ConfigurationSetName: settings.configurationSet }),
            Content: {
              Simple: {
                Subject: { Data: headerSafe(message.subject ?? ''), Charset: 'UTF-8' },
                Body: { Text: { Data: message.text, Charset: 'UTF-8' } },
                ...(headers.length && { Headers: headers }),
              },
            },
          }),
        );
        if (!result.MessageId) throw new Error('ses answered without a MessageId');
        return { providerMessageId: result.MessageId, messageIdHeader: `<${result.MessageId}@${domain}>` };
      } catch (error) {
        const name = (error as { name?: string }).name ?? '';
        if (PERMANENT.has(name)) throw new PermanentDeliveryError(`ses refused: ${name}: ${(error as Error).message}`);
        throw error;
      }
    },
  };
}
