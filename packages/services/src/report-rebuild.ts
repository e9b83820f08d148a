import { localDay, monthOf, nextMonth } from '@cc/core';
import {
  countersOf,
  isReportItem,
  reportPeriodMonth,
  reportRebuildRepository,
  type BucketDelta,
  type Counters,
  type LedgerKind,
} from '@cc/store';
import type { ServiceContext } from './context';
import { factContext } from './report-context';
import {
  emptyLedger,
  foldLedger,
  itemFacts,
  ledgerFacts,
  ledgerSubjectOf,
  Tally,
  type LedgerState,
} from './report-facts';

export interface RebuildOptions {
  /** YYYY-MM-DD; the range is widened to whole months (a month's bucket is the sum of its days). */
  from?: string;
  to?: string;
}

export interface RebuildResult {
  /** The months whose day and month buckets were recounted. */
  months: { from: string; to: string };
  /** Whether the present-state buckets (NOW) and the ledgers were recounted too (only without a range). */
  present: boolean;
  itemsRead: number;
  bucketsWritten: number;
  bucketsRemoved: number;
  ledgersWritten: number;
}

/** A stored aggregate that is not what the base items count (counters missing on one side count as 0). */
export interface BucketDifference {
  scope: string;
  period: string;
  /** Counter → [stored, recounted], for the counters that differ. */
  counters: Record<string, [number, number]>;
}

const bucketKey = (scope: string, period: string) => `${scope}|${period}`;

/**
 * `npm run reports:rebuild`: recounts the aggregates from the base items (a Scan: an operator's tool) with the same
 * functions the stream consumer applies, and replaces them. Without a range it recounts the months wholly inside the
 * retention period (older contacts have left the table; their counts stay as the stream left them), what is true at
 * present and every ledger. Run it with the consumer caught up and nothing writing (docs/reports.md).
 */
export function reportRebuildService(ctx: ServiceContext) {
  const repo = reportRebuildRepository(ctx.store);
  const facts = factContext(ctx);

  function monthsOf(options: RebuildOptions): { from: string; to: string } {
    if (options.from || options.to) {
      const today = localDay(ctx.clock(), 'UTC');
      return { from: monthOf(options.from ?? options.to!), to: monthOf(options.to ?? today) };
    }
    const oldest = new Date(ctx.clock().getTime() - ctx.settings.RETENTION_DAYS * 86_400_000);
    return { from: nextMonth(monthOf(localDay(oldest, 'UTC'))), to: '9999-12' };
  }

  /** What the aggregates of the range should be, counted from the base items, beside what is stored (a Scan). */
  async function recount(options: RebuildOptions) {
    const present = !options.from && !options.to;
    const months = monthsOf(options);
    const inRange = (period: string) => {
      const month = reportPeriodMonth(period);
      return month === undefined ? present : month >= months.from && month <= months.to;
    };
    const tally = new Tally();
    const ledgers = new Map<string, { kind: LedgerKind; id: string; state: LedgerState }>();
    const storedBuckets = new Map<string, { scope: string; period: string; counters: Counters }>();
    const addStored = (scope: string, period: string, counters: Counters) => {
      const sum = storedBuckets.get(bucketKey(scope, period)) ?? { scope, period, counters: {} };
      for (const [name, value] of Object.entries(counters)) sum.counters[name] = (sum.counters[name] ?? 0) + value;
      storedBuckets.set(bucketKey(scope, period), sum);
    };
    const existingLedgers = new Map<
      string,
      { kind: LedgerKind; id: string; version: number; sequenceNumber?: string }
    >();
    let itemsRead = 0;
    for await (const page of repo.scan()) {
      for (const item of page) {
        const keys = { pk: String(item.pk), sk: String(item.sk) };
        if (isReportItem(keys.pk)) {
          // A bucket is stored in shards (keys.ts, reportBucket): its counters are their sum.
          if (item.entity === 'report') addStored(String(item.scope), String(item.period), countersOf(item));
          if (item.entity === 'report-ledger') {
            const kind = item.kind as LedgerKind;
            const id = String(item.subjectId);
            const sequenceNumber = typeof item.sequenceNumber === 'string' ? item.sequenceNumber : undefined;
            existingLedgers.set(`${kind}#${id}`, { kind, id, version: Number(item.version), sequenceNumber });
          }
          continue;
        }
        itemsRead++;
        tally.merge(await itemFacts(item, facts));
        const subject = ledgerSubjectOf(keys, item);
        if (!subject) continue;
        const key = `${subject.kind}#${subject.id}`;
        const was = ledgers.get(key)?.state ?? emptyLedger(subject.kind);
        ledgers.set(key, { ...subject, state: foldLedger(subject.kind, was, keys, undefined, item) });
      }
    }
    for (const ledger of ledgers.values()) tally.merge(await ledgerFacts(ledger.kind, ledger.state, facts));
    const buckets: BucketDelta[] = tally.deltas().filter((b) => inRange(b.period));
    const stored = [...storedBuckets.values()].filter((b) => inRange(b.period));
    return { present, months, itemsRead, buckets, stored, ledgers, existingLedgers };
  }

  async function rebuild(options: RebuildOptions = {}): Promise<RebuildResult> {
    const { present, months, itemsRead, buckets, stored, ledgers, existingLedgers } = await recount(options);
    const written = new Set(buckets.map((b) => bucketKey(b.scope, b.period)));
    const stale = stored
      .filter((b) => !written.has(bucketKey(b.scope, b.period)))
      .map(({ scope, period }) => ({ scope, period }));
    await repo.replaceBuckets(buckets, stale);
    if (present) {
      for (const [key, ledger] of ledgers) {
        const existing = existingLedgers.get(key);
        await repo.putLedger({
          ...ledger,
          expectedVersion: existing?.version ?? 0,
          sequenceNumber: existing?.sequenceNumber,
        });
      }
      await repo.deleteLedgers([...existingLedgers].filter(([key]) => !ledgers.has(key)).map(([, l]) => l));
    }
    return {
      months:
        present && months.to === '9999-12' ? { from: months.from, to: monthOf(localDay(ctx.clock(), 'UTC')) } : months,
      present,
      itemsRead,
      bucketsWritten: buckets.length,
      bucketsRemoved: stale.length,
      ledgersWritten: present ? ledgers.size : 0,
    };
  }

  /**
   * The aggregates a rebuild would change (the months inside the retention period, and the present): what
   * `npm run check-data -- --reports` reports. Like the rebuild, it needs the consumer caught up.
   */
  async function differences(): Promise<{ compared: number; differences: BucketDifference[] }> {
    const { buckets, stored } = await recount({});
    const expected = new Map(buckets.map((b) => [bucketKey(b.scope, b.period), b]));
    const all = new Map(stored.map((b) => [bucketKey(b.scope, b.period), b]));
    for (const [key, b] of expected) if (!all.has(key)) all.set(key, { ...b, counters: {} });
    const found: BucketDifference[] = [];
    for (const [key, { scope, period, counters }] of all) {
      const wanted = expected.get(key)?.counters ?? {};
      const differing: BucketDifference['counters'] = {};
      for (const name of new Set([...Object.keys(counters), ...Object.keys(wanted)])) {
        const [is, should] = [counters[name] ?? 0, wanted[name] ?? 0];
        if (is !== should) differing[name] = [is, should];
      }
      if (Object.keys(differing).length) found.push({ scope, period, counters: differing });
    }
    return { compared: all.size, differences: found };
  }

  return { rebuild, differences };
}

export type ReportRebuildService = ReturnType<typeof reportRebuildService>;
