import {
  asText,
  ConflictError,
  excerptOf,
  isOpen,
  NotFoundError,
  onCustomerMessage,
  ValidationError,
  type Caller,
  type Case,
  type TimelineChannel,
} from '@cc/core';
import {
  CASE_LABEL,
  caseHistoryItem,
  caseMessageItem,
  caseRepository,
  liveCaseCheck,
  retryConcurrentWrites,
  withIdempotency,
  type CaseMessage,
  type IdempotencyClaim,
  type LabelledItem,
  type RecordFor,
} from '@cc/store';
import type { ServiceContext } from './context';
import type { NoticeService } from './notices';
import {
  caseMessageAt,
  changeItems,
  commitCase,
  creatorActor,
  statusChange,
  aboutCase,
  type CaseCreator,
  type HistoryChange,
} from './case-changes';
import type { CaseAccess } from './case-access';
import type { CaseOpening } from './case-opening';

export interface CaseMessageInput {
  text: string;
  channel: TimelineChannel;
  direction: CaseMessage['direction'];
}

const MAX_ATTEMPTS = 3;

/**
 * Messages and notes on a case: staff notes, and customers writing again on any channel, which may reopen the case
 * or, long after it closed, open a follow-up case.
 */
export function caseMessages(
  ctx: ServiceContext,
  deps: { notices: NoticeService; opening: CaseOpening; access: CaseAccess },
) {
  const repo = caseRepository(ctx.store);
  const { notices, opening, access } = deps;

  /** A staff member's internal note, once per client key: a retry or a concurrent copy answers the first note. */
  const addNoteOnce = (caller: Caller, caseId: string, text: string, claim?: IdempotencyClaim) =>
    withIdempotency<CaseMessage>(ctx.store, claim, async (recordFor) => ({
      status: 201,
      body: await addMessage({ caller }, caseId, { text, channel: 'system', direction: 'internal' }, [], recordFor),
    }));

  /** Where a customer's message on `c` goes: the newest case opened to follow it up, if any. */
  async function newestFollowUpOf(c: Case): Promise<Case> {
    let current = c;
    for (let hops = 0; current.followedBy && hops < 10; hops++) {
      const next = await repo.get(current.followedBy, true);
      if (!next || next.deleted) break;
      current = next;
    }
    return current;
  }

  /**
   * A message or note on a case (replies by SMS/email, agents' notes). It does not change the case's version,
   * so it never makes a manager's edit stale, unless a customer's message reopens the case. An inbound message
   * notifies the owner; on a case closed long ago it opens a new case linked to the old one instead.
   * `alsoWrite`: items that must commit with the message (e.g. the follow-up it completes); `recordFor`: the
   * idempotency record of a staff note (see addNoteOnce; staff never open a follow-up case this way).
   */
  async function addMessage(
    creator: CaseCreator,
    caseId: string,
    input: CaseMessageInput,
    alsoWrite: LabelledItem[] = [],
    recordFor: RecordFor<CaseMessage> = () => [],
  ): Promise<CaseMessage> {
    const fromCustomer = !('caller' in creator) && input.direction === 'inbound';
    // Staff notes were validated; a customer's text is taken as it came, without what free text may not hold.
    const text = asText(input.text);
    if (!text) throw new ValidationError('The message is empty', [{ path: 'text', message: 'required' }]);
    for (let attempt = 1; ; attempt++) {
      const found =
        'caller' in creator ? await access.load(creator.caller, caseId, 'read') : await repo.get(caseId, true);
      if (!found || found.deleted) throw new NotFoundError('case', caseId);
      const c = fromCustomer ? await newestFollowUpOf(found) : found;
      const now = ctx.clock();
      const outcome = fromCustomer ? onCustomerMessage(c, now, ctx.settings.REOPEN_WITHIN_DAYS) : 'append';
      if (outcome === 'new_case') return followUpCase(creator, c, input, text, alsoWrite);
      try {
        const withRecord = (message: CaseMessage) => [...alsoWrite, ...recordFor({ status: 201, body: message })];
        return await writeMessage(creator, c, input, text, outcome === 'reopen', withRecord, now);
      } catch (error) {
        // A reopening raced another change to the case: read it again and judge afresh.
        const raced = outcome === 'reopen' && error instanceof ConflictError && error.code === 'case.stale';
        if (!raced || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  async function writeMessage(
    creator: CaseCreator,
    c: Case,
    input: CaseMessageInput,
    text: string,
    reopen: boolean,
    alsoWrite: (message: CaseMessage) => LabelledItem[],
    now: Date,
  ): Promise<CaseMessage> {
    const actor = creatorActor(creator);
    const message = caseMessageAt(ctx, c.id, now.toISOString(), {
      actor,
      channel: input.channel,
      direction: input.direction,
      text,
      ...('externalId' in creator && creator.externalId && { externalId: creator.externalId }),
    });
    const reopened = reopen ? statusChange(ctx, c, 'in_progress', actor, 'the customer wrote again') : undefined;
    const author = 'caller' in creator ? creator.caller.userId : undefined;
    const told = input.direction === 'inbound' && (reopen || isOpen(c.status) || c.status === 'converted');
    const recipients = !told ? [] : c.ownerId ? [c.ownerId] : reopen ? await access.supervisorsOf(c.branchId) : [];
    const { notifications, items } = notices.draft(
      recipients
        .filter((r) => r !== author)
        .map((recipientId) => ({
          recipientId,
          kind: reopen ? ('case_reopened' as const) : ('case_message' as const),
          title: `${reopen ? `Reopened by the customer's message: ${c.id}` : `New message on ${c.id}`}: ${c.title}`,
          excerpt: excerptOf(text),
          ...aboutCase(c),
        })),
      now,
    );
    await commitCase(
      ctx,
      [
        ...(reopened ? reopened.items : [liveCaseCheck(ctx.store, c.id)]),
        caseMessageItem(ctx.store, message),
        caseHistoryItem(ctx.store, {
          id: ctx.newId(now.getTime()),
          caseId: c.id,
          at: message.at,
          actor,
          action: 'message',
          note: excerptOf(text, 200),
          changes: { channel: input.channel, direction: input.direction },
        }),
        ...items,
        ...alsoWrite(message),
      ],
      c.id,
    ).catch((error) => {
      // The case was deleted between the read and the write (a reopening's race is retried by the caller).
      if (!reopen && error instanceof ConflictError && error.code === 'case.stale')
        throw new NotFoundError('case', c.id);
      throw error;
    });
    await notices.publish(notifications);
    return message;
  }

  /**
   * The customer wrote on a case closed too long ago to reopen: a new case of the same kind, linked both ways,
   * with the message as its description and its first message.
   */
  async function followUpCase(
    creator: CaseCreator,
    old: Case,
    input: CaseMessageInput,
    text: string,
    alsoWrite: LabelledItem[],
  ): Promise<CaseMessage> {
    let message: CaseMessage | undefined;
    await retryConcurrentWrites(() =>
      opening.create(
        creator,
        {
          type: old.type,
          ...(old.subject && { subject: old.subject }),
          ...(old.productCode && { productCode: old.productCode }),
          category: old.category,
          title: excerptOf(`Again about ${old.id}: ${old.title}`, 200),
          description: excerptOf(text, 10_000),
          customerId: old.customerId,
          branchId: old.branchId,
        },
        {
          relatedCaseId: old.id,
          ...(old.submitterContact && { submitterContact: old.submitterContact }),
          alsoWrite: (created) => {
            const at = created.createdAt;
            message = caseMessageAt(ctx, created.id, at, {
              actor: creatorActor(creator),
              channel: input.channel,
              direction: input.direction,
              text,
            });
            const linked: Case = { ...old, followedBy: created.id, version: old.version + 1, updatedAt: at };
            const history: HistoryChange = {
              action: 'follow_up_opened',
              note: `the customer wrote again after it was closed; continued in ${created.id}`,
              changes: { followedBy: created.id },
            };
            return [
              caseMessageItem(ctx.store, message),
              ...changeItems(ctx, old, linked, creatorActor(creator), [history]).map((item) =>
                // The old case is a second case in this transaction: its condition gets a label of its own.
                item.label === CASE_LABEL ? { ...item, label: 'followed-case' } : item,
              ),
              ...alsoWrite,
            ];
          },
        },
      ),
    );
    return message!;
  }

  return { addMessage, addNoteOnce };
}

export type CaseMessages = ReturnType<typeof caseMessages>;
