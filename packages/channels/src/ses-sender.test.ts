import { describe, expect, it } from 'vitest';
import { MessageRejected, SendEmailCommand, TooManyRequestsException, type SESv2Client } from '@aws-sdk/client-sesv2';
import { PermanentDeliveryError, type CustomerMessage } from '@cc/core';
import { sesEmailSender } from './ses-sender';

const message: CustomerMessage = {
  id: '01TEST',
  purpose: 'reply',
  channel: 'email',
  to: 'li.na@example.com',
  customerId: 'c1',
  caseId: 'C-2026-000001',
  locale: 'en',
  subject: 'Re: [C-2026-000001] Card blocked',
  text: 'Your card is unblocked.',
  email: { messageId: '<01TEST.C-2026-000001@care.bank.example>', inReplyTo: '<first@mail.example.com>' },
  createdAt: '2026-11-23T00:00:00.000Z',
};

/** SES is not reachable from here: a client that records the command and answers (or fails) as told. */
function client(answer: () => unknown) {
  const sent: SendEmailCommand[] = [];
  return {
    sent,
    client: {
      send: async (command: SendEmailCommand) => {
        sent.push(command);
        return answer();
      },
    } as unknown as Pick<SESv2Client, 'send'>,
  };
}

const settings = { from: 'Customer Care <care@bank.example>', replyTo: 'care@bank.example', region: 'ap-east-1' };

describe('the SES email sender', () => {
  it('sends simple content with the threading headers and returns the Message-ID SES gives it', async () => {
    const ses = client(() => ({ MessageId: '0101abc' }));
    const sent = await sesEmailSender(ses.client, settings).send(message);
    expect(sent).toEqual({ providerMessageId: '0101abc', messageIdHeader: '<0101abc@ap-east-1.amazonses.com>' });
    const input = ses.sent[0]!.input;
    expect(input).toMatchObject({
      FromEmailAddress: settings.from,
      Destination: { ToAddresses: ['li.na@example.com'] },
      ReplyToAddresses: ['care@bank.example'],
      Content: {
        Simple: {
          Subject: { Data: message.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: message.text, Charset: 'UTF-8' } },
          Headers: [{ Name: 'In-Reply-To', Value: '<first@mail.example.com>' }],
        },
      },
    });
  });

  it('never lets a line break into the subject', async () => {
    const ses = client(() => ({ MessageId: 'x' }));
    await sesEmailSender(ses.client, settings).send({ ...message, subject: 'Hello\r\nBcc: all@example.com\u0000' });
    expect(ses.sent[0]!.input.Content?.Simple?.Subject?.Data).toBe('Hello Bcc: all@example.com');
  });

  it('gives up at once when SES rejects the message, and retries when it throttles', async () => {
    const rejected = client(() => {
      throw new MessageRejected({ message: 'Email address is not verified', $metadata: {} });
    });
    await expect(sesEmailSender(rejected.client, settings).send(message)).rejects.toThrow(PermanentDeliveryError);
    const throttled = client(() => {
      throw new TooManyRequestsException({ message: 'slow down', $metadata: {} });
    });
    const error = await sesEmailSender(throttled.client, settings)
      .send(message)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooManyRequestsException);
  });
});
