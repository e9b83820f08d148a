import type { GetConnInfo } from 'hono/conninfo';
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

/** Whether a request carries the front door's secret header value (the origin-verify secret, any live version). */
export type OriginVerifier = (headerValue: string | undefined) => Promise<boolean>;

/** What every part of the HTTP app needs besides the services: all of it HTTP's own concern. */
export interface BaseHttpDeps {
  config: AppConfig;
  log: Logger;
  clock: () => Date;
  /** Every request answers within this (@cc/core/budgets: the API's deadline). */
  deadlineMs: number;
  /** The host's view of the connection (hono/aws-lambda or @hono/node-server/conninfo); absent in tests. */
  connInfo?: GetConnInfo;
  /** Checks ORIGIN_VERIFY_HEADER on every request when the app runs behind the front door (absent locally). */
  originVerifier?: OriginVerifier;
}

/** What the staff JSON API and the staff console both need besides the base: tokens, cursors, health. */
export interface HttpDeps extends BaseHttpDeps {
  auth: TokenVerifier;
  cursors: CursorCodec;
  health: HealthProbes;
}

/** The staff JSON API's own: its document and reference page. */
export interface ApiHttpDeps extends HttpDeps {
  /** The OpenAPI document (packages/api/openapi.json), read when first asked for. */
  openApiDocument: () => Promise<Record<string, unknown>>;
  /** The script of the reference page at /docs (Redoc), read when first asked for. */
  referenceScript: () => Promise<string>;
}

/** The staff console's own: its session keys, sign-in and static files. */
export interface ConsoleHttpDeps extends HttpDeps {
  console: ConsoleDeps;
}

/** What the public edge (the form, the status lookup, the provider webhooks) needs besides the base: their secrets. */
export interface PublicHttpDeps extends BaseHttpDeps {
  /** The Twilio auth token now, or why the SMS webhook is closed (the placeholder was never replaced). */
  twilio: () => { token: string } | { closed: string };
  /** Refused while a webhook secret is missing: answered as a problem, never verified against nothing. */
  emailWebhookSecret?: string;
}

/** All of them: the whole app on one server (the local runtime, the tests, the bench). */
export type AppHttpDeps = ApiHttpDeps & ConsoleHttpDeps & PublicHttpDeps;

/** Hono environment: what middleware puts on the context for routes to read. */
export interface AppEnv {
  Variables: { caller: Caller; viaFrontDoor: boolean };
}
