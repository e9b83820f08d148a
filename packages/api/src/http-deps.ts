import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { JSONWebKeySet } from 'jose';
import type { Logger } from '@cc/core';
import { budgets } from '@cc/core/budgets';
import { createTokenVerifier } from './auth';
import type { AppConfig } from './config';
import { createCursorCodec } from './http/cursor';
import type { HealthProbes, HttpDeps } from './http/env';
import { consoleAssets, packagedHtmxPath, scriptFrom } from './console/assets';
import { consoleKeys } from './console/keys';
import type { DevSignIn, SignIn } from './console/sign-in';
import { resolvePackagedReferenceScript } from './reference/assets';

export interface HttpOptions {
  /** The JWKS to trust: Cognito's URL in AWS, the dev key set locally. */
  jwks: URL | JSONWebKeySet;
  cursorSecret: string;
  health: HealthProbes;
  log: Logger;
  clock?: () => Date;
  /** The API's deadline unless given (tests that need a shorter one). */
  deadlineMs?: number;
  /** Where the generated OpenAPI document is (the Lambda ships it beside its bundle). */
  openApiFile?: URL;
  /** Where the reference page's script is (the Lambda ships it beside its bundle; else the npm package's). */
  referenceScriptFile?: URL;
  /**
   * The local runtime's sign-in with the seeded users: given only while the local development key is the one
   * trusted. Without it the console signs in through Cognito's hosted UI when COGNITO_DOMAIN is set.
   */
  devSignIn?: Omit<DevSignIn, 'kind'>;
  /** Where htmx is (the Lambda ships it beside its bundle); else the installed npm package. */
  htmxFile?: URL;
  /** For the hosted UI's token and revoke endpoints. */
  fetch?: typeof fetch;
}

function signInFor(config: AppConfig, options: HttpOptions): SignIn | undefined {
  if (options.devSignIn) return { kind: 'dev', ...options.devSignIn };
  if (config.COGNITO_DOMAIN) {
    const fetcher = options.fetch ?? ((input, init) => fetch(input, init));
    return { kind: 'hosted', domain: config.COGNITO_DOMAIN, clientId: config.AUTH_AUDIENCE, fetch: fetcher };
  }
  return undefined;
}

/** The document as generated into the api package (`npm run openapi`). */
const PACKAGED_DOCUMENT = new URL('../openapi.json', import.meta.url);

/** What the HTTP adapter needs besides the services, made once by a composition root. */
export const httpDeps = (config: AppConfig, options: HttpOptions): HttpDeps => ({
  config,
  auth: createTokenVerifier({ issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, jwks: options.jwks }),
  cursors: createCursorCodec(options.cursorSecret),
  health: options.health,
  log: options.log,
  clock: options.clock ?? (() => new Date()),
  deadlineMs: options.deadlineMs ?? budgets.api.deadlineMs,
  openApiDocument: once(async () => JSON.parse(await readFile(options.openApiFile ?? PACKAGED_DOCUMENT, 'utf8'))),
  referenceScript: once(() =>
    readFile(options.referenceScriptFile ?? pathToFileURL(resolvePackagedReferenceScript()), 'utf8'),
  ),
  console: {
    keys: once(() => consoleKeys(config.SESSION_SECRET ?? options.cursorSecret)),
    signIn: signInFor(config, options),
    assets: consoleAssets(scriptFrom(() => options.htmxFile ?? packagedHtmxPath())),
  },
});

/** Runs `load` on the first call and hands every caller its result (a failure is tried again next time). */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
}
