import { BatchGetCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  isOpen,
  managersOf,
  openCaseStatuses,
  watchedDeadlines,
  type Actor,
  type Case,
  type CaseStatus,
  type DeadlineKind,
} from '@cc/core';
import { hotKeyShards, type StoreContext } from './client';
import { attr, indexNames, keys, shardKey } from './keys';
import { queryShards } from './index-query';
import { conditionCheck, del, put, putNew, stripKeys, update, type LabelledItem } from './transact';
import { statsItem } from './timeline';

/**
 * What a history line records. Stable names: reports count them (e.g. `response_overdue`,
 * `resolution_overdue` for breaches, `assigned` and `followed_customer` for changes of owner).
 */
export type CaseHistoryAction =
  | 'created'
  | 'status_changed'
  | 'updated'
  | 'reclassified'
  | 'assigned'
  | 'followed_customer'
  | 'reopened'
  | 'follow_up_opened'
  | 'deleted'
  | 'restored'
  | 'escalated'
  | 'message'
  | 'response_overdue'
  | 'resolution_overdue'
  /** A message to the customer: queued, held for quiet hours, blocked (and why), withheld or not delivered. */
  | 'customer_message';

/** One line of a case's history: every change, in the same transaction as the change. */
export interface CaseHistoryEntry {
  id: string;
  caseId: string;
  at: string;
  actor: Actor;
  action: CaseHistoryAction;
  from?: CaseStatus;
  to?: CaseStatus;
  note?: string;
  changes?: Record<string, unknown>;
}

export interface CaseMessage {
  id: string;
  caseId: string;
  at: string;
  actor: Actor;
  channel: string;
  direction: 'inbound' | 'outbound' | 'internal';
  text: string;
  /** The email Message-ID or SMS sid it came or went with (threads replies). */
  externalId?: string;
  /** Outbound: the delivery record that carries it to the customer. */
  deliveryId?: string;
}

/** What the customer 360 view shows of an open case. */
export type OpenCaseSummary = Pick<Case, 'id' | 'type' | 'title' | 'status' | 'priority' | 'createdAt' | 'ownerId'>;

export const CASE_LABEL = 'case';
export const CASE_SEQUENCE_LABEL = 'case-sequence';

/** A case's reference: the year and its number in that year's sequence. */
export const caseReference = (year: number, sequence: number) => `C-${year}-${String(sequence).padStart(6, '0')}`;

/**
 * Takes number `taken` of the year's case sequence, in the case's own transaction, on the condition that it is
 * the next one. A refused or duplicate request commits nothing, so it uses up no number; when a concurrent case
 * took the number first, the item alone refuses and the attempt is run again with the next (retryable).
 */
export function caseSequenceItem(ctx: StoreContext, year: number, taken: number): LabelledItem {
  const first = taken === 1;
  return {
    ...update(ctx, CASE_SEQUENCE_LABEL, keys.counter(`case-${year}`), 'SET #seq = :taken', {
      names: { '#seq': 'seq' },
      values: { ':taken': taken, ...(!first && { ':before': taken - 1 }) },
      condition: first ? 'attribute_not_exists(#seq)' : '#seq = :before',
    }),
    retryable: true,
  };
}

/** A stored case as the domain sees it; cases from before `primaryManagerId` existed followed their owner. */
export function caseOf(item: Record<string, unknown>): Case {
  const c = stripKeys<Case>(item);
  return c.primaryManagerId === undefined ? { ...c, primaryManagerId: c.ownerId } : c;
}

/** Open and not deleted: what counts in the customer's open cases and has a mirror. */
export const countsAsOpen = (c: Case | undefined) => !!c && isOpen(c.status) && !c.deleted;

/**
 * The case item. A deleted case drops out of every list index (it is kept, and restorable by id);
 * the owner index holds the owner's cases, or the branch queue when there is no owner.
 */
function caseRecord(c: Case): Record<string, unknown> {
  const sort = `${c.createdAt}#${c.id}`;
  return {
    ...keys.case(c.id),
    entity: 'case',
    ...c,
    ...(!c.deleted && {
      ...(c.customerId && { gsi1pk: keys.casesByCustomer(c.customerId), gsi1sk: sort }),
      gsi2pk: c.ownerId ? keys.casesByOwner(c.ownerId) : keys.branchCaseQueue(c.branchId),
      gsi2sk: sort,
      gsi3pk: keys.casesByBranch(c.branchId),
      gsi3sk: sort,
    }),
  };
}

export const newCaseItem = (ctx: StoreContext, c: Case): LabelledItem => putNew(ctx, CASE_LABEL, caseRecord(c));

export const PUBLIC_REFERENCE_LABEL = 'public-reference';

/** Finds a case by the reference its customer was given; refused (that label) when the reference is taken. */
export const publicReferenceItem = (ctx: StoreContext, reference: string, caseId: string): LabelledItem =>
  putNew(ctx, PUBLIC_REFERENCE_LABEL, {
    ...keys.publicReference(reference),
    entity: 'public-reference',
    reference,
    caseId,
  });

/** Writes `after` only if the stored case is still at `expectedVersion` (optimistic locking). */
export const savedCaseItem = (ctx: StoreContext, after: Case, expectedVersion: number): LabelledItem =>
  put(ctx, CASE_LABEL, caseRecord(after), {
    expression: '#v = :expected',
    names: { '#v': 'version' },
    values: { ':expected': expectedVersion },
  });

export const caseHistoryItem = (ctx: StoreContext, entry: CaseHistoryEntry): LabelledItem =>
  putNew(ctx, `case-history:${entry.id}`, {
    ...keys.caseHistory(entry.caseId, entry.at, entry.id),
    entity: 'case-history',
    ...entry,
  });

export const RESPONSE_WATCH_LABEL = 'response-watch';
const watchLabel = (kind: DeadlineKind) => `${kind}-watch`;
const watchKey = (kind: DeadlineKind, caseId: string) =>
  kind === 'response' ? keys.caseResponseWatch(caseId) : keys.caseResolutionWatch(caseId);
const watchPartition = (kind: DeadlineKind) => (kind === 'response' ? keys.caseResponsesDue : keys.caseResolutionsDue);
const watchShard = (ctx: StoreContext, kind: DeadlineKind, caseId: string) =>
  shardKey(watchPartition(kind), caseId, hotKeyShards(ctx));

/** Watches one deadline of a case: the sweeper lists these by due time. */
const deadlineWatchItem = (ctx: StoreContext, caseId: string, kind: DeadlineKind, dueAt: string): LabelledItem =>
  put(ctx, watchLabel(kind), {
    ...watchKey(kind, caseId),
    entity: `${kind}-watch`,
    caseId,
    kind,
    dueAt,
    ...(kind === 'response' && { respondBy: dueAt }),
    gsi1pk: watchShard(ctx, kind, caseId),
    gsi1sk: `${dueAt}#${caseId}`,
  });

/** Ends a watch. `onlyIfWatched`: refused (naming `<kind>-watch`) when another run already ended it. */
export const deadlineWatchEnd = (
  ctx: StoreContext,
  caseId: string,
  kind: DeadlineKind,
  onlyIfWatched = false,
): LabelledItem =>
  del(
    ctx,
    watchLabel(kind),
    watchKey(kind, caseId),
    onlyIfWatched ? { expression: 'attribute_exists(pk)' } : undefined,
  );

/**
 * The watches follow the case (see watchedDeadlines): one starts or moves when a deadline is watched and
 * changed, and ends when the case no longer waits for it (acted on, resolved, deleted, or the breach reported).
 */
export function deadlineWatchItems(ctx: StoreContext, before: Case | undefined, after: Case): LabelledItem[] {
  const was = before ? watchedDeadlines(before) : {};
  const is = watchedDeadlines(after);
  return (['response', 'resolution'] as const).flatMap((kind) => {
    if (is[kind] && is[kind] !== was[kind]) return [deadlineWatchItem(ctx, after.id, kind, is[kind])];
    if (was[kind] && !is[kind]) return [deadlineWatchEnd(ctx, after.id, kind)];
    return [];
  });
}

/**
 * A copy of the case for each manager of its customer (primary and assisting), so "my customers' cases" is one
 * Query per page. Rewritten with every change of the case; removed for managers it no longer has, and when the
 * case is deleted.
 */
export function managerViewItems(ctx: StoreContext, before: Case | undefined, after: Case): LabelledItem[] {
  const viewers = after.deleted ? [] : managersOf(after);
  const gone = (before && !before.deleted ? managersOf(before) : []).filter((m) => !viewers.includes(m));
  const sort = keys.caseByManagerSort(isOpen(after.status), after.createdAt, after.id);
  return [
    ...viewers.map((m) =>
      put(ctx, `case-view:${m}`, {
        ...keys.caseManagerView(after.id, m),
        entity: 'case-view',
        ...after,
        gsi1pk: keys.casesByManager(m),
        gsi1sk: sort,
      }),
    ),
    ...gone.map((m) => del(ctx, `case-view:${m}`, keys.caseManagerView(after.id, m))),
  ];
}

/**
 * Everything that follows from a case's state besides the case item itself: the manager copies, the
 * customer's open-case mirror and counter, and the deadline watches. `before` is undefined for a new case.
 */
export const caseDerivedItems = (
  ctx: StoreContext,
  before: Case | undefined,
  after: Case,
  lastContactAt?: string,
): LabelledItem[] => [
  ...managerViewItems(ctx, before, after),
  ...openCaseItems(ctx, before, after, lastContactAt),
  ...deadlineWatchItems(ctx, before, after),
];

/**
 * caseDerivedItems less the customer's counters, for a transaction that updates them itself (a contact that opens
 * a case adds the case to its own update of the counters: one transaction may write an item only once).
 */
export const caseDerivedItemsButCounters = (
  ctx: StoreContext,
  before: Case | undefined,
  after: Case,
): LabelledItem[] => [
  ...managerViewItems(ctx, before, after),
  ...openCaseMirrorItems(ctx, before, after),
  ...deadlineWatchItems(ctx, before, after),
];

/** Threads replies by In-Reply-To/References: this Message-ID belongs to that case. */
export const emailThreadItem = (
  ctx: StoreContext,
  messageId: string,
  caseId: string,
  expiresAt: number,
): LabelledItem =>
  put(ctx, `thread:${messageId}`, {
    ...keys.emailThread(messageId),
    entity: 'email-thread',
    messageId,
    caseId,
    expiresAt,
  });

export const caseMessageItem = (ctx: StoreContext, message: CaseMessage): LabelledItem =>
  putNew(ctx, `case-message:${message.id}`, {
    ...keys.caseMessage(message.caseId, message.at, message.id),
    entity: 'case-message',
    ...message,
  });

/** How a change from `before` (undefined for a new case) to `after` moves the customer's open-case counter. */
export const openCasesDelta = (before: Case | undefined, after: Case) =>
  after.customerId ? Number(countsAsOpen(after)) - Number(countsAsOpen(before)) : 0;

/**
 * Keeps the customer's open-case mirror and open-case counter in step with a change from `before`
 * (undefined for a new case) to `after`: put while open, removed and counted down when it leaves.
 * `lastContactAt`: the case is itself the customer's contact (the public form), so it moves their last contact too.
 */
export function openCaseItems(
  ctx: StoreContext,
  before: Case | undefined,
  after: Case,
  lastContactAt?: string,
): LabelledItem[] {
  if (!after.customerId) return [];
  const delta = openCasesDelta(before, after);
  const items = openCaseMirrorItems(ctx, before, after);
  if (delta !== 0 || lastContactAt) items.push(statsItem(ctx, after.customerId, { openCases: delta, lastContactAt }));
  return items;
}

/**
 * The open-case mirror alone, for a transaction that updates the customer's counters itself (a contact that
 * opens a case: one transaction may not write the counters item twice).
 */
export function openCaseMirrorItems(ctx: StoreContext, before: Case | undefined, after: Case): LabelledItem[] {
  if (!after.customerId) return [];
  const wasOpen = countsAsOpen(before);
  const nowOpen = countsAsOpen(after);
  const items: LabelledItem[] = [];
  if (nowOpen) {
    const summary: OpenCaseSummary = {
      id: after.id,
      type: after.type,
      title: after.title,
      status: after.status,
      priority: after.priority,
      createdAt: after.createdAt,
      ownerId: after.ownerId,
    };
    items.push(
      put(ctx, `open-case:${after.id}`, {
        ...keys.openCaseMirror(after.customerId, after.id),
        entity: 'open-case',
        ...summary,
      }),
    );
  } else if (wasOpen) {
    items.push(del(ctx, `open-case:${after.id}`, keys.openCaseMirror(after.customerId, after.id)));
  }
  return items;
}

/**
 * Which list a query reads: a customer's cases, an owner's, a branch's queue (no owner), all of a branch's, or
 * the cases of the customers a manager manages (open ones, or finished ones).
 */
export type CaseList =
  | { by: 'customer'; customerId: string }
  | { by: 'owner'; ownerId: string }
  | { by: 'queue'; branchId: string }
  | { by: 'branch'; branchId: string }
  | { by: 'managed'; managerId: string; open: boolean };

function listQuery(list: CaseList): { index: string; pkAttr: string; pk: string; skPrefix?: string } {
  switch (list.by) {
    case 'managed':
      return {
        index: indexNames.gsi1,
        pkAttr: attr.gsi1pk,
        pk: keys.casesByManager(list.managerId),
        skPrefix: keys.caseByManagerState(list.open),
      };
    case 'customer':
      return { index: indexNames.gsi1, pkAttr: attr.gsi1pk, pk: keys.casesByCustomer(list.customerId) };
    case 'owner':
      return { index: indexNames.gsi2, pkAttr: attr.gsi2pk, pk: keys.casesByOwner(list.ownerId) };
    case 'queue':
      return { index: indexNames.gsi2, pkAttr: attr.gsi2pk, pk: keys.branchCaseQueue(list.branchId) };
    case 'branch':
      return { index: indexNames.gsi3, pkAttr: attr.gsi3pk, pk: keys.casesByBranch(list.branchId) };
  }
}

export interface CaseFilter {
  status?: CaseStatus;
  type?: Case['type'];
  escalated?: boolean;
  /** Past this deadline and still waiting for it, as of `now`. */
  overdue?: { kind: DeadlineKind; now: string };
}

/** The filter expression for a list query's narrowing. */
function filterOf(filter: CaseFilter): { conditions: string[]; names: Record<string, string>; values: object } {
  const conditions: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (filter.status) {
    conditions.push('#status = :status');
    values[':status'] = filter.status;
  }
  if (filter.type) {
    conditions.push('#type = :type');
    names['#type'] = 'type';
    values[':type'] = filter.type;
  }
  if (filter.escalated !== undefined) {
    conditions.push('escalated = :escalated');
    values[':escalated'] = filter.escalated;
  }
  if (filter.overdue?.kind === 'response') {
    conditions.push('#status = :new AND respondBy < :now');
    values[':new'] = 'new';
  } else if (filter.overdue) {
    const open = openCaseStatuses.map((_, i) => `:open${i}`);
    conditions.push(`#status IN (${open.join(', ')}) AND resolveBy < :now`);
    openCaseStatuses.forEach((s, i) => (values[`:open${i}`] = s));
  }
  if (filter.overdue) values[':now'] = filter.overdue.now;
  if (conditions.some((c) => c.includes('#status'))) names['#status'] = 'status';
  return { conditions, names, values };
}

/** For a transaction that writes beside a case without changing it: the case exists and is not deleted. */
export const liveCaseCheck = (ctx: StoreContext, caseId: string): LabelledItem =>
  conditionCheck(ctx, CASE_LABEL, keys.case(caseId), 'attribute_exists(pk) AND deleted = :no', { ':no': false });

const openCasePrefix = keys.openCaseMirror('', '').sk;

export function caseRepository(ctx: StoreContext) {
  const { doc, tableName } = ctx;
  return {
    /** The customer's open cases, newest first, from the open-case mirrors under the customer's partition. */
    async openCaseIds(customerId: string): Promise<string[]> {
      const found: { id: string; at: string }[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const result = await doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
            ExpressionAttributeValues: { ':pk': keys.customerPartition(customerId), ':p': openCasePrefix },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const i of result.Items ?? []) {
          found.push({ id: String(i.id ?? String(i.sk).slice(openCasePrefix.length)), at: String(i.createdAt ?? '') });
        }
        startKey = result.LastEvaluatedKey;
      } while (startKey);
      return found
        .sort((a, b) => (a.at === b.at ? b.id.localeCompare(a.id) : b.at.localeCompare(a.at)))
        .map((c) => c.id);
    },

    /** Cases whose `kind` deadline passed before `now` while still watched, oldest deadline first. */
    async listDeadlinesDue(kind: DeadlineKind, now: Date, limit: number): Promise<{ caseId: string; dueAt: string }[]> {
      const items = await queryShards(ctx, indexNames.gsi1, watchPartition(kind), { before: now.toISOString(), limit });
      return items.map((i) => ({ caseId: String(i.caseId), dueAt: String(i.dueAt ?? i.respondBy) }));
    },

    async get(id: string, consistent = false): Promise<Case | undefined> {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: keys.case(id), ConsistentRead: consistent }),
      );
      return Item ? caseOf(Item) : undefined;
    },

    /** Several cases by id (consistent reads), in no particular order; missing ones are left out. */
    async getMany(ids: string[]): Promise<Case[]> {
      const found: Case[] = [];
      for (let i = 0; i < ids.length; i += 100) {
        let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
          [tableName]: { Keys: ids.slice(i, i + 100).map((id) => keys.case(id)), ConsistentRead: true },
        };
        while (request && Object.keys(request).length > 0) {
          const result = await doc.send(new BatchGetCommand({ RequestItems: request }));
          found.push(...(result.Responses?.[tableName] ?? []).map(caseOf));
          request = result.UnprocessedKeys as typeof request;
        }
      }
      return found;
    },

    /** The case a public reference was given for. */
    async idByPublicReference(reference: string): Promise<string | undefined> {
      const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: keys.publicReference(reference) }));
      return Item ? String(Item.caseId) : undefined;
    },

    /** The last number taken in the year's case sequence (0 before the first); see caseSequenceItem. */
    async lastSequence(year: number): Promise<number> {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: keys.counter(`case-${year}`), ConsistentRead: true }),
      );
      return Number(Item?.seq ?? 0);
    },

    /** Newest first, one Query per page; status, type, escalation and deadlines narrow it with a filter. */
    async list(list: CaseList, filter: CaseFilter, startKey: Record<string, unknown> | undefined, limit: number) {
      const { index, pkAttr, pk, skPrefix } = listQuery(list);
      const { conditions, names, values } = filterOf(filter);
      const skAttr = index === indexNames.gsi1 ? attr.gsi1sk : index === indexNames.gsi2 ? attr.gsi2sk : attr.gsi3sk;
      const result = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: index,
          KeyConditionExpression: `${pkAttr} = :pk${skPrefix ? ` AND begins_with(${skAttr}, :state)` : ''}`,
          ...(conditions.length && { FilterExpression: conditions.join(' AND ') }),
          ...(Object.keys(names).length && { ExpressionAttributeNames: names }),
          ExpressionAttributeValues: { ':pk': pk, ...(skPrefix && { ':state': skPrefix }), ...values },
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
          Limit: limit,
        }),
      );
      return { items: (result.Items ?? []).map(caseOf), lastKey: result.LastEvaluatedKey };
    },

    /** The newest messages of one case, newest first. */
    async messages(caseId: string, limit = 50): Promise<CaseMessage[]> {
      const { Items } = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :msg)',
          ExpressionAttributeValues: { ':pk': keys.casePartition(caseId), ':msg': keys.caseMessagePrefix },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return (Items ?? []).map((i) => stripKeys<CaseMessage>(i));
    },

    /** The history of one case, oldest first. */
    async history(caseId: string, limit = 200): Promise<CaseHistoryEntry[]> {
      const { Items } = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :hist)',
          ExpressionAttributeValues: { ':pk': keys.casePartition(caseId), ':hist': keys.caseHistoryPrefix },
          Limit: limit,
        }),
      );
      return (Items ?? []).map((i) => stripKeys<CaseHistoryEntry>(i));
    },
  };
}

export type CaseRepository = ReturnType<typeof caseRepository>;
