import type { Caller, Logger } from '@cc/core';
import type { TokenVerifier } from '../auth';
import type { AppConfig } from '../config';
import type { ConsoleDeps } from '../console/env';
import type { CursorCodec } from './cursor';

/** Health probes: each resolves when its dependency answers, rejects otherwise. */
export interface HealthProbes {
  dynamodb(): Promise<void>;
  sqs(): Promise<void>;
}

/** What the HTTP adapter needs besides the services: all of it HTTP's own concern. */
export interface HttpDeps {
  config: AppConfig;
  auth: TokenVerifier;
  cursors: CursorCodec;
  health: HealthProbes;
  log: Logger;
  clock: () => Date;
  /** Every request answers within this (@cc/core/budgets: the API's deadline). */
  deadlineMs: number;
  /** The OpenAPI document (packages/api/openapi.json), read when first asked for. */
  openApiDocument: () => Promise<Record<string, unknown>>;
  /** The script of the reference page at /docs (Redoc), read when first asked for. */
  referenceScript: () => Promise<string>;
  /** The staff console's keys, sign-in and static files. */
  console: ConsoleDeps;
}

/** Hono environment: what middleware puts on the context for routes to read. */
export interface AppEnv {
  Variables: { caller: Caller };
}
