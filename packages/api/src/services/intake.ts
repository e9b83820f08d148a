import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  ConflictError,
  newId,
  type Actor,
  type CustomerStats,
  type TimelineChannel,
  type TimelineEntry,
} from '@cc/core';
import { tryNormaliseEmail, tryNormalisePhone } from '@cc/channels';
import {
  contactDayItem,
  customerRepository,
  isDuplicateClaim,
  keys,
  statsItem,
  timelineItem,
  transact,
  TransactionRefused,
  withIdempotency,
  type IdempotencyClaim,
  type LabelledItem,
  type StatsGuard,
  type StoredResponse,
} from '@cc/store';
import type { AppDeps } from '../deps';

/** What the intake paths need; the email worker builds these without an HTTP app around them. */
export type IntakeDeps = Pick<AppDeps, 'config' | 'store' | 'publisher' | 'log' | 'clock'>;

export type SenderKind = 'phone' | 'email';

/** A contact whose customer's cases keep opening and closing under it gives up after this many writes. */
const MAX_COUNTER_TRIES = 4;

/** Who an inbound contact came from: the customer when the phone/email is known, else just the sender. */
export interface ResolvedSender {
  customerId: string | null;
  sender: { kind: SenderKind; value: string };
}

export const normaliseSender = (kind: SenderKind, raw: string): string | null =>
  kind === 'phone' ? tryNormalisePhone(raw) : tryNormaliseEmail(raw);

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

export interface RecordOptions<B> {
  /** Idempotency claim (Idempotency-Key header, or the provider's message id). */
  claim?: IdempotencyClaim;
  /** The answer to store with the record and give again to replays. */
  respond: (entry: TimelineEntry) => StoredResponse<B>;
  /** More writes that must commit with the contact (a case, a thread record, a profile change). */
  extra?: (entry: TimelineEntry) => LabelledItem[] | Promise<LabelledItem[]>;
  /** Writes the whole transaction itself (e.g. through a repository that must translate its own conflicts). */
  commit?: (items: LabelledItem[]) => Promise<void>;
  /** Cases `extra` opened before the contact commits: they are not open "before" it, so it is not unresolved against them. */
  casesOpenedWithIt?: number;
  /** The caller already knows the customer has an open case: read the counters first rather than guess none. */
  expectOpenCases?: boolean;
}

export interface Recorded<B> {
  response: StoredResponse<B>;
  replayed: boolean;
  entry?: TimelineEntry;
  /** Set when this contact brought the customer's unresolved count to the escalation threshold. */
  escalate?: { customerId: string; unresolvedContacts: number };
}

/**
 * One place where every channel's contacts become timeline entries: the entry, the 30-day counter,
 * the customer's stats (last contact; unresolved contacts while cases are open) and the idempotency
 * record commit in one transaction.
 */
export function contactRecorder(deps: IntakeDeps) {
  const customers = customerRepository(deps.store);

  async function resolveSender(kind: SenderKind, raw: string): Promise<ResolvedSender | null> {
    const value = normaliseSender(kind, raw);
    if (!value) return null;
    const customerId = (await customers.idByIdentity({ kind, value })) ?? null;
    return { customerId, sender: { kind, value } };
  }

  async function stats(customerId: string): Promise<CustomerStats> {
    const { Item } = await deps.store.doc.send(
      new GetCommand({ TableName: deps.store.tableName, Key: keys.customerStats(customerId), ConsistentRead: true }),
    );
    return {
      openCases: Number(Item?.openCases ?? 0),
      unresolvedContacts: Number(Item?.unresolvedContacts ?? 0),
      lastContactAt: Item?.lastContactAt as string | undefined,
    };
  }

  /** The customer's open cases, newest first (the OPENCASE# mirrors under the customer's partition). */
  async function openCaseIds(customerId: string): Promise<string[]> {
    const result = await deps.store.doc.send(
      new QueryCommand({
        TableName: deps.store.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': keys.customerPartition(customerId), ':p': 'OPENCASE#' },
        ConsistentRead: true,
      }),
    );
    return (result.Items ?? [])
      .map((i) => ({
        id: String(i.id ?? String(i.sk).slice(keys.openCaseMirror('', '').sk.length)),
        at: String(i.createdAt ?? ''),
      }))
      .sort((a, b) => (a.at === b.at ? b.id.localeCompare(a.id) : b.at.localeCompare(a.at)))
      .map((c) => c.id);
  }

  function entryOf(draft: ContactDraft): TimelineEntry {
    return {
      id: newId(Date.parse(draft.occurredAt) || undefined),
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
   * Commits the contact with the customer's counters and says what its unresolved count became. An inbound
   * contact counts as unresolved when the customer had cases open before it. Rather than read the counters
   * first, the write assumes no case was open (the common case) and its condition says so. Only when that is
   * refused (or when the caller expects an open case) are the counters read, for the count that decides
   * escalation, and the contact counted on the condition that a case is still open. Concurrent contacts do
   * not refuse each other: only a case opening or closing at the same instant does.
   */
  async function commitWithCounters(
    entry: TimelineEntry,
    {
      casesOpenedWithIt = 0,
      expectOpenCases = false,
    }: Pick<RecordOptions<unknown>, 'casesOpenedWithIt' | 'expectOpenCases'>,
    commit: (counters: LabelledItem[]) => Promise<void>,
  ): Promise<number | undefined> {
    const customerId = entry.customerId;
    if (!customerId) return void (await commit([]));
    const day = contactDayItem(deps.store, customerId, entry.occurredAt);
    if (entry.direction !== 'inbound')
      return void (await commit([day, statsItem(deps.store, customerId, { lastContactAt: entry.occurredAt })]));
    const values = { ':openedWithIt': casesOpenedWithIt };
    const noneOpenBefore: StatsGuard = {
      expression: 'attribute_not_exists(openCases) OR openCases <= :openedWithIt',
      values,
    };
    const someOpenBefore: StatsGuard = { expression: 'openCases > :openedWithIt', values };
    let seen: CustomerStats | undefined = expectOpenCases ? await stats(customerId) : undefined;
    for (let tries = 1; ; tries++) {
      const counts = !!seen && seen.openCases > casesOpenedWithIt;
      const counters = statsItem(
        deps.store,
        customerId,
        { lastContactAt: entry.occurredAt, ...(counts && { unresolvedContacts: 1 }) },
        counts ? someOpenBefore : noneOpenBefore,
      );
      try {
        await commit([day, counters]);
        return counts ? seen!.unresolvedContacts + 1 : undefined;
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

  async function record<B>(draft: ContactDraft, options: RecordOptions<B>): Promise<Recorded<B>> {
    let committed: { entry: TimelineEntry; unresolved?: number } | undefined;
    const result = await withIdempotency<B>(deps.store, options.claim, async (recordFor) => {
      const entry = entryOf(draft);
      // Extra writes may add links to the entry (e.g. the case it opened), so they come before the entry's item.
      const extra = (await options.extra?.(entry)) ?? [];
      const response = options.respond(entry);
      const commit = async (counters: LabelledItem[]) => {
        const all = [
          timelineItem(deps.store, entry, deps.config.RETENTION_DAYS),
          ...extra,
          ...counters,
          ...recordFor(response),
        ];
        if (options.commit) await options.commit(all);
        else await transact(deps.store, all);
      };
      committed = { entry, unresolved: await commitWithCounters(entry, options, commit) };
      return response;
    });
    const out: Recorded<B> = { ...result, entry: committed?.entry };
    const unresolved = committed?.unresolved;
    if (
      !result.replayed &&
      committed?.entry.customerId &&
      unresolved !== undefined &&
      unresolved >= deps.config.ESCALATE_AFTER_CONTACTS
    ) {
      out.escalate = { customerId: committed.entry.customerId, unresolvedContacts: unresolved };
    }
    return out;
  }

  return { customers, resolveSender, stats, openCaseIds, record };
}

export type ContactRecorder = ReturnType<typeof contactRecorder>;
