import { createHash } from 'node:crypto';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { excerptOf } from '@cc/core';
import { safeFileName, type AttachmentStore } from '@cc/channels';
import type { InboundEmail } from '@cc/channels/email';
import {
  emailThreadItem,
  findStoredResponse,
  fingerprintOf,
  keys,
  type FollowUp,
  type IdempotencyClaim,
} from '@cc/store';
import type { AppDeps } from '../deps';
import { caseService } from './cases';
import { escalateIfDue } from './escalation';
import { followUps } from './follow-ups';
import { contactRecorder, type Recorded } from './intake';

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

export interface EmailIntakeOptions {
  attachments: AttachmentStore;
  emailModule?: EmailModule;
}

/** Inbound email (already authenticated) -> one contact per Message-ID, threaded onto its case or opening one. */
export function emailIntake(deps: AppDeps, options: EmailIntakeOptions) {
  const recorder = contactRecorder(deps);
  const cases = caseService(deps);
  const caseWork = followUps(deps);

  /** The case a message belongs to: the reference in its subject, else the thread its In-Reply-To/References name. */
  async function threadOf(
    mail: InboundEmail,
    extractCaseReference: EmailModule['extractCaseReference'],
  ): Promise<string | undefined> {
    const reference = extractCaseReference(mail.subject);
    if (reference) {
      const c = await cases.repo.get(reference);
      if (c && !c.deleted) return c.id;
    }
    const ids = [...new Set([mail.inReplyTo, ...mail.references].filter((id): id is string => !!id))].slice(-50);
    if (!ids.length) return undefined;
    const result = await deps.store.doc.send(
      new BatchGetCommand({
        RequestItems: { [deps.store.tableName]: { Keys: ids.map((id) => keys.emailThread(id)) } },
      }),
    );
    const found = new Map(
      (result.Responses?.[deps.store.tableName] ?? []).map((i) => [String(i.messageId), String(i.caseId)]),
    );
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
        location: await options.attachments.put(
          `${folder}/${i + 1}-${safeFileName(a.filename)}`,
          a.content,
          a.contentType,
        ),
      })),
    );
  }

  async function receive(raw: Buffer): Promise<Recorded<EmailReceipt>> {
    const email = options.emailModule ?? (await loadEmailModule());
    const mail = await email.parseInboundEmail(raw, EMAIL_LIMITS);
    const now = deps.clock();
    const expiresAt = Math.floor(now.getTime() / 1000) + KEEP_SECONDS;
    const claim: IdempotencyClaim = {
      scope: 'email',
      key: mail.messageId,
      fingerprint: fingerprintOf(mail.messageId),
      expiresAt,
    };
    const stored = await findStoredResponse<EmailReceipt>(deps.store, claim);
    if (stored) return { response: stored, replayed: true };

    const resolved = await recorder.resolveSender('email', mail.from.address);
    const automated = mail.autoSubmitted || mail.isBounce;
    const caseId = await threadOf(mail, email.extractCaseReference);
    const text = email.stripQuotedReply(mail.text) || mail.text;
    const attachments = await storeAttachments(mail);
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
        summary: `${mail.isBounce ? 'Bounce' : mail.autoSubmitted ? 'Auto-reply' : 'Email'}: ${excerptOf(mail.subject || '(no subject)', 120)}`,
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
          attachments,
          ...(mail.rejectedAttachments.length && { rejectedAttachments: mail.rejectedAttachments }),
        },
      },
      {
        claim,
        // A reply on a case keeps the thread: later replies to this message find the case by In-Reply-To.
        extra: (entry) => {
          const thread = caseId ? [emailThreadItem(deps.store, mail.messageId, caseId, expiresAt)] : [];
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
    await escalateIfDue(deps, recorded, (id, reason) => cases.escalate(id, reason));
    return recorded;
  }

  return { receive };
}
