import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './stats';

/** Imports the bundle, answers one API Gateway v2 request (argv[3], JSON), prints timings (ms since process start). */
const handlerScript =
  `
const t0 = performance.now();
const { handler } = await import(process.argv[2]);
const t1 = performance.now();
const request = JSON.parse(process.argv[3]);
const now = Date.now();
const event = {
  version: '2.0', routeKey: '$default', rawPath: request.path, rawQueryString: request.query ?? '',
  isBase64Encoded: false, ...(request.body !== undefined && { body: request.body }),
  headers: { host: 'bench.execute-api.local', 'user-agent': 'cc-bench', 'x-forwarded-proto': 'https', ` +
  `...request.headers },
  requestContext: {
    accountId: '000000000000', apiId: 'bench', domainName: 'bench.execute-api.local', domainPrefix: 'bench',
    http: { method: request.method, path: request.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', ` +
  `userAgent: 'cc-bench' },
    requestId: 'cold-' + now, routeKey: '$default', stage: '$default', ` +
  `time: new Date(now).toISOString(), timeEpoch: now,
  },
};
const res = await handler(event, { awsRequestId: 'cold-' + now, functionName: 'api', ` +
  `getRemainingTimeInMillis: () => 10000 });
const t2 = performance.now();
process.stdout.write(JSON.stringify({ status: res.statusCode, body: res.body, beforeImportMs: t0, ` +
  `importMs: t1 - t0, firstRequestMs: t2 - t1, readyMs: t2 }) + '\\n');
process.exit(0);
`;

/** The first request a bundle answers (API Gateway v2 fields); GET /health unless a bundle says otherwise. */
export interface ColdRequest {
  method: string;
  path: string;
  query?: string;
  headers?: Record<string, string>;
  body?: string;
}

const health: ColdRequest = { method: 'GET', path: '/health' };

const emptyScript = `process.stdout.write(JSON.stringify({ readyMs: performance.now() }) + '\\n');\nprocess.exit(0);\n`;

interface ChildRun {
  wallMs: number;
  out: { status?: number; body?: string; importMs?: number; firstRequestMs?: number; readyMs: number };
}

function runNode(script: string, args: readonly string[], env: Record<string, string>): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve({ wallMs, out: JSON.parse(line) as ChildRun['out'] });
      } catch {
        reject(new Error(`cold-start child exited ${code} without a result:\n${stderr.slice(-1500)}`));
      }
    });
  });
}

export interface ColdStartFigures {
  status: number | undefined;
  /** Wall clock, spawn to exit: a fresh node that imports the bundle and answers GET /health. */
  wallMs: number;
  /** ÷ the empty node's wall clock. */
  ratio: number;
  importMs: number;
  firstRequestMs: number;
}

export interface ColdStartReport {
  runs: number;
  /** Wall clock, spawn to exit: a fresh node that imports nothing. */
  emptyWallMs: number;
  /** Per bundle measured (the API, its SDK floor...). */
  bundles: Record<string, ColdStartFigures>;
}

/**
 * Runs each bundle's handler in fresh processes, `runs` times each, interleaved with empty processes so
 * noise hits all of them alike; the env is what lambdaConfigSchema needs, pointed at local services.
 */
export async function measureColdStart(options: {
  /** Each bundle's file, and the request it answers first (GET /health when not given). */
  bundles: Record<string, { file: string; request?: ColdRequest }>;
  workDir: string;
  runs: number;
  env: Record<string, string>;
}): Promise<ColdStartReport> {
  const handlerFile = join(options.workDir, 'cold-handler.mjs');
  const emptyFile = join(options.workDir, 'cold-empty.mjs');
  writeFileSync(handlerFile, handlerScript);
  writeFileSync(emptyFile, emptyScript);
  const base: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env };
  const urls = Object.entries(options.bundles).map(
    ([name, { file, request }]) => [name, [pathToFileURL(file).href, JSON.stringify(request ?? health)]] as const,
  );
  const runs = new Map<string, ChildRun[]>(urls.map(([name]) => [name, []]));
  const empty: ChildRun[] = [];
  // One unmeasured run of each warms the OS file cache.
  await runNode(emptyFile, [], base);
  for (const [, args] of urls) await runNode(handlerFile, args, base);
  for (let i = 0; i < options.runs; i++) {
    empty.push(await runNode(emptyFile, [], base));
    for (const [name, args] of urls) runs.get(name)!.push(await runNode(handlerFile, args, base));
  }
  const med = (list: ChildRun[], pick: (r: ChildRun) => number | undefined) =>
    median(list.map(pick).filter((v): v is number => v !== undefined));
  const emptyWallMs = med(empty, (r) => r.wallMs);
  const bundles: Record<string, ColdStartFigures> = {};
  for (const [name, list] of runs) {
    const wallMs = med(list, (r) => r.wallMs);
    bundles[name] = {
      status: list[0]?.out.status,
      wallMs,
      ratio: wallMs / emptyWallMs,
      importMs: med(list, (r) => r.out.importMs),
      firstRequestMs: med(list, (r) => r.out.firstRequestMs),
    };
  }
  return { runs: options.runs, emptyWallMs, bundles };
}
