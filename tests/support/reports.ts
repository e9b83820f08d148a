import { BatchWriteItemCommand, ScanCommand, type BatchWriteItemCommandInput } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { daysBetween, durationStep, isOpen, localDay, percentile, type CaseStatus } from '@cc/core';
import { reporterPoller, type StreamPoller } from '@cc/local/stream-poller';
import { isReportItem, type RawStreamRecord } from '@cc/store';
import type { TestContext } from './harness';

/** The reporter's local poller over the test table's stream, feeding `services` (default: the context's). */
export function reportsPoller(
  t: TestContext,
  services: Parameters<typeof reporterPoller>[0] = t.services,
): StreamPoller {
  return reporterPoller(services, { ...t.stream, log: t.deps.log });
}

type Item = Record<string, any>;

/** Every record of the table's stream so far, as GetRecords hands them over (one shard on DynamoDB Local). */
export async function streamRecords(t: TestContext): Promise<RawStreamRecord[]> {
  const { streams, streamArn } = t.stream;
  const out: RawStreamRecord[] = [];
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  for (const shard of StreamDescription?.Shards ?? []) {
    let iterator = (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      out.push(...((page.Records ?? []) as RawStreamRecord[]));
      if (!page.Records?.length) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

/** Every item of the test table (a Scan: tests may). */
export async function scanTable(t: TestContext): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, any> | undefined;
  do {
    const page = await t.dynamo.send(new ScanCommand({ TableName: t.tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []).map((i) => unmarshall(i)));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * The report aggregates as stored, every shard of a bucket summed: `<scope>|<period>` → non-zero counters (for
 * comparing two ways of keeping them).
 */
export async function aggregates(t: TestContext): Promise<Record<string, Record<string, number>>> {
  const sums: Record<string, Record<string, number>> = {};
  for (const item of await scanTable(t)) {
    if (item.entity !== 'report') continue;
    const bucket = (sums[`${item.scope}|${item.period}`] ??= {});
    for (const [name, value] of Object.entries(item))
      if (name.startsWith('c|') && typeof value === 'number') bucket[name] = (bucket[name] ?? 0) + value;
  }
  const out: Record<string, Record<string, number>> = {};
  for (const [bucket, counters] of Object.entries(sums)) {
    const nonZero = Object.fromEntries(Object.entries(counters).filter(([, v]) => v !== 0));
    if (Object.keys(nonZero).length) out[bucket] = nonZero;
  }
  return out;
}

/** Deletes everything the reporter wrote (aggregates, ledgers, marks), as if it had never run. */
export async function clearReports(t: TestContext): Promise<void> {
  const written = (await scanTable(t)).filter((i) => isReportItem(String(i.pk)));
  for (let i = 0; i < written.length; i += 25) {
    const requests = written
      .slice(i, i + 25)
      .map((item) => ({ DeleteRequest: { Key: marshall({ pk: item.pk, sk: item.sk }) } }));
    let pending: BatchWriteItemCommandInput['RequestItems'] = { [t.tableName]: requests };
    while (pending && Object.keys(pending).length)
      pending = (await t.dynamo.send(new BatchWriteItemCommand({ RequestItems: pending }))).UnprocessedItems;
  }
}

export interface Recount {
  contacts: Record<string, number>;
  opened: Record<string, number>;
  resolved: Record<string, number>;
  closed: Record<string, number>;
  breaches: number;
  escalations: number;
  backlog: number;
  ttfr: { median: number | null; p90: number | null; count: number };
  ttr: { median: number | null; p90: number | null; count: number };
}

/**
 * Per day, the daily report's figures counted straight from the base items of one branch, written independently of
 * the reporter's code (its definitions, from docs/reports.md): what the report must equal.
 */
export function recountDaily(items: Item[], branchId: string, zone: string, from: string, to: string) {
  const day = (at: string) => localDay(at, zone);
  const customers = new Map(items.filter((i) => i.entity === 'customer').map((c) => [c.id, c.branchId]));
  const cases = new Map(
    items.filter((i) => i.entity === 'case' && i.branchId === branchId && !i.deleted).map((c) => [c.id, c]),
  );
  const history = items.filter((i) => i.entity === 'case-history' && cases.has(i.caseId));
  const minutes = (from: string, to: string) => durationStep(Math.floor((Date.parse(to) - Date.parse(from)) / 60_000));
  const result = new Map<string, Recount>();
  const blank = (): Recount => ({
    contacts: {},
    opened: {},
    resolved: {},
    closed: {},
    breaches: 0,
    escalations: 0,
    backlog: 0,
    ttfr: { median: null, p90: null, count: 0 },
    ttr: { median: null, p90: null, count: 0 },
  });
  const isStatusChange = (h: Item) => h.action === 'status_changed' || h.action === 'reopened';
  const bump = (map: Record<string, number>, key: string) => (map[key] = (map[key] ?? 0) + 1);
  const isContact = (i: Item) =>
    i.entity === 'timeline' &&
    (i.type === 'contact' ||
      (i.type === 'case' && i.channel === 'web' && i.direction === 'inbound' && i.actor?.kind === 'customer'));
  for (const date of daysBetween(from, to)) {
    const r = blank();
    for (const e of items.filter(isContact)) {
      const branch = (e.customerId && customers.get(e.customerId)) || 'BR-001';
      if (branch === branchId && day(e.occurredAt) === date) bump(r.contacts, `${e.channel}/${e.direction}`);
    }
    const ttfr: number[] = [];
    const ttr: number[] = [];
    for (const c of cases.values()) {
      if (day(c.createdAt) === date) bump(r.opened, `${c.type}/${c.category}`);
      // Open at the end of the day: created by then, and its last status change by then left it open.
      const endOfDay = [...history]
        .filter((h) => h.caseId === c.id && isStatusChange(h) && day(h.at) <= date)
        .sort((a, b) => a.at.localeCompare(b.at))
        .at(-1);
      if (day(c.createdAt) <= date && (!endOfDay || isOpen(endOfDay.to as CaseStatus))) r.backlog++;
    }
    for (const h of history.filter((h) => day(h.at) === date)) {
      const c = cases.get(h.caseId)!;
      if (h.action === 'response_overdue' || h.action === 'resolution_overdue') r.breaches++;
      if (h.action === 'escalated') r.escalations++;
      if (!isStatusChange(h)) continue;
      if (h.to === 'resolved') bump(r.resolved, `${c.type}/${c.category}`);
      if (h.to === 'closed') bump(r.closed, `${c.type}/${c.category}`);
      if (h.from === 'new') ttfr.push(minutes(c.createdAt, h.at));
      if (isOpen(h.from) && !isOpen(h.to)) ttr.push(minutes(c.createdAt, h.at));
    }
    r.ttfr = { median: percentile(ttfr, 0.5), p90: percentile(ttfr, 0.9), count: ttfr.length };
    r.ttr = { median: percentile(ttr, 0.5), p90: percentile(ttr, 0.9), count: ttr.length };
    result.set(date, r);
  }
  return result;
}
