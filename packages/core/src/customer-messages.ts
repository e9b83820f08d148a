import type { ContactPurpose, MessageChannel } from './contact-guard';
import type { Locale } from './locales';

/** What a message to a customer is for: the guard's purposes less the call. */
export type MessagePurpose = Exclude<ContactPurpose, 'call'>;

/** Email threading headers: our Message-ID, and the message it answers. */
export interface EmailThreading {
  messageId: string;
  inReplyTo?: string;
  references?: string[];
}

/**
 * A message to a customer, rendered when it is decided (in the transaction of its cause) and delivered later by the
 * notifier through the customer's channel. `sendAfter`: held until then (quiet hours).
 */
export interface CustomerMessage {
  id: string;
  purpose: MessagePurpose;
  channel: MessageChannel;
  /** E.164 phone or email address. */
  to: string;
  customerId: string | null;
  caseId: string;
  locale: Locale;
  /** Email only; already free of line breaks and control characters. */
  subject?: string;
  text: string;
  email?: EmailThreading;
  sendAfter?: string;
  createdAt: string;
}

/** Sends one message by one provider; throws when the provider refused it. */
export interface MessageSender {
  /** Recorded on the delivery record, e.g. `twilio`, `ses`, `outbox:sms`. */
  readonly name: string;
  send(message: CustomerMessage): Promise<SentMessage>;
}

export interface SentMessage {
  /** The provider's id for the message (Twilio's SM…, SES's MessageId). */
  providerMessageId: string;
  /** The Message-ID header the recipient's mail client sees, when the provider set its own. */
  messageIdHeader?: string;
}

/** A provider answer that will not change on retry (bad number, unsubscribed recipient): give up at once. */
export class PermanentDeliveryError extends Error {
  readonly permanent = true;
}
