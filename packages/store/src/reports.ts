import { BatchGetCommand, BatchWriteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '@cc/core';
import { hotKeyShards, type StoreContext } from './client';
import { keys, shardKeys, shardOf } from './keys';
import { put, putNew, transact, TransactionRefused, update, type LabelledItem } from './transact';
import { scanTable } from './ops/scan-table';

/** The scopes and periods of aggregate items, spelled by keys.ts: services name buckets through these. */
export const reportScope = { branch: keys.reportBranchScope, manager: keys.reportManagerScope };
export const reportPeriod = { day: keys.reportDay, month: keys.reportMonth, now: keys.reportNow };

/** The month (YYYY-MM) a day or month period belongs to; undefined for NOW. */
export function reportPeriodMonth(period: string): string | undefined {
  const [kind, value] = period.split('#') as [string, string | undefined];
  if (kind === keys.reportDay('').slice(0, -1)) return value?.slice(0, 7);
  if (kind === keys.reportMonth('').slice(0, -1)) return value;
  return undefined;
}

/** Counter name → amount. */
export type Counters = Record<string, number>;

/** What to add to one aggregate item: `scope` is reportBranchScope/reportManagerScope, `period` DAY#/MONTH#/NOW. */
export interface BucketDelta {
  scope: string;
  period: string;
  counters: Counters;
}

export type LedgerKind = 'case' | 'customer';

export interface Ledger<S> {
  state: S;
  version: number;
  /** The stream position of the last record folded into it: an earlier record is a replay (see isReplayFor). */
  sequenceNumber?: string;
}

/** The new state of a ledger, written only if it is still at `expectedVersion` (0: it does not exist yet). */
export interface LedgerWrite {
  kind: LedgerKind;
  id: string;
  state: unknown;
  expectedVersion: number;
  sequenceNumber?: string;
}

/**
 * Whether a record at `sequenceNumber` was already folded into a ledger last moved at `ledgerSequence`. Stream
 * sequence numbers grow over time for one partition key (a child shard continues after its parent), and every item
 * of one ledger shares its partition key, so a record at or before the ledger's position is a redelivery. This also
 * covers records that changed nothing when first applied, and so left no mark.
 */
export function isReplayFor(ledgerSequence: string | undefined, sequenceNumber: string): boolean {
  if (!ledgerSequence || !/^\d+$/.test(ledgerSequence) || !/^\d+$/.test(sequenceNumber)) return false;
  return BigInt(sequenceNumber) <= BigInt(ledgerSequence);
}

/** `contended`: another transaction was writing one of the same items at that moment (TransactionConflict). */
export type ApplyOutcome = 'applied' | 'duplicate' | 'ledger-moved' | 'contended';

/** Counters are attributes named with this prefix, beside the item's keys and labels. */
const COUNTER_PREFIX = 'c|';
const MARK_LABEL = 'report-mark';
const LEDGER_LABEL = 'report-ledger';
/** TransactWriteItems takes 100 actions: the mark and the ledger leave this many for buckets. */
const MAX_BUCKETS = 98;
/** Stream records are kept 24 h and Lambda retries within that; a mark outlives any redelivery. */
const MARK_TTL_SECONDS = 3 * 86_400;

export const countersOf = (item: Record<string, unknown> | undefined): Counters => {
  const counters: Counters = {};
  for (const [name, value] of Object.entries(item ?? {}))
    if (name.startsWith(COUNTER_PREFIX) && typeof value === 'number')
      counters[name.slice(COUNTER_PREFIX.length)] = value;
  return counters;
};

const bucketLabels = (scope: string, period: string) => ({ entity: 'report', scope, period });

/** `sum` plus the counters of one shard's item. */
function addCounters(sum: Counters | undefined, item: Record<string, unknown>): Counters {
  const total: Counters = { ...sum };
  for (const [name, value] of Object.entries(countersOf(item))) total[name] = (total[name] ?? 0) + value;
  return total;
}

function bucketUpdate(ctx: StoreContext, delta: BucketDelta, index: number, eventId: string): LabelledItem {
  const names: Record<string, string> = { '#entity': 'entity', '#scope': 'scope', '#period': 'period' };
  const values: Record<string, unknown> = { ':entity': 'report', ':scope': delta.scope, ':period': delta.period };
  const adds = Object.entries(delta.counters).map(([name, amount], i) => {
    names[`#c${i}`] = COUNTER_PREFIX + name;
    values[`:c${i}`] = amount;
    return `#c${i} :c${i}`;
  });
  return update(
    ctx,
    `report-bucket:${index}`,
    keys.reportBucket(delta.scope, delta.period, shardOf(eventId, hotKeyShards(ctx))),
    `SET #entity = :entity, #scope = :scope, #period = :period ADD ${adds.join(', ')}`,
    { names, values },
  );
}

const ledgerItem = (write: LedgerWrite) => ({
  ...keys.reportLedger(write.kind, write.id),
  entity: 'report-ledger',
  kind: write.kind,
  subjectId: write.id,
  state: write.state,
  version: write.expectedVersion + 1,
  ...(write.sequenceNumber && { sequenceNumber: write.sequenceNumber }),
});

/** The aggregates the reports read, and the ledgers and marks the stream consumer keeps to count exactly once. */
export function reportRepository(ctx: StoreContext) {
  const { doc, tableName } = ctx;

  /**
   * Applies one stream record's effect in one transaction: its mark (refused if the record was applied before),
   * the ledger it changed (refused if another change moved it meanwhile) and the counters it adds.
   */
  async function apply(
    eventId: string,
    change: { ledger?: LedgerWrite; deltas: BucketDelta[] },
    now: Date,
  ): Promise<ApplyOutcome> {
    const deltas = change.deltas.filter((d) => Object.keys(d.counters).length > 0);
    if (deltas.length > MAX_BUCKETS)
      throw new Error(`one stream record changes ${deltas.length} report buckets; at most ${MAX_BUCKETS} fit`);
    const items: LabelledItem[] = [
      putNew(ctx, MARK_LABEL, {
        ...keys.reportMark(eventId),
        entity: 'report-mark',
        expiresAt: Math.floor(now.getTime() / 1000) + MARK_TTL_SECONDS,
      }),
      ...(change.ledger
        ? [
            put(ctx, LEDGER_LABEL, ledgerItem(change.ledger), {
              expression: change.ledger.expectedVersion === 0 ? 'attribute_not_exists(pk)' : '#v = :expected',
              ...(change.ledger.expectedVersion !== 0 && {
                names: { '#v': 'version' },
                values: { ':expected': change.ledger.expectedVersion },
              }),
            }),
          ]
        : []),
      ...deltas.map((d, i) => bucketUpdate(ctx, d, i, eventId)),
    ];
    try {
      await transact(ctx, items);
      return 'applied';
    } catch (error) {
      if (error instanceof TransactionRefused) {
        if (error.failedLabels.includes(MARK_LABEL)) return 'duplicate';
        if (error.failedLabels.includes(LEDGER_LABEL)) return 'ledger-moved';
      }
      if (error instanceof ConflictError && error.code === 'store.concurrent_write') return 'contended';
      throw error;
    }
  }

  async function ledger<S>(kind: LedgerKind, id: string): Promise<Ledger<S> | undefined> {
    const { Item } = await doc.send(
      new GetCommand({ TableName: tableName, Key: keys.reportLedger(kind, id), ConsistentRead: true }),
    );
    return Item
      ? {
          state: Item.state as S,
          version: Number(Item.version),
          ...(typeof Item.sequenceNumber === 'string' && { sequenceNumber: Item.sequenceNumber }),
        }
      : undefined;
  }

  /**
   * The buckets of one scope whose period sorts between `from` and `to` (both included), in order: one Query per
   * shard of the scope, in parallel, summed.
   */
  async function range(scope: string, from: string, to: string): Promise<Map<string, Counters>> {
    const found = new Map<string, Counters>();
    const readShard = async (partition: string) => {
      const items: Record<string, unknown>[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const result = await doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: { ':pk': partition, ':from': from, ':to': to },
            ExclusiveStartKey: startKey,
          }),
        );
        items.push(...(result.Items ?? []));
        startKey = result.LastEvaluatedKey;
      } while (startKey);
      return items;
    };
    const shards = await Promise.all(shardKeys(keys.reportPartition(scope), hotKeyShards(ctx)).map(readShard));
    for (const item of shards.flat()) found.set(String(item.sk), addCounters(found.get(String(item.sk)), item));
    return new Map([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Several buckets by key, every shard of each (BatchGetItem, 100 a call), summed; never written: empty counters. */
  async function many(wanted: { scope: string; period: string }[]): Promise<Map<string, Counters>> {
    const found = new Map<string, Counters>();
    const keyOf = (scope: string, period: string) => `${scope}|${period}`;
    const shards = hotKeyShards(ctx);
    const bucketKeys = wanted.flatMap((w) =>
      Array.from({ length: shards }, (_, shard) => keys.reportBucket(w.scope, w.period, shard)),
    );
    const chunk = async (keys100: Record<string, unknown>[]) => {
      let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = {
        [tableName]: { Keys: keys100 },
      };
      while (request && Object.keys(request).length > 0) {
        const result = await doc.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of result.Responses?.[tableName] ?? []) {
          const key = keyOf(String(item.scope), String(item.period));
          found.set(key, addCounters(found.get(key), item));
        }
        request = result.UnprocessedKeys as typeof request;
      }
    };
    // The chunks in parallel: with every shard asked for, a branch's managers take several calls.
    const chunks = [];
    for (let i = 0; i < bucketKeys.length; i += 100) chunks.push(chunk(bucketKeys.slice(i, i + 100)));
    await Promise.all(chunks);
    return new Map(wanted.map((w) => [keyOf(w.scope, w.period), found.get(keyOf(w.scope, w.period)) ?? {}]));
  }

  return { apply, ledger, range, many };
}

export type ReportRepository = ReturnType<typeof reportRepository>;

/**
 * What `npm run reports:rebuild` needs (an operator's tool, never a request path): every item of the table, and
 * writes that replace aggregates and ledgers wholesale.
 */
export function reportRebuildRepository(ctx: StoreContext) {
  const { doc, tableName } = ctx;
  return {
    /** Every item of the table, page by page (Scan). */
    scan: () => scanTable(ctx),

    /**
     * Writes each bucket with exactly these counters (in its first shard, replacing what it had; its other shards
     * are deleted), and deletes every shard of the `stale` ones.
     */
    async replaceBuckets(buckets: BucketDelta[], stale: { scope: string; period: string }[]): Promise<void> {
      const shards = hotKeyShards(ctx);
      const deletes = new Map<string, Record<string, unknown>>();
      const remove = (scope: string, period: string, from: number) => {
        for (let shard = from; shard < shards; shard++)
          deletes.set(`${scope}|${period}|${shard}`, {
            DeleteRequest: { Key: keys.reportBucket(scope, period, shard) },
          });
      };
      for (const b of buckets) remove(b.scope, b.period, 1);
      for (const s of stale) remove(s.scope, s.period, 0);
      const requests = [
        ...buckets.map((b) => ({
          PutRequest: {
            Item: {
              ...keys.reportBucket(b.scope, b.period, 0),
              ...bucketLabels(b.scope, b.period),
              ...Object.fromEntries(Object.entries(b.counters).map(([n, v]) => [COUNTER_PREFIX + n, v])),
            },
          },
        })),
        ...deletes.values(),
      ];
      await batchWrite(ctx, requests);
    },

    /**
     * Writes a ledger's state, one version above what it was, keeping its stream position (unconditionally: the
     * consumer is caught up).
     */
    async putLedger(write: LedgerWrite): Promise<void> {
      await doc.send(new PutCommand({ TableName: tableName, Item: ledgerItem(write) }));
    },

    async deleteLedgers(ledgers: { kind: LedgerKind; id: string }[]): Promise<void> {
      await batchWrite(
        ctx,
        ledgers.map((l) => ({ DeleteRequest: { Key: keys.reportLedger(l.kind, l.id) } })),
      );
    },
  };
}

async function batchWrite(ctx: StoreContext, requests: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < requests.length; i += 25) {
    let pending: Record<string, unknown[]> | undefined = { [ctx.tableName]: requests.slice(i, i + 25) };
    for (let attempt = 0; pending && Object.keys(pending).length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      const result = await ctx.doc.send(new BatchWriteCommand({ RequestItems: pending as never }));
      pending = result.UnprocessedItems as typeof pending;
    }
  }
}

/** Whether a stored item is one the reporter wrote itself (aggregates, ledgers, marks). */
export const isReportItem = (pk: string) => pk.startsWith(keys.reportItemPrefix);
