import { ConflictError, type Actor, type CustomerStats, type TimelineChannel, type TimelineEntry } from '@cc/core';
import {
  contactDayItem,
  customerRepository,
  isDuplicateClaim,
  statsItem,
  timelineItem,
  transact,
  TransactionRefused,
  withIdempotency,
  type FollowUp,
  type IdempotencyClaim,
  type LabelledItem,
  type OnceOptions,
  type CustomerRouting,
  type StatsGuard,
  type StoredResponse,
} from '@cc/store';
import type { ServiceContext } from './context';
import type { FollowUpService } from './follow-ups';
import type { SenderKind, SenderNormaliser } from './senders';

/** A contact whose customer's cases keep opening and closing under it gives up after this many writes. */
const MAX_COUNTER_TRIES = 4;

/** Who an inbound contact came from: the customer when the phone/email is known, else just the sender. */
export interface ResolvedSender {
  customerId: string | null;
  sender: { kind: SenderKind; value: string };
  /** The customer's routing copy kept on the identity, when it has one: enough to open a case without a read. */
  routing?: CustomerRouting;
}

export interface ContactDraft {
  customerId: string | null;
  sender?: { kind: SenderKind; value: string };
  channel: TimelineChannel;
  direction: TimelineEntry['direction'];
  occurredAt: string;
  actor: Actor;
  summary: string;
  links?: TimelineEntry['links'];
  details?: Record<string, unknown>;
}

/**
 * More writes that commit with the contact. `openCases`: cases they open for the customer, added to the counters
 * by the contact's own update of them (one transaction may update an item only once).
 */
export interface WritesWithContact {
  items: LabelledItem[];
  openCases?: number;
  /** Called once this attempt's transaction has committed (true) or failed (false). */
  settled?: (committed: boolean) => void;
}

export interface RecordOptions<B> extends OnceOptions {
  /** Idempotency claim (Idempotency-Key header, or the provider's message id). */
  claim?: IdempotencyClaim;
  /** The answer to store with the record and give again to replays. */
  respond: (entry: TimelineEntry) => StoredResponse<B>;
  /**
   * More writes that must commit with the contact (a case, a thread record, a follow-up). Called again for every
   * attempt: a retried attempt must prepare its writes afresh.
   */
  extra?: (entry: TimelineEntry) => LabelledItem[] | WritesWithContact | Promise<LabelledItem[] | WritesWithContact>;
  /** Writes the whole transaction itself (e.g. through a repository that must translate its own conflicts). */
  commit?: (items: LabelledItem[]) => Promise<void>;
  /** The caller already knows the customer has an open case: read the counters first rather than guess none. */
  expectOpenCases?: boolean;
}

export interface Recorded<B> {
  response: StoredResponse<B>;
  replayed: boolean;
  entry?: TimelineEntry;
}

/**
 * One place where every channel's contacts become timeline entries: the entry, the 30-day counter,
 * the customer's stats (last contact; unresolved contacts while cases are open) and the idempotency
 * record commit in one transaction.
 */
export function contactRecorder(
  ctx: ServiceContext,
  deps: {
    followUps: Pick<FollowUpService, 'plan' | 'run'>;
    /** How senders become identities: both kinds, or email only in the email function (senders.ts). */
    normalise: SenderNormaliser;
  },
) {
  const { followUps, normalise } = deps;
  const customers = customerRepository(ctx.store);

  async function resolveSender(kind: SenderKind, raw: string): Promise<ResolvedSender | null> {
    const value = normalise(kind, raw);
    if (!value) return null;
    const found = await customers.byIdentity({ kind, value });
    return {
      customerId: found?.customerId ?? null,
      sender: { kind, value },
      ...(found?.routing && { routing: found.routing }),
    };
  }

  const stats = (customerId: string): Promise<CustomerStats> => customers.stats(customerId);

  function entryOf(draft: ContactDraft): TimelineEntry {
    return {
      id: ctx.newId(Date.parse(draft.occurredAt) || undefined),
      customerId: draft.customerId,
      ...(!draft.customerId && draft.sender && { sender: draft.sender }),
      type: 'contact',
      channel: draft.channel,
      direction: draft.direction,
      occurredAt: draft.occurredAt,
      actor: draft.actor,
      summary: draft.summary,
      links: draft.links ?? {},
      ...(draft.details && { details: draft.details }),
    };
  }

  /**
   * Commits the contact with the customer's counters, and with an escalation follow-up (returned) when it brings
   * the unresolved count to ESCALATE_AFTER_CONTACTS. An inbound
   * contact counts as unresolved when the customer had cases open before it. Rather than read the counters
   * first, the write assumes no case was open (the common case) and its condition says so. Only when that is
   * refused (or when the caller expects an open case) are the counters read, for the count that decides
   * escalation, and the contact counted on the condition that a case is still open. Concurrent contacts do
   * not refuse each other: only a case opening or closing at the same instant does.
   */
  async function commitWithCounters(
    entry: TimelineEntry,
    { expectOpenCases = false, openCases = 0 }: { expectOpenCases?: boolean; openCases?: number },
    commit: (counters: LabelledItem[]) => Promise<void>,
  ): Promise<FollowUp | undefined> {
    const customerId = entry.customerId;
    if (!customerId) return void (await commit([]));
    const day = contactDayItem(ctx.store, customerId, entry.occurredAt);
    if (entry.direction !== 'inbound')
      return void (await commit([
        day,
        statsItem(ctx.store, customerId, { lastContactAt: entry.occurredAt, openCases }),
      ]));
    // The conditions see the counters as they were before this transaction, without the cases it opens.
    const values = { ':none': 0 };
    const noneOpenBefore: StatsGuard = { expression: 'attribute_not_exists(openCases) OR openCases <= :none', values };
    const someOpenBefore: StatsGuard = { expression: 'openCases > :none', values };
    let seen: CustomerStats | undefined = expectOpenCases ? await stats(customerId) : undefined;
    for (let tries = 1; ; tries++) {
      const counts = !!seen && seen.openCases > 0;
      const counters = statsItem(
        ctx.store,
        customerId,
        { lastContactAt: entry.occurredAt, openCases, ...(counts && { unresolvedContacts: 1 }) },
        counts ? someOpenBefore : noneOpenBefore,
      );
      // The contact that reaches the threshold writes the escalation with itself: a crash cannot lose it.
      const unresolved = counts ? seen!.unresolvedContacts + 1 : 0;
      const escalation =
        unresolved >= ctx.settings.ESCALATE_AFTER_CONTACTS
          ? followUps.plan({ kind: 'escalation', customerId, unresolvedContacts: unresolved })
          : undefined;
      try {
        await commit([day, counters, ...(escalation ? [escalation.item] : [])]);
        return escalation?.followUp;
      } catch (error) {
        const countersMoved =
          error instanceof TransactionRefused &&
          error.failedLabels.includes(counters.label) &&
          !isDuplicateClaim(error);
        if (!countersMoved) throw error;
        if (tries >= MAX_COUNTER_TRIES)
          throw new ConflictError(
            'store.concurrent_write',
            "The customer's cases are opening and closing as this contact is logged; retry",
          );
        seen = await stats(customerId);
      }
    }
  }

  /**
   * Records the contact once (per claim). When it brought the customer's unresolved contacts to the threshold,
   * the escalation it wrote is done at once (else by the sweeper).
   */
  async function record<B>(draft: ContactDraft, options: RecordOptions<B>): Promise<Recorded<B>> {
    let committed: { entry: TimelineEntry; escalation?: FollowUp } | undefined;
    const result = await withIdempotency<B>(
      ctx.store,
      options.claim,
      async (recordFor) => {
        const entry = entryOf(draft);
        // Extra writes may add links to the entry (e.g. the case it opened), so they come before the entry's item.
        const extra = (await options.extra?.(entry)) ?? [];
        const { items, openCases, settled } = Array.isArray(extra) ? { items: extra, openCases: 0 } : extra;
        const response = options.respond(entry);
        const commit = async (counters: LabelledItem[]) => {
          const all = [
            timelineItem(ctx.store, entry, ctx.settings.RETENTION_DAYS),
            ...items,
            ...counters,
            ...recordFor(response),
          ];
          if (options.commit) await options.commit(all);
          else await transact(ctx.store, all);
        };
        const counting = { expectOpenCases: options.expectOpenCases, openCases };
        try {
          committed = { entry, escalation: await commitWithCounters(entry, counting, commit) };
        } catch (error) {
          settled?.(false);
          throw error;
        }
        settled?.(true);
        return response;
      },
      options,
    );
    if (!result.replayed && committed?.escalation) await followUps.run(committed.escalation);
    return { ...result, entry: committed?.entry };
  }

  return { resolveSender, record };
}

export type ContactRecorder = ReturnType<typeof contactRecorder>;
