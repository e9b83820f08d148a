import { createHash } from 'node:crypto';
import { excerptOf, publicReferencesIn, type Case } from '@cc/core';
import { safeFileName, type AttachmentStore } from '@cc/channels';
import type { InboundEmail } from '@cc/channels/email';
import {
  caseRepository,
  customerRepository,
  emailThreadItem,
  emailThreadRepository,
  fingerprintOf,
  type FollowUp,
} from '@cc/store';
import type { ContactRecorder, Recorded } from './contact-recorder';
import type { ServiceContext } from './context';
import type { FollowUpService } from './follow-ups';
import { inboundThreads } from './inbound-threads';

export type EmailModule = typeof import('@cc/channels/email');

// Through a variable so bundlers leave it out of the API Lambda (400 KB budget): the mail parser is loaded
// only when an email arrives. The email Lambda passes the module it bundles statically instead.
const EMAIL_MODULE = '@cc/channels/email';
const loadEmailModule = () => import(/* @vite-ignore */ EMAIL_MODULE) as Promise<EmailModule>;

export const EMAIL_LIMITS = { maxAttachmentBytes: 5 * 1024 * 1024, maxAttachments: 10 };
/** Mail relays retry for days; remember a Message-ID for a month. */
const KEEP_SECONDS = 30 * 86_400;

/** What SES concluded about the sender (receipt.spfVerdict etc.): PASS, FAIL, GRAY or PROCESSING_FAILED. */
export interface EmailVerdicts {
  spf?: string;
  dkim?: string;
  dmarc?: string;
}

/** A verdict that says the sender is forged: such mail is kept, but never threaded or given to a customer. */
const failing = (verdicts: EmailVerdicts | undefined) =>
  !!verdicts && [verdicts.spf, verdicts.dkim, verdicts.dmarc].some((v) => v?.toUpperCase() === 'FAIL');

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
  const profiles = customerRepository(ctx.store);
  const threads = emailThreadRepository(ctx.store);
  const caseFor = inboundThreads(ctx);

  /**
   * The customer an email is from: the one whose *verified* contact point its From address is, unless SES says the
   * sender is forged. Anything else stays an unidentified contact (agents may attach it), since a From line costs
   * nothing to write.
   */
  async function senderCustomer(address: string, verdicts: EmailVerdicts | undefined): Promise<string | null> {
    if (failing(verdicts)) return null;
    const resolved = await recorder.resolveSender('email', address);
    const customer = resolved?.customerId ? await profiles.get(resolved.customerId) : undefined;
    const verified = customer?.contactPoints.some(
      (p) => p.kind === 'email' && p.value === resolved!.sender.value && p.verified,
    );
    return customer && customer.status !== 'merged' && verified ? customer.id : null;
  }

  /**
   * The live cases a message names: the references in its subject (the customer's public reference, or staff's case
   * id), then the thread its In-Reply-To/References name (the direct parent first, then the newest).
   */
  async function namedCases(mail: InboundEmail, extractCaseReference: EmailModule['extractCaseReference']) {
    const bySubject = [
      ...(await Promise.all(publicReferencesIn(mail.subject).map((r) => cases.idByPublicReference(r)))),
      extractCaseReference(mail.subject),
    ];
    const ids = [...new Set([mail.inReplyTo, ...mail.references].filter((id): id is string => !!id))].slice(-50);
    const found = ids.length ? await threads.casesOf(ids) : new Map<string, string>();
    const byThread = [mail.inReplyTo, ...[...mail.references].reverse()].map((id) => (id ? found.get(id) : undefined));
    const named = [...new Set([...bySubject, ...byThread].filter((id): id is string => !!id))].slice(0, 10);
    const live = await Promise.all(named.map((id) => cases.get(id)));
    return live.filter((c): c is Case => !!c && !c.deleted);
  }

  /** Attachments are stored under an id derived from the message; the record names the id, never where it lies. */
  async function storeAttachments(mail: InboundEmail) {
    const folder = createHash('sha256').update(mail.messageId).digest('hex').slice(0, 32);
    return Promise.all(
      mail.attachments.map(async (a, i) => {
        const id = `${folder}/${i + 1}-${safeFileName(a.filename)}`;
        await deps.attachments.put(id, a.content, a.contentType);
        return { id, filename: a.filename, contentType: a.contentType, size: a.size };
      }),
    );
  }

  async function receive(raw: Buffer, options: { verdicts?: EmailVerdicts } = {}): Promise<Recorded<EmailReceipt>> {
    const email = deps.emailModule ?? (await loadEmailModule());
    const mail = await email.parseInboundEmail(raw, EMAIL_LIMITS);
    const now = ctx.clock();
    const expiresAt = Math.floor(now.getTime() / 1000) + KEEP_SECONDS;
    const claim = { scope: 'email', key: mail.messageId, fingerprint: fingerprintOf(mail.messageId), expiresAt };

    const { verdicts } = options;
    const [customerId, named] = await Promise.all([
      senderCustomer(mail.from.address, verdicts),
      namedCases(mail, email.extractCaseReference),
    ]);
    const automated = mail.autoSubmitted || mail.isBounce;
    // Only a verified customer threads, and only onto their own case; naming none, their email joins their case as an
    // SMS would (else it opens one).
    const threaded = customerId ? named.find((c) => c.customerId === customerId)?.id : undefined;
    const caseId =
      threaded ?? (customerId && !automated && named.length === 0 ? await caseFor(customerId, 'email') : undefined);
    const text = email.stripQuotedReply(mail.text) || mail.text;
    // Mail that names a case it may not join, or whose sender is forged, is kept for agents and changes no case.
    const untrusted = failing(verdicts) || (named.length > 0 && !caseId);
    const outcome: EmailReceipt['outcome'] = automated || untrusted ? 'recorded' : caseId ? 'case_message' : 'new_case';
    const occurredAt = now.toISOString();
    let followUp: FollowUp | undefined;

    const recorded = await recorder.record<EmailReceipt>(
      {
        customerId,
        sender: { kind: 'email', value: mail.from.address },
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
          ...(verdicts && { authentication: verdicts }),
          ...(untrusted &&
            !automated && { held: failing(verdicts) ? 'sender_failed_checks' : 'not_the_case_customer' }),
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
                  customerId,
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
