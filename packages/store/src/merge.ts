import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TimelineEntry } from '@cc/core';
import { caseRepository, managerViewItems, savedCaseItem } from './cases';
import type { StoreContext } from './client';
import { isConditionalCheckFailed } from './errors';
import { retryConcurrentWrites } from './idempotency';
import { indexNames, keys } from './keys';
import { timelineItem } from './timeline';
import { del, put, stripKeys, transact, TransactionRefused, update, type LabelledItem } from './transact';

/** The customer everything of a merged record moves to, with the fields records denormalise. */
export interface RehomeTarget {
  mergedId: string;
  survivor: { id: string; customerNumber: string; name: string };
}

/**
 * Re-homes one kind of record (e.g. opportunities) from the merged customer to the survivor and
 * returns how many it moved. Must be idempotent: a merge that stopped half-way is finished by running
 * it again. Stores that keep records by customer outside the customer's partition register here
 * (`registerRehomeHook(...)` at module load); the merge runs every registered hook after moving the
 * partition, the cases and the open opportunities (found through their mirrors); closed opportunities
 * have no by-customer index, so the opportunity store re-homes those through a hook.
 */
export type RehomeHook = { name: string; run(ctx: StoreContext, target: RehomeTarget): Promise<number> };
export const rehomeHooks: RehomeHook[] = [];
export function registerRehomeHook(hook: RehomeHook): void {
  if (!rehomeHooks.some((h) => h.name === hook.name)) rehomeHooks.push(hook);
}

export interface MoveCounts {
  timeline: number;
  mirrors: number;
  counters: number;
  cases: number;
  [hook: string]: number;
}

const PAGE = 40; // at most two writes per item: 80 of the 100 a transaction allows
const sortPrefix = {
  timeline: keys.customerTimelinePrefix,
  openCase: keys.openCaseMirror('', '').sk,
  openOpportunity: keys.openOpportunityMirror('', '').sk,
  contactDay: keys.contactDay('', '').sk,
  stats: keys.customerStats('').sk,
  profile: keys.customer('').sk,
};

/** The writes that move one item of the merged partition to the survivor, or undefined to leave it. */
function moveItems(
  ctx: StoreContext,
  item: Record<string, unknown>,
  target: RehomeTarget,
  retentionDays: number,
): { kind: keyof MoveCounts; writes: LabelledItem[] } | undefined {
  const sk = String(item.sk);
  const survivorId = target.survivor.id;
  const gone = del(ctx, `remove:${sk}`, { pk: String(item.pk), sk }, { expression: 'attribute_exists(pk)' });
  if (sk.startsWith(sortPrefix.timeline)) {
    const entry: TimelineEntry = { ...stripKeys<TimelineEntry>(item), customerId: survivorId };
    const moved = (timelineItem(ctx, entry, retentionDays).item.Put?.Item ?? {}) as Record<string, unknown>;
    return {
      kind: 'timeline',
      writes: [put(ctx, `move:${sk}`, { ...moved, expiresAt: item.expiresAt ?? moved.expiresAt }), gone],
    };
  }
  if (sk.startsWith(sortPrefix.openCase) || sk.startsWith(sortPrefix.openOpportunity)) {
    const moved = {
      ...item,
      pk: keys.customerPartition(survivorId),
      ...('customerId' in item && { customerId: survivorId }),
    };
    return { kind: 'mirrors', writes: [put(ctx, `move:${sk}`, moved), gone] };
  }
  if (sk.startsWith(sortPrefix.contactDay)) {
    const day = sk.slice(sortPrefix.contactDay.length);
    const add = update(
      ctx,
      `move:${sk}`,
      keys.contactDay(survivorId, day),
      'ADD #n :n SET expiresAt = if_not_exists(expiresAt, :exp)',
      {
        names: { '#n': 'count' },
        values: {
          ':n': Number(item.count ?? 0),
          ':exp': item.expiresAt ?? Math.floor(Date.parse(day) / 1000) + 32 * 86_400,
        },
      },
    );
    return { kind: 'counters', writes: [add, gone] };
  }
  if (sk === sortPrefix.stats) {
    const last = typeof item.lastContactAt === 'string' ? item.lastContactAt : undefined;
    const add = update(
      ctx,
      'move:stats',
      keys.customerStats(survivorId),
      'ADD openCases :oc, unresolvedContacts :uc' +
        `${last ? ' SET lastContactAt = if_not_exists(lastContactAt, :lc)' : ''}`,
      {
        values: {
          ':oc': Number(item.openCases ?? 0),
          ':uc': Number(item.unresolvedContacts ?? 0),
          ...(last && { ':lc': last }),
        },
      },
    );
    return { kind: 'counters', writes: [add, gone] };
  }
  return undefined;
}

/**
 * Moves the merged customer's partition (contact history, open mirrors, day counters, stats) to the
 * survivor, one page per transaction: each item is written under the survivor and deleted from the
 * merged partition atomically, so a re-run moves only what is left and never counts anything twice. Runs of the
 * same merge may overlap (copies of one request): a page another run moved part of meanwhile is read again.
 */
async function movePartition(
  ctx: StoreContext,
  target: RehomeTarget,
  retentionDays: number,
  counts: MoveCounts,
): Promise<void> {
  let startKey: Record<string, unknown> | undefined;
  for (;;) {
    const page = await retryConcurrentWrites(() => movePage(ctx, target, retentionDays, startKey));
    if (!page) continue;
    for (const kind of page.moved) counts[kind] = (counts[kind] ?? 0) + 1;
    startKey = page.next;
    if (!startKey) return;
  }
}

/** Moves one page from `startKey`; undefined when another run removed some of its items first. */
async function movePage(
  ctx: StoreContext,
  target: RehomeTarget,
  retentionDays: number,
  startKey: Record<string, unknown> | undefined,
) {
  const page = await ctx.doc.send(
    new QueryCommand({
      TableName: ctx.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.customerPartition(target.mergedId) },
      ExclusiveStartKey: startKey,
      ConsistentRead: true,
      Limit: PAGE,
    }),
  );
  const moves = (page.Items ?? []).map((i) => moveItems(ctx, i, target, retentionDays)).filter((m) => m !== undefined);
  try {
    if (moves.length)
      await transact(
        ctx,
        moves.flatMap((m) => m.writes),
      );
  } catch (error) {
    if (error instanceof TransactionRefused && error.failedLabels.every((l) => l.startsWith('remove:'))) return;
    throw error;
  }
  return { moved: moves.map((m) => m.kind), next: page.LastEvaluatedKey };
}

/**
 * Points one case of the merged customer at the survivor: its customer fields, its by-customer index key and
 * its managers' copies, version-checked (re-read when it changed meanwhile). False when it already moved.
 */
async function rehomeCase(ctx: StoreContext, caseId: string, target: RehomeTarget): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const c = await caseRepository(ctx).get(caseId, true);
    if (!c || c.customerId !== target.mergedId) return false;
    const after = {
      ...c,
      customerId: target.survivor.id,
      customerNumber: target.survivor.customerNumber,
      customerName: target.survivor.name,
      version: c.version + 1,
    };
    try {
      await transact(ctx, [savedCaseItem(ctx, after, c.version), ...managerViewItems(ctx, c, after)]);
      return true;
    } catch (error) {
      if (!(error instanceof TransactionRefused) || attempt >= 3) throw error;
    }
  }
}

/** Points the merged customer's cases at the survivor (see rehomeCase); a re-run moves only what is left. */
async function moveCases(ctx: StoreContext, target: RehomeTarget, counts: MoveCounts): Promise<void> {
  for (;;) {
    const page = await ctx.doc.send(
      new QueryCommand({
        TableName: ctx.tableName,
        IndexName: indexNames.gsi1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.casesByCustomer(target.mergedId) },
        ProjectionExpression: 'id',
        Limit: 25,
      }),
    );
    const found = page.Items ?? [];
    if (found.length === 0) return;
    const moved = await Promise.all(found.map((k) => rehomeCase(ctx, String(k.id), target)));
    counts.cases += moved.filter(Boolean).length;
    // The index is eventually consistent: stop when a page yields nothing new to move.
    if (!moved.some(Boolean)) return;
  }
}

/**
 * Open opportunities are found through their mirrors (now under the survivor): their main item and
 * branch-view copy get the survivor's customer fields. Closed ones have no by-customer index; the
 * opportunity store re-homes those through a `rehomeHooks` entry.
 */
async function moveOpenOpportunities(ctx: StoreContext, target: RehomeTarget, counts: MoveCounts): Promise<void> {
  const { Items = [] } = await ctx.doc.send(
    new QueryCommand({
      TableName: ctx.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :opp)',
      ExpressionAttributeValues: {
        ':pk': keys.customerPartition(target.survivor.id),
        ':opp': sortPrefix.openOpportunity,
      },
      ConsistentRead: true,
    }),
  );
  const ids = Items.map((i) => String(i.opportunityId ?? String(i.sk).slice(sortPrefix.openOpportunity.length)));
  const moved = await Promise.all(
    ids.flatMap((id) =>
      [keys.opportunity(id), keys.opportunityBranchView(id)].map((key) => reassign(ctx, key, target)),
    ),
  );
  counts.opportunities = (counts.opportunities ?? 0) + moved.filter(Boolean).length / 2;
}

/** Sets the survivor's customer fields on one record that still names the merged customer. */
async function reassign(ctx: StoreContext, key: { pk: string; sk: string }, target: RehomeTarget): Promise<boolean> {
  try {
    await ctx.doc.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: key,
        UpdateExpression: 'SET customerId = :survivor, customerNumber = :number, customerName = :name',
        ConditionExpression: 'customerId = :merged',
        ExpressionAttributeValues: {
          ':survivor': target.survivor.id,
          ':number': target.survivor.customerNumber,
          ':name': target.survivor.name,
          ':merged': target.mergedId,
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** Re-homes everything of the merged customer under the survivor. Safe to run again after a failure. */
export async function rehomeCustomerRecords(
  ctx: StoreContext,
  target: RehomeTarget,
  retentionDays: number,
): Promise<MoveCounts> {
  const counts: MoveCounts = { timeline: 0, mirrors: 0, counters: 0, cases: 0 };
  await movePartition(ctx, target, retentionDays, counts);
  await moveCases(ctx, target, counts);
  await moveOpenOpportunities(ctx, target, counts);
  for (const hook of rehomeHooks) counts[hook.name] = await hook.run(ctx, target);
  return counts;
}
