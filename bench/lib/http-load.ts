import { Agent, request as httpRequest } from 'node:http';
import { Budget } from './stats';

export interface HttpResult {
  status: number;
  ms: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface RequestSpec {
  method: string;
  path: string;
  token?: string;
  json?: unknown;
  /** A body sent as it is (a form), with its content-type in `headers`; `json` wins when both are given. */
  body?: string;
  headers?: Record<string, string>;
}

export interface HttpClient {
  send(spec: RequestSpec): Promise<HttpResult>;
  close(): void;
}

/** A keep-alive HTTP/1.1 client for 127.0.0.1 only (node:http: lighter than fetch, so the client costs little). */
export function createHttpClient(baseUrl: string, maxSockets = 64): HttpClient {
  const url = new URL(baseUrl);
  if (url.hostname !== '127.0.0.1') throw new Error(`the bench only targets 127.0.0.1, not ${url.hostname}`);
  const agent = new Agent({ keepAlive: true, maxSockets });
  return {
    send(spec) {
      const body = spec.json === undefined ? spec.body : JSON.stringify(spec.json);
      const headers: Record<string, string> = { ...spec.headers };
      if (spec.token) headers.authorization = `Bearer ${spec.token}`;
      if (body !== undefined) {
        headers['content-type'] ??= 'application/json';
        headers['content-length'] = String(Buffer.byteLength(body));
      }
      return new Promise((resolve, reject) => {
        const started = performance.now();
        const req = httpRequest(
          { host: '127.0.0.1', port: url.port, method: spec.method, path: spec.path, headers, agent },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                ms: performance.now() - started,
                body: Buffer.concat(chunks).toString('utf8'),
                headers: res.headers,
              }),
            );
            res.on('error', reject);
          },
        );
        req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${spec.method} ${spec.path}`)));
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

export interface LoadResult {
  concurrency: number;
  completed: number;
  /** Non-2xx answers and transport errors. */
  errors: number;
  statuses: Record<string, number>;
  firstError?: string;
  durationMs: number;
  rps: number;
  latencies: number[];
}

/**
 * Closed-loop load: `concurrency` workers each send the next request as soon as the previous answers,
 * until `maxRequests` have been sent or `maxMs` has passed.
 */
export async function runLoad(options: {
  concurrency: number;
  maxRequests: number;
  maxMs: number;
  next: (i: number) => Promise<HttpResult>;
}): Promise<LoadResult> {
  const budget = new Budget(options.maxRequests, options.maxMs);
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (budget.next()) {
        const i = budget.count - 1;
        try {
          const res = await options.next(i);
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          latencies.push(res.ms);
          if (res.status < 200 || res.status > 299) {
            errors++;
            firstError ??= `${res.status} ${res.body.slice(0, 300)}`;
          }
        } catch (error) {
          errors++;
          statuses.error = (statuses.error ?? 0) + 1;
          firstError ??= (error as Error).message;
        }
      }
    }),
  );
  const durationMs = performance.now() - started;
  return {
    concurrency: options.concurrency,
    completed: latencies.length,
    errors,
    statuses,
    firstError,
    durationMs,
    rps: (latencies.length / durationMs) * 1000,
    latencies,
  };
}
