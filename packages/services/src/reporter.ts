import type { ArchiveStore } from '@cc/channels';
import {
  isReplayFor,
  isReportItem,
  reportRepository,
  type BucketDelta,
  type ChangeRecord,
  type Ledger,
  type LedgerWrite,
} from '@cc/store';
import type { ServiceContext } from './context';
import { archiveRecords } from './report-archive';
import { factContext } from './report-context';
import {
  emptyLedger,
  foldLedger,
  itemFacts,
  ledgerFacts,
  ledgerSubjectOf,
  type FactContext,
  type LedgerState,
} from './report-facts';

/** How often one record is re-read and re-applied when its ledger or a bucket moved under it, before giving up. */
const APPLY_TRIES = 8;
/** Partition keys worked on at once within a batch (each key's records stay in order). */
const PARALLEL_KEYS = 8;

export type RecordOutcome = 'applied' | 'duplicate' | 'nothing';

export interface BatchResult {
  /** The first record that failed: the batch is retried from it (everything before it is done). */
  failedSequenceNumber?: string;
  outcomes: Record<RecordOutcome, number>;
  archived: number;
}

/** JSON with object keys sorted: ledgers read back from DynamoDB do not keep their keys' order. */
export const stableJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );

/** The change one record makes to the aggregates: the difference of what its item counted for, and its ledger. */
export async function effectOf(
  record: ChangeRecord,
  facts: FactContext,
  readLedger: (kind: LedgerWrite['kind'], id: string) => Promise<Ledger<unknown> | undefined>,
): Promise<{ ledger?: LedgerWrite; deltas: BucketDelta[] } | undefined> {
  const before = record.removedByTtl ? undefined : record.oldImage;
  const tally = (await itemFacts(record.newImage, facts)).merge(await itemFacts(before, facts), -1);
  let ledger: LedgerWrite | undefined;
  const subject = ledgerSubjectOf(record.keys, record.newImage ?? record.oldImage);
  const stored = subject && (await readLedger(subject.kind, subject.id));
  if (subject && !isReplayFor(stored?.sequenceNumber, record.sequenceNumber)) {
    const was = (stored?.state as LedgerState | undefined) ?? emptyLedger(subject.kind);
    const is = foldLedger(subject.kind, was, record.keys, record.oldImage, record.newImage);
    if (stableJson(was) !== stableJson(is)) {
      ledger = { ...subject, state: is, expectedVersion: stored?.version ?? 0, sequenceNumber: record.sequenceNumber };
      tally.merge(await ledgerFacts(subject.kind, is, facts)).merge(await ledgerFacts(subject.kind, was, facts), -1);
    }
  }
  const deltas = tally.deltas();
  return ledger || deltas.length > 0 ? { ledger, deltas } : undefined;
}

/**
 * The DynamoDB stream consumer (functions/reporter.ts in AWS, a poller in the local runtime): archives the batch,
 * then applies each record to the report aggregates, each exactly once and in order per partition key. A record's
 * mark (its eventID), its ledger and its counters commit in one transaction, so a replayed or redelivered record
 * changes nothing.
 */
export function reporterService(ctx: ServiceContext, deps: { archive?: ArchiveStore }) {
  const reports = reportRepository(ctx.store);
  const facts = factContext(ctx);

  async function applyRecord(record: ChangeRecord): Promise<RecordOutcome> {
    if (isReportItem(record.keys.pk)) return 'nothing';
    for (let attempt = 1; ; attempt++) {
      const effect = await effectOf(record, facts, (kind, id) => reports.ledger(kind, id));
      if (!effect) return 'nothing';
      const outcome = await reports.apply(record.eventId, effect, ctx.clock());
      if (outcome !== 'ledger-moved' && outcome !== 'contended') return outcome;
      if (attempt >= APPLY_TRIES)
        throw new Error(`the record's ${outcome === 'contended' ? 'buckets' : 'ledger'} kept changing`);
      // Another record's transaction held the same aggregate item: read again after a short, jittered pause.
      if (outcome === 'contended') await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }

  async function handleBatch(records: readonly ChangeRecord[]): Promise<BatchResult> {
    const outcomes: Record<RecordOutcome, number> = { applied: 0, duplicate: 0, nothing: 0 };
    let archived = 0;
    if (deps.archive) {
      try {
        archived = await archiveRecords(deps.archive, ctx.store.tableName, records);
      } catch (error) {
        ctx.log.warn('archive write failed; the batch will be retried', { error: (error as Error).message });
        return { failedSequenceNumber: records[0]?.sequenceNumber, outcomes, archived };
      }
    }
    // Records of one partition key (one case, one customer, one ledger) are applied in order; different keys at
    // once. On a failure, the batch is answered from the earliest failed record: what was applied after it is a
    // replay the next time, which its mark and its ledger's position make harmless.
    const byKey = new Map<string, number[]>();
    records.forEach((r, i) => byKey.set(r.keys.pk, [...(byKey.get(r.keys.pk) ?? []), i]));
    let failedAt = Infinity;
    const queue = [...byKey.values()];
    const worker = async () => {
      for (let indices = queue.shift(); indices; indices = queue.shift()) {
        for (const i of indices) {
          if (i > failedAt) break;
          const record = records[i]!;
          try {
            outcomes[await applyRecord(record)]++;
          } catch (error) {
            failedAt = Math.min(failedAt, i);
            ctx.log.warn('report aggregate update failed; the batch will be retried from this record', {
              eventId: record.eventId,
              sequenceNumber: record.sequenceNumber,
              error: (error as Error).message,
            });
            break;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_KEYS, queue.length) }, worker));
    return Number.isFinite(failedAt)
      ? { failedSequenceNumber: records[failedAt]!.sequenceNumber, outcomes, archived }
      : { outcomes, archived };
  }

  return { handleBatch, applyRecord };
}

export type ReporterService = ReturnType<typeof reporterService>;
