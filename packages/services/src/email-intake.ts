import { createHash } from 'node:crypto';
import { excerptOf } from '@cc/core';
import { safeFileName, type AttachmentStore } from '@cc/channels';
import type { InboundEmail } from '@cc/channels/email';
import { caseRepository, emailThreadItem, emailThreadRepository, fingerprintOf, type FollowUp } from '@cc/store';
import type { ContactRecorder, Recorded } from './contact-recorder';
import type { ServiceContext } from './context';
import type { FollowUpService } from './follow-ups';
import { inboundThreads } from './inbound-threads';

export type EmailModule = typeof import('@cc/channels/email');

// Through a variable so bundlers leave it out of the API Lambda (400 KB budget): mailparser is loaded
// only when an email arrives. The email Lambda passes the module it bundles statically instead.
const EMAIL_MODULE = '@cc/channels/email';
const loadEmailModule = () => import(/* @vite-ignore */ EMAIL_MODULE) as Promise<EmailModule>;

export const EMAIL_LIMITS = { maxAttachmentBytes: 5 * 1024 * 1024, maxAttachments: 10 };
/** Mail relays retry for days; remember a Message-ID for a month. */
const KEEP_SECONDS = 30 * 86_400;

export interface EmailReceipt {
  messageId: string;
  contactId: string;
  outcome: 'case_message' | 'new_case' | 'recorded';
  caseId?: string;
}

export interface EmailIntakeDeps {
  recorder: ContactRecorder;
  followUps: FollowUpService;
  /** Where attachments go: a directory locally, S3 in AWS (chosen by the composition root). */
  attachments: AttachmentStore;
  /** The parser; loaded on first use when not given (the email Lambda bundles it statically). */
  emailModule?: EmailModule;
}

/** Inbound email (already authenticated) -> one contact per Message-ID, threaded onto its case or opening one. */
export function emailIntake(ctx: ServiceContext, deps: EmailIntakeDeps) {
  const { recorder, followUps: caseWork } = deps;
  const cases = caseRepository(ctx.store);
  const threads = emailThreadRepository(ctx.store);
  const caseFor = inboundThreads(ctx);

  /** The case a message belongs to: the reference in its subject, else the thread its In-Reply-To/References name. */
  async function threadOf(
    mail: InboundEmail,
    extractCaseReference: EmailModule['extractCaseReference'],
  ): Promise<string | undefined> {
    const reference = extractCaseReference(mail.subject);
    if (reference) {
      const c = await cases.get(reference);
      if (c && !c.deleted) return c.id;
    }
    const ids = [...new Set([mail.inReplyTo, ...mail.references].filter((id): id is string => !!id))].slice(-50);
    if (!ids.length) return undefined;
    const found = await threads.casesOf(ids);
    // Prefer the direct parent, then the newest reference.
    return [mail.inReplyTo, ...[...mail.references].reverse()]
      .map((id) => (id ? found.get(id) : undefined))
      .find(Boolean);
  }

  async function storeAttachments(mail: InboundEmail) {
    const folder = createHash('sha256').update(mail.messageId).digest('hex').slice(0, 32);
    return Promise.all(
      mail.attachments.map(async (a, i) => ({
        filename: a.filename,
        contentType: a.contentType,
        size: a.size,
        location: await deps.attachments.put(
          `${folder}/${i + 1}-${safeFileName(a.filename)}`,
          a.content,
          a.contentType,
        ),
      })),
    );
  }

  async function receive(raw: Buffer): Promise<Recorded<EmailReceipt>> {
    const email = deps.emailModule ?? (await loadEmailModule());
    const mail = await email.parseInboundEmail(raw, EMAIL_LIMITS);
    const now = ctx.clock();
    const expiresAt = Math.floor(now.getTime() / 1000) + KEEP_SECONDS;
    const claim = { scope: 'email', key: mail.messageId, fingerprint: fingerprintOf(mail.messageId), expiresAt };

    const resolved = await recorder.resolveSender('email', mail.from.address);
    const automated = mail.autoSubmitted || mail.isBounce;
    // No case named: a known customer's email joins their case as an SMS would, else it opens one.
    const caseId =
      (await threadOf(mail, email.extractCaseReference)) ??
      (resolved?.customerId && !automated ? await caseFor(resolved.customerId, 'email') : undefined);
    const text = email.stripQuotedReply(mail.text) || mail.text;
    const outcome: EmailReceipt['outcome'] = automated ? 'recorded' : caseId ? 'case_message' : 'new_case';
    const occurredAt = now.toISOString();
    let followUp: FollowUp | undefined;

    const recorded = await recorder.record<EmailReceipt>(
      {
        customerId: resolved?.customerId ?? null,
        sender: resolved?.sender ?? { kind: 'email', value: mail.from.address },
        channel: 'email',
        direction: 'inbound',
        occurredAt,
        actor: { kind: 'customer', channel: 'email' },
        summary:
          `${mail.isBounce ? 'Bounce' : mail.autoSubmitted ? 'Auto-reply' : 'Email'}: ` +
          `${excerptOf(mail.subject || '(no subject)', 120)}`,
        links: caseId ? { caseId } : {},
        details: {
          messageId: mail.messageId,
          subject: mail.subject,
          from: mail.from,
          to: mail.to,
          ...(mail.cc.length && { cc: mail.cc }),
          sentAt: mail.date,
          text: excerptOf(text, 4000),
          ...(automated && { automated: mail.isBounce ? 'bounce' : 'auto_reply' }),
          ...(mail.rejectedAttachments.length && { rejectedAttachments: mail.rejectedAttachments }),
        },
      },
      {
        claim,
        // Relays redeliver for days: a message already recorded is answered without storing anything again.
        replayFirst: true,
        // A reply on a case keeps the thread: later replies to this message find the case by In-Reply-To.
        extra: async (entry) => {
          entry.details = { ...entry.details, attachments: await storeAttachments(mail) };
          const thread = caseId ? [emailThreadItem(ctx.store, mail.messageId, caseId, expiresAt)] : [];
          if (outcome === 'recorded') return thread;
          // The case work follows the contact's commit, as a follow-up written with it.
          const planned = caseWork.plan(
            outcome === 'case_message'
              ? {
                  kind: 'case_message',
                  caseId: caseId!,
                  channel: 'email',
                  text,
                  externalId: mail.messageId,
                  contactId: entry.id,
                }
              : {
                  kind: 'case_from_email',
                  messageId: mail.messageId,
                  customerId: resolved?.customerId ?? null,
                  from: mail.from.address,
                  subject: mail.subject,
                  text,
                  threadExpiresAt: expiresAt,
                },
          );
          followUp = planned.followUp;
          return [...thread, planned.item];
        },
        respond: (entry) => ({
          status: 200,
          body: { messageId: mail.messageId, contactId: entry.id, outcome, ...(caseId && { caseId }) },
        }),
      },
    );
    if (recorded.replayed || !recorded.entry) return recorded;

    // Only the delivery that won the Message-ID claim wrote the follow-up, so duplicates never touch the case twice.
    if (followUp) await caseWork.run(followUp);
    return recorded;
  }

  return { receive };
}
export type EmailIntake = ReturnType<typeof emailIntake>;
