import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { awaitsResponse, isOpen, type Actor, type Case, type CaseStatus } from '@cc/core';
import type { StoreContext } from './client';
import { attr, indexNames, keys } from './keys';
import { queryIndex } from './index-query';
import { conditionCheck, del, put, putNew, stripKeys, update, type LabelledItem } from './transact';
import { statsItem } from './timeline';

/** One line of a case's history: every change, in the same transaction as the change. */
export interface CaseHistoryEntry {
  id: string;
  caseId: string;
  at: string;
  actor: Actor;
  action:
    'created' | 'status_changed' | 'updated' | 'deleted' | 'restored' | 'escalated' | 'message' | 'response_overdue';
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

/** Watches a case until its first response: the sweeper lists these by `respondBy`. */
export const responseWatchItem = (ctx: StoreContext, c: Pick<Case, 'id' | 'respondBy'>): LabelledItem =>
  put(ctx, RESPONSE_WATCH_LABEL, {
    ...keys.caseResponseWatch(c.id),
    entity: 'response-watch',
    caseId: c.id,
    respondBy: c.respondBy,
    gsi1pk: keys.caseResponsesDue,
    gsi1sk: `${c.respondBy}#${c.id}`,
  });

/** Ends the watch. `onlyIfWatched`: refused (naming RESPONSE_WATCH_LABEL) when another run already ended it. */
export const responseWatchEnd = (ctx: StoreContext, caseId: string, onlyIfWatched = false): LabelledItem =>
  del(
    ctx,
    RESPONSE_WATCH_LABEL,
    keys.caseResponseWatch(caseId),
    onlyIfWatched ? { expression: 'attribute_exists(pk)' } : undefined,
  );

/**
 * The watch follows the case: it starts when a case waits for a first response (new, not deleted)
 * and ends when it no longer does (acted on, converted, deleted).
 */
export function responseWatchItems(ctx: StoreContext, before: Case | undefined, after: Case): LabelledItem[] {
  const was = !!before && awaitsResponse(before) && !!before.respondBy;
  const is = awaitsResponse(after) && !!after.respondBy;
  if (is && !was) return [responseWatchItem(ctx, after)];
  if (was && !is) return [responseWatchEnd(ctx, after.id)];
  return [];
}

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

/** Which list a query reads: a customer's cases, an owner's, a branch's queue (no owner), or all of a branch's. */
export type CaseList =
  | { by: 'customer'; customerId: string }
  | { by: 'owner'; ownerId: string }
  | { by: 'queue'; branchId: string }
  | { by: 'branch'; branchId: string };

function listQuery(list: CaseList): { index: string; pkAttr: string; pk: string } {
  switch (list.by) {
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
      const result = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':pk': keys.customerPartition(customerId), ':p': openCasePrefix },
          ConsistentRead: true,
        }),
      );
      return (result.Items ?? [])
        .map((i) => ({ id: String(i.id ?? String(i.sk).slice(openCasePrefix.length)), at: String(i.createdAt ?? '') }))
        .sort((a, b) => (a.at === b.at ? b.id.localeCompare(a.id) : b.at.localeCompare(a.at)))
        .map((c) => c.id);
    },

    /** Cases whose first-response deadline passed before `now` while still watched, oldest deadline first. */
    async listResponsesDue(now: Date, limit: number): Promise<{ caseId: string; respondBy: string }[]> {
      const items = await queryIndex(ctx, indexNames.gsi1, keys.caseResponsesDue, { before: now.toISOString(), limit });
      return items.map((i) => ({ caseId: String(i.caseId), respondBy: String(i.respondBy) }));
    },

    async get(id: string, consistent = false): Promise<Case | undefined> {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: keys.case(id), ConsistentRead: consistent }),
      );
      return Item ? stripKeys<Case>(Item) : undefined;
    },

    /** The last number taken in the year's case sequence (0 before the first); see caseSequenceItem. */
    async lastSequence(year: number): Promise<number> {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: keys.counter(`case-${year}`), ConsistentRead: true }),
      );
      return Number(Item?.seq ?? 0);
    },

    /** Newest first. Status and type narrow the page with a filter on the chosen index. */
    async list(list: CaseList, filter: CaseFilter, startKey: Record<string, unknown> | undefined, limit: number) {
      const { index, pkAttr, pk } = listQuery(list);
      const conditions: string[] = [];
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = { ':pk': pk };
      if (filter.status) {
        conditions.push('#status = :status');
        names['#status'] = 'status';
        values[':status'] = filter.status;
      }
      if (filter.type) {
        conditions.push('#type = :type');
        names['#type'] = 'type';
        values[':type'] = filter.type;
      }
      const result = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: index,
          KeyConditionExpression: `${pkAttr} = :pk`,
          ...(conditions.length && { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names }),
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
          Limit: limit,
        }),
      );
      return { items: (result.Items ?? []).map((i) => stripKeys<Case>(i)), lastKey: result.LastEvaluatedKey };
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
