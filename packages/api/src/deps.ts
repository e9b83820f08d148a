import type { Caller, Logger } from '@cc/core';
import type { CursorCodec, StoreContext, UserNameDirectory } from '@cc/store';
import type { MessagePublisher } from '@cc/messaging';
import type { TokenVerifier } from './auth';
import type { AppConfig } from './config';

/** Health probes: each resolves when its dependency answers, rejects otherwise. */
export interface HealthProbes {
  dynamodb(): Promise<void>;
  sqs(): Promise<void>;
}

/** Everything the app needs, created once by a composition root (Lambda handler or local runtime). */
export interface AppDeps {
  config: AppConfig;
  store: StoreContext;
  cursors: CursorCodec;
  auth: TokenVerifier;
  publisher: MessagePublisher;
  health: HealthProbes;
  /** Users' display names (cached per process). */
  directory: UserNameDirectory;
  log: Logger;
  clock: () => Date;
}

/** Hono environment: what middleware puts on the context for routes to read. */
export interface AppEnv {
  Variables: { caller: Caller };
}
