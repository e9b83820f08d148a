import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { GetConnInfo } from 'hono/conninfo';
import type { JSONWebKeySet } from 'jose';
import { TWILIO_TOKEN_PLACEHOLDER } from '@cc/channels';
import type { Logger } from '@cc/core';
import { budgets } from '@cc/core/budgets';
import { createTokenVerifier, type StaffDirectory } from './auth';
import type { AppConfig } from './config';
import { createCursorCodec } from './http/cursor';
import type {
  ApiHttpDeps,
  AppHttpDeps,
  BaseHttpDeps,
  ConsoleHttpDeps,
  HealthProbes,
  HttpDeps,
  OriginVerifier,
  PublicHttpDeps,
} from './http/env';
import { consoleAssets, packagedHtmxPath, scriptFrom } from './console/assets';
import { consoleKeys } from './console/keys';
import type { DevSignIn, SignIn } from './console/sign-in';
import { resolvePackagedReferenceScript } from './reference/assets';

/** What every part of the HTTP app is built with. */
export interface BaseHttpOptions {
  log: Logger;
  clock?: () => Date;
  /** The API's deadline unless given (tests that need a shorter one). */
  deadlineMs?: number;
  connInfo?: GetConnInfo;
  originVerifier?: OriginVerifier;
}

/** The staff JSON API's and console's. */
export interface StaffHttpOptions extends BaseHttpOptions {
  /** The JWKS to trust: Cognito's URL in AWS, the dev key set locally. */
  jwks: URL | JSONWebKeySet;
  /** Who a token's subject is now (services' staff directory over the users table). */
  directory: StaffDirectory;
  /** One key, or the live versions of a rotating one, newest first (read from Secrets Manager in AWS). */
  cursorSecret: string | (() => readonly string[]);
  health: HealthProbes;
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

/** The public edge's. */
export interface PublicHttpOptions extends BaseHttpOptions {
  /**
   * Overrides TWILIO_AUTH_TOKEN / EMAIL_WEBHOOK_SECRET. In AWS the Twilio token is read by ARN and re-read every few
   * minutes: given as a function, it is asked on every webhook request, so a token set after deploy opens the webhook.
   */
  twilioAuthToken?: string | (() => string | undefined);
  emailWebhookSecret?: string;
}

/** The whole app's, on one server. */
export type HttpOptions = StaffHttpOptions & PublicHttpOptions;

function signInFor(config: AppConfig, options: StaffHttpOptions): SignIn | undefined {
  if (options.devSignIn) return { kind: 'dev', ...options.devSignIn };
  if (config.COGNITO_DOMAIN) {
    const fetcher = options.fetch ?? ((input, init) => fetch(input, init));
    return { kind: 'hosted', domain: config.COGNITO_DOMAIN, clientId: config.AUTH_AUDIENCE, fetch: fetcher };
  }
  return undefined;
}

/** Why the SMS webhook must stay closed with this token, if it must. */
const closedBecause = (token: string | undefined) =>
  !token
    ? 'no Twilio auth token is configured'
    : token === TWILIO_TOKEN_PLACEHOLDER
      ? `the Twilio auth token is still the placeholder "${TWILIO_TOKEN_PLACEHOLDER}"`
      : undefined;

/**
 * The SMS webhook stays closed while the Twilio token is missing or the placeholder: the gate says so at start, and
 * again whenever the reason changes; it opens as soon as the token read is a real one.
 */
function twilioGate(source: string | (() => string | undefined) | undefined, log: Logger): PublicHttpDeps['twilio'] {
  const current = typeof source === 'function' ? source : () => source;
  let told: string | undefined;
  const gate = () => {
    const token = current();
    const closed = closedBecause(token);
    if (!closed) {
      told = undefined;
      return { token: token! };
    }
    if (closed !== told) {
      told = closed;
      log.error('SMS webhook closed: every request to it is refused until the token is set', {
        reason: closed,
        fix: 'put the auth token from the Twilio console into the ChannelSecrets secret (docs/operations.md)',
      });
    }
    return { closed };
  };
  gate();
  return gate;
}

/** The newest version of a secret given as one value or as its live versions. */
const newest = (secret: string | (() => readonly string[])) => (typeof secret === 'string' ? secret : secret()[0]!);

/** The document as generated into the api package (`npm run openapi`). */
const PACKAGED_DOCUMENT = new URL('../openapi.json', import.meta.url);

const baseHttpDeps = (config: AppConfig, options: BaseHttpOptions): BaseHttpDeps => ({
  config,
  log: options.log,
  clock: options.clock ?? (() => new Date()),
  deadlineMs: options.deadlineMs ?? budgets.api.deadlineMs,
  connInfo: options.connInfo,
  originVerifier: options.originVerifier,
});

/** What the staff API and console both need besides the services. */
const staffHttpDeps = (config: AppConfig, options: StaffHttpOptions): HttpDeps => ({
  ...baseHttpDeps(config, options),
  auth: createTokenVerifier({
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    jwks: options.jwks,
    directory: options.directory,
  }),
  cursors: createCursorCodec(options.cursorSecret),
  health: options.health,
});

const apiOwn = (options: StaffHttpOptions): Omit<ApiHttpDeps, keyof HttpDeps> => ({
  openApiDocument: once(async () => JSON.parse(await readFile(options.openApiFile ?? PACKAGED_DOCUMENT, 'utf8'))),
  referenceScript: once(() =>
    readFile(options.referenceScriptFile ?? pathToFileURL(resolvePackagedReferenceScript()), 'utf8'),
  ),
});

const consoleOwn = (config: AppConfig, options: StaffHttpOptions): Omit<ConsoleHttpDeps, keyof HttpDeps> => ({
  console: {
    keys: once(() => consoleKeys(config.SESSION_SECRET ?? newest(options.cursorSecret))),
    signIn: signInFor(config, options),
    assets: consoleAssets(scriptFrom(() => options.htmxFile ?? packagedHtmxPath())),
  },
});

/** What the staff JSON API needs besides the services (functions/api.ts): no console keys or assets. */
export const apiHttpDeps = (config: AppConfig, options: StaffHttpOptions): ApiHttpDeps => ({
  ...staffHttpDeps(config, options),
  ...apiOwn(options),
});

/** What the staff console needs besides the services (functions/console.ts): no OpenAPI document. */
export const consoleHttpDeps = (config: AppConfig, options: StaffHttpOptions): ConsoleHttpDeps => ({
  ...staffHttpDeps(config, options),
  ...consoleOwn(config, options),
});

/** What the public edge needs besides the services: no token verifier, cursors or console keys. */
export const publicHttpDeps = (config: AppConfig, options: PublicHttpOptions): PublicHttpDeps => ({
  ...baseHttpDeps(config, options),
  twilio: twilioGate(options.twilioAuthToken ?? config.TWILIO_AUTH_TOKEN, options.log),
  emailWebhookSecret: options.emailWebhookSecret ?? config.EMAIL_WEBHOOK_SECRET,
});

/** All of them, for the whole app on one server (the local runtime, the tests, the bench). */
export const httpDeps = (config: AppConfig, options: HttpOptions): AppHttpDeps => ({
  ...publicHttpDeps(config, options),
  ...staffHttpDeps(config, options),
  ...apiOwn(options),
  ...consoleOwn(config, options),
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
