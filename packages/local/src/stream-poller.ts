import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { Logger } from '@cc/core';
import { budgets } from '@cc/core/budgets';
import { withDeadline, type Services } from '@cc/services';
import { decodeStreamRecord, type RawStreamRecord } from '@cc/store';

export interface StreamPollerOptions {
  streams: DynamoDBStreamsClient;
  streamArn: string;
  /** Handles one batch in order; a failed record is retried, with everything after it, like Lambda does. */
  handle(records: RawStreamRecord[]): Promise<{ failedSequenceNumber?: string }>;
  log: Logger;
  /** Records per GetRecords (Lambda's batch size). */
  batchSize?: number;
  /** Tries of one record before it is given up on (Lambda's retry attempts; there, the on-failure destination). */
  maxAttempts?: number;
  /** Pause when a round found nothing new. */
  idleMs?: number;
  /** Where to start on the shards open at start: all that is kept (default, as the stack's mapping), or new records. */
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
}

interface ShardState {
  id: string;
  parentId?: string;
  iterator?: string;
  /** The last sequence number handled; reading resumes after it. */
  after?: string;
  /** Read to its end (the shard was closed and every record handled). */
  done: boolean;
  /** Open when the poller started with LATEST: read from its tip. */
  fromTip: boolean;
  failures: { sequenceNumber: string; attempts: number } | undefined;
}

/**
 * The local stand-in for Lambda's DynamoDB stream event source: reads every shard of the table's stream in lineage
 * order (a child after its parent), hands batches to `handle`, and on a failed record reads again from it, up to
 * `maxAttempts`, then gives it up with an error log (in AWS it would go to the reporter's DLQ). Positions are kept
 * in memory: a restart reads the stream from its trim horizon (24 h), and the reporter's marks skip what it had done.
 */
export function streamPoller(options: StreamPollerOptions) {
  const { streams, streamArn, log } = options;
  const batchSize = options.batchSize ?? 100;
  const maxAttempts = options.maxAttempts ?? 5;
  const shards = new Map<string, ShardState>();
  let discovered = false;

  async function discover(): Promise<void> {
    let start: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      for (const shard of StreamDescription?.Shards ?? []) track(shard);
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    discovered = true;
  }

  function track(shard: Shard): void {
    if (!shard.ShardId || shards.has(shard.ShardId)) return;
    const open = !shard.SequenceNumberRange?.EndingSequenceNumber;
    const fromTip = !discovered && options.startingPosition === 'LATEST' && open;
    shards.set(shard.ShardId, {
      id: shard.ShardId,
      parentId: shard.ParentShardId,
      done: !discovered && options.startingPosition === 'LATEST' && !open,
      fromTip,
      failures: undefined,
    });
  }

  async function iteratorFor(shard: ShardState, type: ShardIteratorType, sequenceNumber?: string) {
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.id,
        ShardIteratorType: type,
        SequenceNumber: sequenceNumber,
      }),
    );
    return ShardIterator;
  }

  /** One GetRecords on the shard; returns how many records it handled. */
  async function readShard(shard: ShardState): Promise<number> {
    shard.iterator ??= shard.after
      ? await iteratorFor(shard, 'AFTER_SEQUENCE_NUMBER', shard.after)
      : await iteratorFor(shard, shard.fromTip ? 'LATEST' : 'TRIM_HORIZON');
    if (!shard.iterator) {
      shard.done = true;
      return 0;
    }
    let result;
    try {
      result = await streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: batchSize }));
    } catch (error) {
      if (!(error instanceof ExpiredIteratorException)) throw error;
      shard.iterator = undefined;
      return 0;
    }
    const records = (result.Records ?? []) as RawStreamRecord[];
    if (records.length === 0) {
      shard.iterator = result.NextShardIterator;
      if (!shard.iterator) shard.done = true;
      return 0;
    }
    const { failedSequenceNumber } = await options.handle(records);
    if (!failedSequenceNumber) {
      shard.after = records.at(-1)!.dynamodb?.SequenceNumber;
      shard.iterator = result.NextShardIterator;
      shard.failures = undefined;
      if (!shard.iterator) shard.done = true;
      return records.length;
    }
    const attempts = shard.failures?.sequenceNumber === failedSequenceNumber ? shard.failures.attempts + 1 : 1;
    const failedAt = records.findIndex((r) => r.dynamodb?.SequenceNumber === failedSequenceNumber);
    if (attempts >= maxAttempts) {
      const failed = records[failedAt];
      log.error('stream record given up after its retries; its changes are not in the reports', {
        eventId: failed?.eventID,
        sequenceNumber: failedSequenceNumber,
        attempts,
      });
      shard.after = failedSequenceNumber;
      shard.failures = undefined;
    } else {
      shard.failures = { sequenceNumber: failedSequenceNumber, attempts };
      shard.after = failedAt > 0 ? records[failedAt - 1]!.dynamodb?.SequenceNumber : shard.after;
    }
    shard.iterator = undefined;
    return Math.max(failedAt, 0);
  }

  /** One pass over every shard whose parent is done; returns the records handled (0: caught up). */
  async function round(): Promise<{ handled: number; failing: boolean }> {
    await discover();
    let handled = 0;
    for (const shard of shards.values()) {
      if (shard.done) continue;
      const parent = shard.parentId ? shards.get(shard.parentId) : undefined;
      if (parent && !parent.done) continue;
      handled += await readShard(shard);
    }
    return { handled, failing: [...shards.values()].some((s) => s.failures) };
  }

  /** Reads until a round finds nothing new and nothing is being retried (tests, the bench, the rebuild's check). */
  async function catchUp(maxRounds = 10_000): Promise<void> {
    for (let i = 0; i < maxRounds; i++) {
      const { handled, failing } = await round();
      if (handled === 0 && !failing) return;
    }
    throw new Error('the stream did not settle');
  }

  /** Polls in the background until stopped. */
  function start(): { stop(): Promise<void> } {
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        try {
          const { handled, failing } = await round();
          if (handled === 0 || failing) await new Promise((r) => setTimeout(r, options.idleMs ?? 250));
        } catch (error) {
          if (stopped) break;
          log.warn('stream poller error; retrying', { error: (error as Error).message });
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    })();
    return {
      async stop() {
        stopped = true;
        await loop;
      },
    };
  }

  return { round, catchUp, start };
}

export type StreamPoller = ReturnType<typeof streamPoller>;

/**
 * The poller that feeds the table's stream to the reporter (report aggregates and the archive), each batch within
 * the reporter's deadline as in Lambda: records not reached by then fail and are read again from the first of them.
 */
export const reporterPoller = (
  services: Pick<Services, 'reporter'>,
  options: Omit<StreamPollerOptions, 'handle'>,
): StreamPoller =>
  streamPoller({
    ...options,
    handle: (records) =>
      withDeadline(budgets.reporter.deadlineMs, () => services.reporter.handleBatch(records.map(decodeStreamRecord))),
  });
