import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { newId, newPublicReference } from '@cc/core';
import type { HttpClient, RequestSpec } from './http-load';
import type { AppServer } from './services';
import { Budget, summarize, type Summary } from './stats';
import { BENCH_NUMBER } from './fixtures';

export interface OverheadRoute {
  name: string;
  request: () => RequestSpec;
  /** Ids of existing entities the request refers to (kept as they are when the transaction is replayed). */
  keep: string[];
}

export interface OverheadResult {
  name: string;
  app: Summary;
  direct: Summary;
  /** Every DynamoDB call the request made, replayed in order (reads as they were, writes with fresh ids). */
  calls: Summary;
  callCount: number;
  callsRatio: number;
  p50Ratio: number;
  p99Ratio: number;
  errors: number;
  transactItems: number;
}

const ULID = /\b[0-9A-HJKMNP-TV-Z]{26}\b/g;
const CASE_ID = /\bC-\d{4}-\d{6}\b/g;
/** A public case reference (core/references.ts): Crockford base32, 4-4-1. */
const PUBLIC_REFERENCE = /\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]\b/g;

type Item = { Put?: { Item?: Record<string, unknown>; ConditionExpression?: string } };

/**
 * The ids that make the transaction's new items new: tokens (ULIDs, case ids and public references, bench customer
 * numbers) in the keys of its attribute_not_exists puts, minus the ids of entities that already exist.
 */
function freshTokens(input: Record<string, unknown>, keep: Set<string>): string[] {
  const tokens = new Set<string>();
  for (const item of (input.TransactItems as Item[]) ?? []) {
    if (!item.Put?.ConditionExpression?.includes('attribute_not_exists')) continue;
    const key = `${String(item.Put.Item?.pk)} ${String(item.Put.Item?.sk)}`;
    for (const pattern of [ULID, CASE_ID, PUBLIC_REFERENCE, BENCH_NUMBER])
      for (const m of key.matchAll(pattern)) if (!keep.has(m[0])) tokens.add(m[0]);
  }
  return [...tokens];
}

let replayCase = 0;
let replayNumber = 0;
const replacementFor = (token: string) =>
  /^C-\d{4}-\d{6}$/.test(token)
    ? `C-2099-${String(++replayCase).padStart(6, '0')}`
    : /^BENCH\d+$/.test(token)
      ? `BENCH${9_000_000 + ++replayNumber}`
      : token.length === 11 && token[4] === '-'
        ? newPublicReference()
        : newId();

type Update = { Update?: { Key?: Record<string, unknown> } & Record<string, unknown> };

/**
 * A case takes its number in its own transaction, on the condition that the counter still holds the one before
 * it. A replay takes the next number without reading it (the same single-item write): it must never set the
 * counter back to the captured number, or the app's next case would find its number taken.
 */
function takingNextNumber(item: Update): Update {
  if (!item.Update || !String(item.Update.Key?.pk).startsWith('COUNTER#')) return item;
  const { ConditionExpression: _condition, ExpressionAttributeValues: _values, ...update } = item.Update;
  return { Update: { ...update, UpdateExpression: 'ADD #seq :one', ExpressionAttributeValues: { ':one': 1 } } };
}

/** The captured TransactWriteItems input again, with fresh ids for everything it creates. */
export function withFreshIds(template: Record<string, unknown>, keep: string[]): Record<string, unknown> {
  let json = JSON.stringify(template);
  for (const token of freshTokens(template, new Set(keep))) json = json.split(token).join(replacementFor(token));
  const input = JSON.parse(json) as { TransactItems?: Update[] };
  return { ...input, TransactItems: input.TransactItems?.map(takingNextNumber) };
}

/**
 * Interleaved, rotating which goes first: (A) the route through the whole app over HTTP; (B) the exact
 * TransactWriteItems it sent (captured from deps.store.doc.send) replayed with fresh ids on a document
 * client of its own against the same DynamoDB Local; (C) every DynamoDB call the request made, replayed
 * in order the same way, which splits A÷B into "more round trips" and "the app's own work".
 * Bounded by `pairs` and `maxMs`.
 */
export async function measureOverhead(
  server: AppServer,
  http: HttpClient,
  direct: DynamoDBDocumentClient,
  route: OverheadRoute,
  options: { warmup: number; pairs: number; maxMs: number },
): Promise<OverheadResult> {
  const label = route.name;
  let errors = 0;
  // Only warm-up requests are captured (a structuredClone per call), so the timed ones carry no bench work.
  const viaApp = async (capture = false) => {
    if (capture) server.recorder.begin(label);
    const res = await http.send(route.request());
    if (capture) server.recorder.end();
    if (res.status < 200 || res.status > 299) {
      errors++;
      if (errors === 1) process.stderr.write(`  ${route.name}: ${res.status} ${res.body.slice(0, 300)}\n`);
    }
    return res.ms;
  };
  const viaDirect = async () => {
    const input = withFreshIds(server.recorder.last.get(label)!, route.keep);
    const started = performance.now();
    await direct.send(new TransactWriteCommand(input as never));
    return performance.now() - started;
  };
  const viaCalls = async () => {
    const calls = server.recorder.calls.get(label) ?? [];
    const started = performance.now();
    for (const call of calls) {
      const input =
        call.make === TransactWriteCommand ? withFreshIds(call.input, route.keep) : structuredClone(call.input);
      await direct.send(new call.make(input as never) as never);
    }
    return performance.now() - started;
  };
  for (let i = 0; i < options.warmup; i++) await viaApp(true);
  const template = server.recorder.last.get(label);
  if (!template) throw new Error(`${route.name} sent no TransactWriteItems`);
  for (let i = 0; i < options.warmup; i++) {
    await viaDirect();
    await viaCalls();
  }

  const arms = { app: [] as number[], direct: [] as number[], calls: [] as number[] };
  const run = { app: () => viaApp(), direct: viaDirect, calls: viaCalls };
  const orders: (keyof typeof arms)[][] = [
    ['app', 'direct', 'calls'],
    ['direct', 'calls', 'app'],
    ['calls', 'app', 'direct'],
  ];
  const budget = new Budget(options.pairs, options.maxMs);
  while (budget.next()) for (const arm of orders[budget.count % 3]!) arms[arm].push(await run[arm]());
  const a = summarize(arms.app);
  const d = summarize(arms.direct);
  const c = summarize(arms.calls);
  return {
    name: route.name,
    app: a,
    direct: d,
    calls: c,
    callCount: server.recorder.calls.get(label)?.length ?? 0,
    callsRatio: a.p50 / c.p50,
    p50Ratio: a.p50 / d.p50,
    p99Ratio: a.p99 / d.p99,
    errors,
    transactItems: ((template.TransactItems as unknown[]) ?? []).length,
  };
}
