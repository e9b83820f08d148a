/**
 * npm run bench: starts its own DynamoDB Local (in memory) and SQS emulator on free ports, serves the
 * real app on 127.0.0.1, and prints every figure of issue 7 as a line. Every loop is bounded in count
 * and time. Never part of npm test. `npm run bench -- --write-docs` also puts the lines in
 * docs/performance.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ensureQueues } from '@cc/local/provision';
import { allowanceOverFloor, buildBundles, measureFloor, type Floor } from './lib/bundles';
import { diffUsage } from './lib/capacity';
import { measureColdStart, type ColdRequest } from './lib/cold-start';
import {
  benchUsers,
  complaintRequest,
  contactRequest,
  createCustomerRequest,
  poolPhone,
  tokensFor,
} from './lib/fixtures';
import { measureFlatness, type FlatRoute } from './lib/flatness';
import { createHttpClient, runLoad, type RequestSpec } from './lib/http-load';
import { measureLag } from './lib/lag';
import { measureOverhead, withFreshIds, type OverheadRoute } from './lib/overhead';
import { measureReports } from './lib/reports';
import { isShard, PLANNED_PEAK, runScaleSimulation, shardedKeys } from './lib/scale';
import { userRepository } from '@cc/store';
import { machineLine, Report, targetSummary, writeDocs } from './lib/report';
import { batchWrite, historyItems } from './lib/seed';
import { BENCH_PUBLIC_RATE_LIMIT, startBenchEnv, type AppServer, type BenchEnv } from './lib/services';
import { Budget, kb, ms, summarize, times } from './lib/stats';

const quick = process.argv.includes('--quick');
/** Only the scale simulation (issue 17). */
const scaleOnly = process.argv.includes('--scale');
/** Only the bundle sizes and the cold start: what to rerun while trimming a bundle. */
const coldOnly = process.argv.includes('--cold');
/** Only the reports' section: the stream's cost to a write and the reporter's lag. */
const reportsOnly = process.argv.includes('--reports');
const scale = quick ? 0.2 : 1;
const HISTORY = 10_000;
const SMALL = 10;
const POOL = 64;

const report = new Report();
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

/** Is METHOD PATH (OpenAPI style, {id}) served by the app? Routes still being built are reported, not faked. */
function hasRoute(server: AppServer, method: string, path: string): boolean {
  const honoPath = path.replace(/\{(\w+)\}/g, ':$1');
  return server.app.routes.some((r) => r.method === method && r.path === honoPath);
}

async function main() {
  report.line(`contact-center bench — ${new Date().toISOString()}`);
  report.line(machineLine());
  report.line(`reproduce: npm run bench   (DynamoDB Local in memory + fauxqs on free ports, app on 127.0.0.1:0)`);
  if (reportsOnly) await reportsSection();
  else {
    const env = await startTrackedEnv();
    const workDir = mkdtempSync(join(tmpdir(), 'cc-bench-bundles-'));
    scratch = workDir;
    try {
      report.line(
        `services: DynamoDB Local ${env.endpoints.dynamodb}, SQS ${env.endpoints.sqs} (started in ${elapsed()})`,
      );

      if (scaleOnly) await scaleRun(env);
      else if (coldOnly) await bundlesAndColdStart(env, workDir);
      else await standardRun(env, workDir);
    } finally {
      await stopTrackedEnv(env);
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  report.section('Summary');
  for (const line of targetSummary(report.lines)) report.line(line);
  report.line(`bench finished in ${elapsed()}`);
  if (process.argv.includes('--write-docs'))
    process.stdout.write(`wrote ${writeDocs(report.lines, scaleOnly ? 'scale.md' : 'performance.md')}\n`);
}

/**
 * The scale simulation (issue 17): the hottest partitions' share of writes under the planned peak's mix, projected
 * to the peak itself (2,000 contacts/s and 300 new cases/s: the mix is the same, so each partition's write units per
 * request times 2,300 requests/s), against a partition's 1,000 write units/s.
 */
async function scaleRun(env: BenchEnv) {
  const customers = quick ? 2000 : 10_000;
  report.section(
    `Scale: ${customers.toLocaleString('en-US')} customers, 50 managers, 5 branches; ` +
      `${PLANNED_PEAK.contacts.toLocaleString('en-US')} contacts (calls and SMS) for every ${PLANNED_PEAK.cases} ` +
      `new cases and ${PLANNED_PEAK.opportunities} opportunities ` +
      '(closed loop at concurrency 32; every write counted from the stream, table and index partitions)',
  );
  const r = await runScaleSimulation(env, {
    customers,
    branches: 5,
    managersPerBranch: 10,
    concurrency: 32,
    seedMaxMs: quick ? 60_000 : 300_000,
    loadMs: quick ? 8_000 : 30_000,
    settleMs: quick ? 8_000 : 30_000,
  });
  const done = Object.values(r.requests).reduce((a, b) => a + b, 0);
  const perSecond = (done / r.loadMs) * 1000;
  const peakFactor = (PLANNED_PEAK.contacts + PLANNED_PEAK.cases + PLANNED_PEAK.opportunities) / done;
  const share = (units: number) => `${((units / r.totalUnits) * 100).toFixed(2)} %`;
  const atPeak = (units: number) => {
    const wcu = units * peakFactor;
    return `${wcu.toFixed(0)} WCU/s at the planned peak = ${((wcu / 1000) * 100).toFixed(1)} % of a partition`;
  };
  report.line(
    `scale population: ${r.seeded.toLocaleString('en-US')} customers created in ${(r.seedMs / 1000).toFixed(0)} s`,
  );
  report.line(
    `scale load: ${done.toLocaleString('en-US')} requests in ${(r.loadMs / 1000).toFixed(1)} s = ` +
      `${perSecond.toFixed(0)} req/s (${Object.entries(r.requests)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}), ${r.errors} errors${r.firstError ? ` (first: ${r.firstError.slice(0, 160)})` : ''}; ` +
      `${r.totalWrites.toLocaleString('en-US')} partition writes, ${r.totalUnits.toLocaleString('en-US')} write ` +
      `units over ${r.partitions.length.toLocaleString('en-US')} partitions` +
      `${r.reporterBehind ? ' (the reporter had not caught up: its writes are undercounted)' : ''}`,
  );
  const byPlace = new Map<string, { writes: number; units: number }>();
  for (const p of r.partitions) {
    const place = p.where === 'table' && p.key.startsWith('RPT') ? 'table (reporter)' : p.where;
    const sum = byPlace.get(place) ?? { writes: 0, units: 0 };
    byPlace.set(place, { writes: sum.writes + p.writes, units: sum.units + p.units });
  }
  report.line(
    `scale writes per request, by place: ${[...byPlace]
      .map(([place, w]) => `${place} ${(w.writes / done).toFixed(1)} (${(w.units / done).toFixed(1)} units)`)
      .join(', ')}`,
  );
  r.partitions.slice(0, 10).forEach((p, i) => {
    report.line(
      `scale #${i + 1} ${p.where} ${p.key}: ${share(p.units)} of write units (${p.writes} writes)` +
        `${isShard(p) ? ' [a shard]' : ''} → ${atPeak(p.units)}`,
    );
  });
  for (const where of ['gsi1', 'gsi2', 'gsi3']) {
    const rank = r.partitions.findIndex((p) => p.where === where);
    const p = r.partitions[rank];
    if (p)
      report.line(
        `scale hottest ${where} partition: ${p.key} (#${rank + 1}): ${share(p.units)} of write units ` +
          `(${p.writes} writes) → ${atPeak(p.units)}`,
      );
  }
  const top5 = r.partitions.slice(0, 5).filter(isShard);
  report.line(
    `scale sharded keys among the 5 hottest partitions: ${top5.map((p) => p.key).join(', ') || 'none'} ` +
      `${top5.length === 0 ? '(target met)' : '(ABOVE target: none)'}`,
  );
  for (const { where, key } of shardedKeys) {
    const shards = r.partitions
      .map((p, rank) => ({ ...p, rank: rank + 1 }))
      .filter((p) => p.where === where && p.key.startsWith(`${key}#`) && isShard(p));
    if (shards.length === 0) {
      report.line(`scale ${key} (${where}): no writes in this mix`);
      continue;
    }
    const units = shards.reduce((n, p) => n + p.units, 0);
    const rankUnsharded = r.partitions.filter((p) => !isShard(p) && p.units > units).length + 1;
    report.line(
      `scale ${key} (${where}) over ${shards.length} shards: ${share(units)} together, hottest shard ` +
        `${share(shards[0]!.units)} (#${shards[0]!.rank}) → ${atPeak(shards[0]!.units)}; ` +
        `one partition would rank #${rankUnsharded} → ${atPeak(units)}`,
    );
  }
}

/** Everything of issues 7 and 17 but the scale simulation: bundles, cold start, overhead, flatness, cost, load. */
async function standardRun(env: BenchEnv, workDir: string) {
  // ---------------------------------------------------------------- 5. bundles and cold start (quiet machine first)
  await bundlesAndColdStart(env, workDir);
  await measureRequests(env);
}

/** Section 5: every function's bundle against its SDK floor, then the API's and the public edge's cold starts. */
async function bundlesAndColdStart(env: BenchEnv, workDir: string) {
  report.section(
    'Cold start: bundle sizes (esbuild with infra/constructs/node-function.ts `bundling`, AWS SDK bundled)',
  );
  const bundles = await buildBundles(join(workDir, 'out'));
  const floors = new Map<string, Floor>();
  const floorOf = async (clients: string[]) => {
    const key = clients.join('+');
    if (!floors.has(key)) floors.set(key, await measureFloor(join(workDir, 'floor'), clients));
    return floors.get(key)!;
  };
  for (const b of bundles) {
    const floor = await floorOf(b.clients);
    const allowance = allowanceOverFloor(b.name);
    const over = b.bytes - floor.bytes;
    const verdict =
      over <= allowance
        ? `within budget floor + ${kb(allowance)}`
        : `OVER budget floor + ${kb(allowance)} by ${kb(over - allowance)}`;
    const largest = b.top.map((t) => `${t.pkg} ${kb(t.bytes)}`).join(', ');
    report.line(
      `bundle ${b.name}: ${kb(b.bytes)} minified = floor ${kb(floor.bytes)} (${floor.label}) + ${kb(over)} — ` +
        `${verdict}; largest: ${largest}`,
    );
  }
  const api = bundles.find((b) => b.name === 'api');
  const edge = bundles.find((b) => b.name === 'public');
  if (api && edge) {
    const floor = await floorOf(['client-dynamodb', 'client-sqs']);
    const cold = await measureColdStart({
      bundles: {
        api: { file: api.file },
        public: { file: edge.file, request: firstComplaint },
        floor: { file: floor.file },
      },
      workDir,
      runs: quick ? 3 : 7,
      env: {
        TABLE_NAME: env.tableName,
        NOTIFICATION_QUEUE_URL: env.queues.notifications,
        AUTH_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
        COGNITO_DOMAIN: 'http://127.0.0.1:9',
        CURSOR_SECRET: env.keys.cursorSecret,
        // Every run of the public edge posts from the same address: the limiter must not answer 429.
        PUBLIC_RATE_LIMIT_PER_MINUTE: '10000',
        LOG_LEVEL: 'silent',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_ENDPOINT_URL_DYNAMODB: env.endpoints.dynamodb,
        AWS_ENDPOINT_URL_SQS: env.endpoints.sqs,
      },
    });
    const a = cold.bundles.api!;
    const p = cold.bundles.public!;
    const f = cold.bundles.floor!;
    report.line(
      `cold start API: ${ms(a.wallMs, 0)} (fresh node: import bundle + first GET /health, status ${a.status}) ` +
        `vs empty node ${ms(cold.emptyWallMs, 0)} = ${times(a.ratio, 1)} ` +
        `${a.ratio <= 3 ? '(≤ 3× target met)' : '(ABOVE 3× target)'} ` +
        `(median of ${cold.runs}; import ${ms(a.importMs, 0)}, first request ${ms(a.firstRequestMs, 0)})`,
    );
    report.line(
      // Printed, not judged: the issue's 3× target is the staff API's; this is the edge's own figure beside it.
      `cold start public: ${ms(p.wallMs, 0)} (fresh node: import bundle + a first complaint posted from the HTML ` +
        `form, status ${p.status}) vs empty node ${ms(cold.emptyWallMs, 0)} = ${times(p.ratio, 1)} ` +
        `(median of ${cold.runs}; import ${ms(p.importMs, 0)}, first request ${ms(p.firstRequestMs, 0)})`,
    );
    report.line(
      `cold start floor: ${ms(f.wallMs, 0)} (DynamoDB + SQS clients alone, the two calls of GET /health) = ` +
        `${times(f.ratio, 1)} empty node (import ${ms(f.importMs, 0)}, first calls ${ms(f.firstRequestMs, 0)}); ` +
        `API ÷ floor ${times(a.wallMs / f.wallMs, 2)}, public ÷ floor ${times(p.wallMs / f.wallMs, 2)}`,
    );
  } else report.line('not measured: cold start (functions/api.ts or functions/public.ts missing)');
}

/**
 * The public edge's first request: what a customer's first request does to it, a complaint posted from the HTML
 * form (a stranger's, so it opens a case: the rate limit and identity read, the transaction, the SQS send and the
 * receipt page). The form page alone (GET /complaint) would touch no client.
 */
const firstComplaint: ColdRequest = {
  method: 'POST',
  path: '/public/complaints',
  query: 'lang=en',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({
    name: 'Cold Start',
    email: 'cold.start@example.com',
    category: 'branch_service',
    subject: 'First request',
    description: 'A complaint posted by the bench to a fresh process',
  }).toString(),
};

/** Sections 1–4: overhead, flatness, cost per operation, throughput, lag and the reports' figures. */
async function measureRequests(env: BenchEnv) {
  // ---------------------------------------------------------------- set-up
  await env.putUsers(benchUsers);
  const server = await env.serveApp();
  const http = createHttpClient(server.baseUrl, 64);
  const tokens = await tokensFor(env);
  const mustCreate = async (spec: RequestSpec) => {
    const res = await http.send(spec);
    if (res.status !== 201)
      throw new Error(`set-up ${spec.method} ${spec.path} failed: ${res.status} ${res.body.slice(0, 500)}`);
    return JSON.parse(res.body) as { id: string; customerNumber: string; name: string };
  };
  // Contacts go to customers without open cases (no escalation); complaints come from the phones of others.
  const contactPool = await Promise.all(
    Array.from({ length: POOL }, () => mustCreate(createCustomerRequest(tokens.supervisor))),
  );
  const complaintPool = await Promise.all(
    Array.from({ length: POOL }, (_, i) =>
      mustCreate(createCustomerRequest(tokens.supervisor, { contactPoints: [{ kind: 'phone', value: poolPhone(i) }] })),
    ),
  );
  const small = await mustCreate(createCustomerRequest(tokens.supervisor, { primaryManagerId: 'mgr-small' }));
  const large = await mustCreate(createCustomerRequest(tokens.supervisor, { primaryManagerId: 'mgr-large' }));
  let rr = 0;
  const nextContact = () => contactRequest(tokens.agent, contactPool[rr++ % POOL]!.id);
  const nextComplaint = () => complaintRequest(poolPhone(rr++ % POOL));

  const intake: { route: OverheadRoute; method: string; path: string }[] = [
    {
      method: 'POST',
      path: '/customers',
      route: { name: 'POST /customers', request: () => createCustomerRequest(tokens.supervisor), keep: [] },
    },
    {
      method: 'POST',
      path: '/contacts',
      route: { name: 'POST /contacts', request: nextContact, keep: contactPool.map((c) => c.id) },
    },
    {
      method: 'POST',
      path: '/public/complaints',
      route: { name: 'POST /public/complaints', request: nextComplaint, keep: complaintPool.map((c) => c.id) },
    },
  ];

  // ---------------------------------------------------------------- 1. overhead ratio
  report.section(
    'Overhead: whole app over HTTP ÷ the same TransactWriteItems sent directly ' +
      '(A/B interleaved; target ≤ 1.3× at p50, the public form ≤ 1.6× in two rounds: issue 17)',
  );
  // The app's fixed cost per request, with no storage call at all: an unknown path (HTTP + Hono + problem
  // JSON), and GET /me (the same plus ES256 JWT verification).
  for (const [name, spec] of [
    ['404 (no route, no auth)', { method: 'GET', path: '/no-such-route' }],
    ['GET /me (JWT verify, no storage)', { method: 'GET', path: '/me', token: tokens.agent }],
  ] as [string, RequestSpec][]) {
    const samples: number[] = [];
    for (let i = 0; i < 50; i++) await http.send(spec);
    const budget = new Budget(Math.round(500 * scale), 10_000);
    while (budget.next()) samples.push((await http.send(spec)).ms);
    const s = summarize(samples);
    report.line(`fixed cost ${name}: p50 ${ms(s.p50)} p99 ${ms(s.p99)} [n=${s.n}]`);
  }
  for (const { route, method, path } of intake) {
    if (!hasRoute(server, method, path)) {
      report.line(`not measured: ${route.name} (route missing)`);
      continue;
    }
    const r = await measureOverhead(server, http, env.direct, route, {
      warmup: 30,
      pairs: Math.round(600 * scale),
      maxMs: 35_000 * scale,
    });
    const target = r.name === 'POST /public/complaints' ? 1.6 : 1.3;
    report.line(
      `overhead ${r.name}: app p50 ${ms(r.app.p50)} p99 ${ms(r.app.p99)} | ` +
        `direct TransactWriteItems (${r.transactItems} items) p50 ${ms(r.direct.p50)} p99 ${ms(r.direct.p99)} | ` +
        `ratio p50 ${times(r.p50Ratio)} ` +
        `${r.p50Ratio <= target ? `(≤ ${target}× target met)` : `(ABOVE ${target}× target)`}, ` +
        `p99 ${times(r.p99Ratio)} [n=${r.app.n} rounds, ${r.errors} errors]`,
    );
    report.line(
      `overhead ${r.name}, split: all ${r.callCount} DynamoDB calls of the request replayed in order ` +
        `p50 ${ms(r.calls.p50)} p99 ${ms(r.calls.p99)} → app ÷ its own DynamoDB calls p50 ${times(r.callsRatio)} ` +
        '(the rest is HTTP, auth, validation, app code' +
        `${r.name.includes('complaints') ? ' and the SQS publish' : ''})`,
    );
  }

  // ---------------------------------------------------------------- 3. flatness (seed first)
  report.section(
    `Flatness: an owner with ${SMALL} items vs ${HISTORY.toLocaleString('en-US')} (ratio of medians; target ≤ 1.2)`,
  );
  const seedStarted = performance.now();
  const owner = (c: { id: string; customerNumber: string; name: string }, managerId: string) => ({
    customerId: c.id,
    customerNumber: c.customerNumber,
    customerName: c.name,
    managerId,
    branchId: 'BR-001',
  });
  const seeded = await batchWrite(
    server.deps.store,
    [
      ...historyItems(server.deps.store, owner(small, 'mgr-small'), SMALL, env.config.RETENTION_DAYS),
      ...historyItems(server.deps.store, owner(large, 'mgr-large'), HISTORY, env.config.RETENTION_DAYS),
    ],
    { parallel: 8, maxMs: 180_000 },
  );
  report.line(
    `seeded ${seeded.toLocaleString('en-US')} items with BatchWriteItem ` +
      '(timeline entries, closed cases, inbox notifications) ' +
      `in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`,
  );
  const get = (path: string, token: string): RequestSpec => ({ method: 'GET', path, token });
  /** Lists read with `limit` (undefined: the default page of 25), so both owners can answer equal pages. */
  const flatRoutesFor = (limit?: number): (FlatRoute & { method: string; path: string })[] => {
    const q = (path: string) => (limit ? `${path}${path.includes('?') ? '&' : '?'}limit=${limit}` : path);
    return [
      {
        name: 'GET /customers/{id}/timeline',
        method: 'GET',
        path: '/customers/{id}/timeline',
        small: () => get(q(`/customers/${small.id}/timeline`), tokens.mgrSmall),
        large: () => get(q(`/customers/${large.id}/timeline`), tokens.mgrLarge),
      },
      {
        name: 'GET /me/inbox',
        method: 'GET',
        path: '/me/inbox',
        small: () => get(q('/me/inbox'), tokens.mgrSmall),
        large: () => get(q('/me/inbox'), tokens.mgrLarge),
      },
      {
        name: 'GET /cases?customerId=',
        method: 'GET',
        path: '/cases',
        small: () => get(q(`/cases?customerId=${small.id}`), tokens.mgrSmall),
        large: () => get(q(`/cases?customerId=${large.id}`), tokens.mgrLarge),
      },
      {
        name: 'GET /cases?owner=me',
        method: 'GET',
        path: '/cases',
        small: () => get(q('/cases?owner=me'), tokens.mgrSmall),
        large: () => get(q('/cases?owner=me'), tokens.mgrLarge),
      },
    ];
  };
  const viewRoute: FlatRoute & { method: string; path: string } = {
    name: 'GET /customers/{id}/view',
    method: 'GET',
    path: '/customers/{id}/view',
    small: () => get(`/customers/${small.id}/view`, tokens.mgrSmall),
    large: () => get(`/customers/${large.id}/view`, tokens.mgrLarge),
  };
  const flatRoutes = [viewRoute, ...flatRoutesFor()];
  const flatRuns: { routes: (FlatRoute & { method: string; path: string })[]; note: string }[] = [
    { routes: [viewRoute, ...flatRoutesFor(SMALL)], note: `equal pages (lists read with limit=${SMALL})` },
    { routes: flatRoutesFor(), note: 'default page of 25 (the 10-item owner answers 10)' },
  ];
  for (const { routes, note } of flatRuns) {
    for (const route of routes) {
      if (!hasRoute(server, route.method, route.path)) {
        report.line(`not measured: ${route.name} (route missing)`);
        continue;
      }
      const r = await measureFlatness(http, route, {
        warmup: 20,
        samples: Math.round(300 * scale),
        maxMs: 15_000 * scale,
      });
      // Only equal answers compare history alone: with 10 items against 25 the bodies differ too.
      const verdict =
        r.smallItems !== r.largeItems
          ? '(answers of different sizes: shown, not judged)'
          : r.ratio <= 1.2
            ? '(≤ 1.2 target met)'
            : '(ABOVE 1.2 target)';
      report.line(
        `flatness ${r.name}, ${note}: ${SMALL} items median ${ms(r.smallMedian)} ` +
          `vs ${HISTORY.toLocaleString('en-US')} items median ${ms(r.largeMedian)} = ${times(r.ratio)} ${verdict} ` +
          `[n=${r.samples} each, items answered ${r.smallItems ?? '?'}/${r.largeItems ?? '?'}, ${r.errors} errors]`,
      );
    }
  }

  // ---------------------------------------------------------------- 2. cost per operation
  report.section('Cost per operation (DynamoDB Local ReturnConsumedCapacity TOTAL, summed per request; SQS sends)');
  const costRoutes: { name: string; method: string; path: string; spec: () => RequestSpec }[] = [
    ...intake.map(({ route, method, path }) => ({ name: route.name, method, path, spec: route.request })),
    ...flatRoutes.map((r) => ({
      name: `${r.name} (${HISTORY.toLocaleString('en-US')} items)`,
      method: r.method,
      path: r.path,
      spec: r.large,
    })),
    { name: 'GET /health', method: 'GET', path: '/health', spec: () => ({ method: 'GET', path: '/health' }) },
  ];
  report.line(
    `${'route'.padEnd(51)} ${'DDB req'.padStart(8)} ` +
      `${'RCU'.padStart(7)} ${'WCU'.padStart(7)} ${'SQS'.padStart(5)}  operations`,
  );
  const costN = quick ? 5 : 20;
  for (const route of costRoutes) {
    if (!hasRoute(server, route.method, route.path)) {
      report.line(`not measured: ${route.name} (route missing)`);
      continue;
    }
    server.meter.capacity = true;
    const before = server.meter.snapshot();
    let errors = 0;
    for (let i = 0; i < costN; i++) if ((await http.send(route.spec())).status >= 300) errors++;
    const d = diffUsage(server.meter.snapshot(), before);
    server.meter.capacity = false;
    const per = (v: number) => (v / costN).toFixed(2);
    const ops = Object.entries(d.byOperation)
      .map(([op, n]) => `${op.replace(/Command$/, '')}×${(n / costN).toFixed(1).replace(/\.0$/, '')}`)
      .join(' ');
    report.line(
      `cost ${route.name.padEnd(46)} ${per(d.requests).padStart(8)} ` +
        `${per(d.rcu).padStart(7)} ${per(d.wcu).padStart(7)} ${per(d.sqsSends).padStart(5)}  ` +
        `${ops}${errors ? ` [${errors} errors]` : ''}`,
    );
  }
  if (!server.meter.capacityReported)
    report.line('note: DynamoDB Local returned no ConsumedCapacity; RCU/WCU columns are 0');

  // ---------------------------------------------------------------- 4. throughput
  report.section(
    `Throughput on the intake routes (closed loop; PUBLIC_RATE_LIMIT_PER_MINUTE=${BENCH_PUBLIC_RATE_LIMIT} ` +
      'and one X-Forwarded-For per request, so the limiter never throttles)',
  );
  for (const { route, method, path } of intake.slice(1)) {
    if (!hasRoute(server, method, path)) {
      report.line(`not measured: throughput ${route.name} (route missing)`);
      continue;
    }
    await runLoad({ concurrency: 8, maxRequests: 100, maxMs: 3000, next: () => http.send(route.request()) });
    for (const concurrency of [1, 8, 32]) {
      const r = await runLoad({
        concurrency,
        maxRequests: Math.round(6000 * scale),
        maxMs: 6000 * scale,
        next: () => http.send(route.request()),
      });
      report.line(
        `throughput ${route.name} @ concurrency ${String(concurrency).padStart(2)}: ${r.rps.toFixed(0)} req/s ` +
          `(${r.completed} requests in ${(r.durationMs / 1000).toFixed(1)} s), ` +
          `${r.errors} non-2xx${r.firstError ? ` (first: ${r.firstError.slice(0, 160)})` : ''}`,
      );
    }
    const template = server.recorder.last.get(route.name);
    if (template) {
      // Spread over the same customers as the app's load: the captured transaction, moved to customer i.
      const json = JSON.stringify(template);
      const from = route.keep.find((id) => json.includes(id));
      const forCustomer = route.keep.map((id) =>
        from ? (JSON.parse(json.split(from).join(id)) as Record<string, unknown>) : template,
      );
      let k = 0;
      const floors = [];
      for (const concurrency of [8, 32]) {
        floors.push(
          await runLoad({
            concurrency,
            maxRequests: Math.round(6000 * scale),
            maxMs: 4000 * scale,
            next: async () => {
              const input = withFreshIds(forCustomer[k++ % forCustomer.length]!, route.keep);
              const t = performance.now();
              await env.direct.send(new TransactWriteCommand(input as never));
              return { status: 200, ms: performance.now() - t, body: '', headers: {} };
            },
          }),
        );
      }
      const floorRates = floors
        .map((f) => `${f.rps.toFixed(0)} req/s @ ${f.concurrency}${f.errors ? ` (${f.errors} errors)` : ''}`)
        .join(', ');
      report.line(
        `throughput reference: its TransactWriteItems alone, sent directly: ${floorRates} ` +
          "(DynamoDB Local's ceiling on this machine)",
      );
    }
  }

  // ---------------------------------------------------------------- 4b. notification lag
  report.section(
    'Notification lag: case committed → delivery recorded (in-process workers: packages/local startWorkers)',
  );
  if (hasRoute(server, 'POST', '/public/complaints')) {
    const lagQueue = (await ensureQueues(env.sqs, 'bench-lag-')).notifications;
    const lag = await measureLag(env, {
      queueUrl: lagQueue,
      makeHttp: (baseUrl) => createHttpClient(baseUrl, 8),
      request: nextComplaint,
      count: Math.round(200 * scale),
      maxMs: 20_000,
      paceMs: 20,
      settleMs: 15_000,
    });
    report.line(
      `notification lag (POST /public/complaints → notifier recorded delivery): ` +
        `p50 ${ms(lag.lag.p50)} p99 ${ms(lag.lag.p99)} ` +
        `[${lag.delivered}/${lag.records} deliveries recorded for ${lag.sent} requests, ${lag.errors} non-2xx]`,
    );
    server.meter.usage.scans += lag.scans;
  } else report.line('not measured: notification lag (POST /public/complaints route missing)');

  // ---------------------------------------------------------------- 4c. reports: consumer lag, write path
  await reportsSection();

  report.section('Scans');
  report.line(
    `DynamoDB Scans during the whole run: ${server.meter.usage.scans} ` +
      `(of ${server.meter.usage.requests.toLocaleString('en-US')} app requests)`,
  );
  http.close();
}

/**
 * Section 4c on a DynamoDB Local of its own: DynamoDB Local keeps every table's stream records in one store, and
 * writes to a table with a stream slow down as the earlier sections' records pile up there (by two orders of
 * magnitude after a full run), which AWS does not do; a fresh process compares the two tables on equal terms.
 */
async function reportsSection() {
  const env = await startTrackedEnv();
  try {
    const tokens = await tokensFor(env);
    report.section(
      'Reports: the stream consumer (reporter) lag, and POST /contacts with the stream on and consumed ' +
        'vs a table without a stream (A/B interleaved; target ≤ 1.05× at p50)',
    );
    const pools = { before: [] as string[], after: [] as string[] };
    const next = { before: 0, after: 0 };
    const r = await measureReports(env, {
      makeHttp: (baseUrl) => createHttpClient(baseUrl, 8),
      withStreamTable: 'bench-stream',
      withoutStreamTable: 'bench-no-stream',
      supervisorToken: tokens.supervisor,
      request: (side) => contactRequest(tokens.agent, pools[side][next[side]++ % POOL]!),
      setUp: async (side, target, client) => {
        const users = userRepository(target.deps.store);
        await Promise.all(benchUsers.map((u) => users.put(u)));
        const pool = pools[side];
        for (let i = 0; i < POOL; i++) {
          const res = await client.send(createCustomerRequest(tokens.supervisor));
          if (res.status !== 201) throw new Error(`set-up POST /customers failed: ${res.status} ${res.body}`);
          pool.push((JSON.parse(res.body) as { id: string }).id);
        }
      },
      pairs: Math.round(500 * scale),
      warmup: 30,
      maxMs: 45_000 * scale,
      settleMs: 15_000,
    });
    // The target is on the write itself; the consumer shares this machine's cores only here (in AWS it does not).
    const line = (label: string, c: typeof r.streamOnly, target: boolean) => {
      const verdict = c.ratio <= 1.05 ? '(≤ 1.05 target met)' : '(ABOVE 1.05 target)';
      report.line(
        `write path POST /contacts, ${label}: table without a stream p50 ${ms(c.before.p50)} ` +
          `p99 ${ms(c.before.p99)} | with its stream p50 ${ms(c.after.p50)} p99 ${ms(c.after.p99)} | ` +
          `ratio p50 ${times(c.ratio)}${target ? ` ${verdict}` : ''} [n=${c.after.n} pairs]`,
      );
    };
    line('stream on, consumer elsewhere (as in AWS)', r.streamOnly, true);
    line('stream on, reporter consuming in this process (same cores as DynamoDB Local)', r.consumed, false);
    report.line(
      `reporter lag (POST /contacts committed → its batch applied to the aggregates): ` +
        `p50 ${ms(r.lag.p50)} p99 ${ms(r.lag.p99)} [${r.applied}/${r.committed} applied, ${r.errors} errors]`,
    );
    for (const call of r.reportCalls) {
      const ops = Object.entries(call.operations)
        .map(([op, n]) => `${op.replace(/Command$/, '')}×${n}`)
        .join(' ');
      report.line(`report GET ${call.route}: ${ops || 'no DynamoDB call'} (status ${call.status})`);
    }
  } finally {
    await stopTrackedEnv(env);
  }
}

/** Every set of services running (DynamoDB Local is a child process): stopped on Ctrl-C or past the time limit. */
const running = new Set<BenchEnv>();
let scratch: string | undefined;
async function startTrackedEnv(): Promise<BenchEnv> {
  const env = await startBenchEnv();
  running.add(env);
  return env;
}
async function stopTrackedEnv(env: BenchEnv): Promise<void> {
  running.delete(env);
  await env.stop();
}
const abort = (message: string, code: number) => {
  process.stderr.write(`\n${message}\n`);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  const stopping = Promise.all([...running].map((env) => env.stop().catch(() => undefined)));
  void stopping.then(() => process.exit(code));
  setTimeout(() => process.exit(code), 5000).unref();
};
process.once('SIGINT', () => abort('bench interrupted', 130));
process.once('SIGTERM', () => abort('bench terminated', 143));
const RUN_LIMIT_MS = 12 * 60_000;
setTimeout(() => abort(`bench exceeded its ${RUN_LIMIT_MS / 60_000}-minute limit; stopping`, 1), RUN_LIMIT_MS).unref();

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`\nbench failed: ${(error as Error).stack}\n`);
    process.exit(1);
  },
);
