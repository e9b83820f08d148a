import type { JSONWebKeySet } from 'jose';
import type { Logger } from '@cc/core';
import { createTokenVerifier } from './auth';
import type { AppConfig } from './config';
import { createCursorCodec } from './http/cursor';
import type { HealthProbes, HttpDeps } from './http/env';
import { packagedReferenceScript, type ReferenceScript } from './reference/assets';

export interface HttpOptions {
  /** The JWKS to trust: Cognito's URL in AWS, the dev key set locally. */
  jwks: URL | JSONWebKeySet;
  cursorSecret: string;
  health: HealthProbes;
  log: Logger;
  clock?: () => Date;
  /** The reference page's script: from the installed npm package unless a host keeps it elsewhere (Lambda). */
  reference?: ReferenceScript;
}

/** What the HTTP adapter needs besides the services, made once by a composition root. */
export const httpDeps = (config: AppConfig, options: HttpOptions): HttpDeps => ({
  config,
  auth: createTokenVerifier({ issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, jwks: options.jwks }),
  cursors: createCursorCodec(options.cursorSecret),
  health: options.health,
  log: options.log,
  clock: options.clock ?? (() => new Date()),
  reference: options.reference ?? packagedReferenceScript,
});
