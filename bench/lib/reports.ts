import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { localDay } from '@cc/core';
import { ensureTable } from '@cc/local/provision';
import { streamPoller } from '@cc/local/stream-poller';
import { decodeStreamRecord } from '@cc/store';
import { diffUsage, tapSend } from './capacity';
import type { HttpClient, RequestSpec } from './http-load';
import { localCredentials, region, type AppServer, type BenchEnv } from './services';
import { Budget, summarize, type Summary } from './stats';

/** POST /contacts on a table without a stream (before reports existed) and on the table with its stream. */
export interface WritePathComparison {
  before: Summary;
  after: Summary;
  /** after p50 ÷ before p50. */
  ratio: number;
}

export interface ReportBenchResult {
  /** The stream on, nothing consuming it: what the stream itself adds to a write (as in AWS, where the reporter
   * runs elsewhere). */
  streamOnly: WritePathComparison;
  /** The stream on and the reporter consuming it in this process, on the same cores as DynamoDB Local. */
  consumed: WritePathComparison;
  /** Write committed (the app's TransactWriteItems returned) → aggregates updated (the reporter's batch done). */
  lag: Summary;
  committed: number;
  applied: number;
  errors: number;
  /** DynamoDB operations one GET of each report makes, by operation. */
  reportCalls: { route: string; operations: Record<string, number>; status: number }[];
}

type Keyed = { Put?: { Item?: { pk?: unknown; sk?: unknown } } };

/**
 * The reporter's cost to the write path and its lag. Two phases, each A/B interleaved, alternating which goes first:
 * (A) POST /contacts on a table made without a stream; (B) the same request on the table with its stream
 * (NEW_AND_OLD_IMAGES). First with nothing consuming the stream (what a write pays for the stream), then while the
 * reporter's poller (packages/local streamPoller, reading every 250 ms when idle, like Lambda's four polls a second)
 * applies every record in this process. Lag per contact, second phase: from the moment B's TransactWriteItems
 * returned to the moment the reporter finished the batch holding the contact's record (so at most the record's own
 * update). Each phase bounded by `pairs` and `maxMs`.
 */
export async function measureReports(
  env: BenchEnv,
  options: {
    makeHttp: (baseUrl: string) => HttpClient;
    /** Two fresh tables, the same but for the stream, so nothing else differs between A and B. */
    withStreamTable: string;
    withoutStreamTable: string;
    request: (server: 'before' | 'after') => RequestSpec;
    /** Users and customers on each table, before anything is measured. */
    setUp: (side: 'before' | 'after', server: AppServer, http: HttpClient) => Promise<void>;
    /** A supervisor's token, to read the reports. */
    supervisorToken: string;
    pairs: number;
    warmup: number;
    maxMs: number;
    settleMs: number;
  },
): Promise<ReportBenchResult> {
  await ensureTable(env.dynamo, options.withoutStreamTable, { stream: false });
  const streamArn = (await ensureTable(env.dynamo, options.withStreamTable))!;
  const before = await env.serveApp(undefined, options.withoutStreamTable);
  const after = await env.serveApp(undefined, options.withStreamTable);
  const httpBefore = options.makeHttp(before.baseUrl);
  const httpAfter = options.makeHttp(after.baseUrl);
  await options.setUp('before', before, httpBefore);
  await options.setUp('after', after, httpAfter);

  const committed = new Map<string, number>();
  const applied = new Map<string, number>();
  tapSend(after.deps.store.doc, {
    after: (command, _out, at) => {
      if (!(command instanceof TransactWriteCommand)) return;
      for (const item of (command.input.TransactItems ?? []) as Keyed[]) {
        const sk = String(item.Put?.Item?.sk ?? '');
        if (sk.startsWith('TL#')) committed.set(`${String(item.Put!.Item!.pk)}|${sk}`, at);
      }
    },
  });
  const reporterDeps = env.compose(undefined, options.withStreamTable);
  const streams = new DynamoDBStreamsClient({
    endpoint: env.endpoints.dynamodb,
    region,
    credentials: localCredentials,
  });
  // From the tip, as a consumer long in service would be: the records of the bench's earlier phases are not its work.
  const poller = streamPoller({
    streams,
    streamArn,
    startingPosition: 'LATEST',
    log: reporterDeps.log,
    handle: async (raw) => {
      const records = raw.map(decodeStreamRecord);
      const result = await reporterDeps.services.reporter.handleBatch(records);
      const at = performance.now();
      for (const r of records)
        if (!applied.has(`${r.keys.pk}|${r.keys.sk}`)) applied.set(`${r.keys.pk}|${r.keys.sk}`, at);
      return result;
    },
  });
  const interleave = async (): Promise<WritePathComparison> => {
    const samples = { before: [] as number[], after: [] as number[] };
    const budget = new Budget(options.pairs, options.maxMs);
    while (budget.next()) {
      const order: ('before' | 'after')[] = budget.count % 2 ? ['before', 'after'] : ['after', 'before'];
      for (const side of order) {
        const res = await (side === 'before' ? httpBefore : httpAfter).send(options.request(side));
        if (res.status !== 201) errors++;
        else samples[side].push(res.ms);
      }
    }
    const before = summarize(samples.before);
    const after = summarize(samples.after);
    return { before, after, ratio: after.p50 / before.p50 };
  };

  let errors = 0;
  let streamOnly: WritePathComparison;
  let consumed: WritePathComparison;
  try {
    for (let i = 0; i < options.warmup; i++) {
      await httpBefore.send(options.request('before'));
      await httpAfter.send(options.request('after'));
    }
    streamOnly = await interleave();
    await poller.round();
    const running = poller.start();
    try {
      committed.clear();
      consumed = await interleave();
      const settle = new Budget(Number.MAX_SAFE_INTEGER, options.settleMs);
      while (settle.next() && [...committed.keys()].some((k) => !applied.has(k)))
        await new Promise((r) => setTimeout(r, 50));
    } finally {
      await running.stop();
    }
  } finally {
    httpBefore.close();
    httpAfter.close();
    streams.destroy();
    reporterDeps.store.doc.destroy();
    reporterDeps.sqs.destroy();
  }
  const lags = [...committed].filter(([k]) => applied.has(k)).map(([k, at]) => applied.get(k)! - at);

  // What one GET of each report costs in DynamoDB calls, on the table the reporter kept.
  const token = options.supervisorToken;
  const today = localDay(Date.now(), 'Asia/Shanghai');
  const month = today.slice(0, 7);
  const reportCalls: ReportBenchResult['reportCalls'] = [];
  for (const path of [
    `/reports/daily?from=${month}-01&to=${today}`,
    `/reports/daily?from=${Number(month.slice(0, 4)) - 1}${today.slice(4)}&to=${today}`,
    `/reports/managers?month=${month}`,
    `/reports/pipeline?from=${month}-01&to=${today}`,
    `/reports/customers`,
  ]) {
    const snapshot = after.meter.snapshot();
    const res = await fetch(`${after.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    reportCalls.push({
      route: path,
      operations: diffUsage(after.meter.snapshot(), snapshot).byOperation,
      status: res.status,
    });
  }
  return {
    streamOnly,
    consumed,
    lag: summarize(lags),
    committed: committed.size,
    applied: lags.length,
    errors,
    reportCalls,
  };
}
