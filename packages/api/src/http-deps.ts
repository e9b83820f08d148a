import type { JSONWebKeySet } from 'jose';
import type { Logger } from '@cc/core';
import { budgets } from '@cc/core/budgets';
import { createTokenVerifier } from './auth';
import type { AppConfig } from './config';
import { createCursorCodec } from './http/cursor';
import type { HealthProbes, HttpDeps } from './http/env';

export interface HttpOptions {
  /** The JWKS to trust: Cognito's URL in AWS, the dev key set locally. */
  jwks: URL | JSONWebKeySet;
  cursorSecret: string;
  health: HealthProbes;
  log: Logger;
  clock?: () => Date;
  /** The API's deadline unless given (tests that need a shorter one). */
  deadlineMs?: number;
}

/** What the HTTP adapter needs besides the services, made once by a composition root. */
export const httpDeps = (config: AppConfig, options: HttpOptions): HttpDeps => ({
  config,
  auth: createTokenVerifier({ issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, jwks: options.jwks }),
  cursors: createCursorCodec(options.cursorSecret),
  health: options.health,
  log: options.log,
  clock: options.clock ?? (() => new Date()),
  deadlineMs: options.deadlineMs ?? budgets.api.deadlineMs,
});
