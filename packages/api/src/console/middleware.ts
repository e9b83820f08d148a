import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { ForbiddenError, UnauthenticatedError } from '@cc/core';
import { safeEqual } from '@cc/channels';
import type { ConsoleHttpDeps } from '../http/env';
import type { ConsoleEnv } from './env';
import { messagesFor, negotiateConsoleLocale } from './i18n';
import { mac, randomToken } from './keys';
import { clearSession, CONSOLE_PATH, readSession, writeSession } from './session';
import { refreshTokens } from './sign-in';

type ConsoleMiddleware = MiddlewareHandler<ConsoleEnv>;

export const LOCALE_COOKIE = 'cc_lang';
/** Before sign-in, forms (the local sign-in) are bound to this random cookie instead of a session. */
const PRE_SESSION_COOKIE = 'cc_pre';
export const CSRF_FIELD = '_csrf';
const CSRF_HEADER = 'x-csrf-token';

/** The page's language: the switch's cookie, else Accept-Language, else CONSOLE_DEFAULT_LOCALE. */
export const withLocale =
  (http: ConsoleHttpDeps): ConsoleMiddleware =>
  async (c, next) => {
    const locale = negotiateConsoleLocale(
      getCookie(c, LOCALE_COOKIE),
      c.req.header('accept-language'),
      http.config.CONSOLE_DEFAULT_LOCALE,
    );
    c.set('locale', locale);
    c.set('t', messagesFor(locale));
    await next();
    c.res.headers.set('content-language', locale);
    c.res.headers.append('vary', 'Accept-Language, Cookie');
  };

/**
 * Reads the session cookie and proves it again on every request: the sealed ID token goes through the API's own
 * verifier (signature, issuer, audience, expiry, and the staff directory for role and branch). An expired ID
 * token is renewed with the refresh token when the hosted UI issued one. Anything else ends the session.
 */
export const withSession =
  (http: ConsoleHttpDeps): ConsoleMiddleware =>
  async (c, next) => {
    const keys = await http.console.keys();
    const now = http.clock().getTime();
    let session = await readSession(c, keys, now);
    if (session) {
      try {
        c.set('caller', await http.auth.verify(session.idToken));
      } catch (error) {
        const hosted = http.console.signIn?.kind === 'hosted' ? http.console.signIn : undefined;
        const renewable = error instanceof UnauthenticatedError && error.code === 'auth.token_expired';
        if (!(renewable && hosted && session.refreshToken)) throw signInAgain(c);
        const tokens = await refreshTokens(hosted, session.refreshToken).catch(() => {
          throw signInAgain(c);
        });
        session = { ...session, ...tokens };
        c.set('caller', await http.auth.verify(session.idToken).catch(() => Promise.reject(signInAgain(c))));
        await writeSession(c, keys, session, now);
      }
      c.set('session', session);
    }
    await next();
  };

/** Pages for signed-in staff only: others go to the sign-in page (htmx requests are told to go there). */
export const requireCaller: ConsoleMiddleware = async (c, next) => {
  if (!c.get('session')) throw signInAgain(c);
  await next();
};

/** Thrown to end the request with the way to the sign-in page. */
export class SignInRequired extends Error {
  constructor(readonly next: string) {
    super('sign in required');
  }
}

function signInAgain(c: Parameters<ConsoleMiddleware>[0]): SignInRequired {
  clearSession(c);
  const path = c.req.method === 'GET' ? c.req.path + (new URL(c.req.url).search || '') : CONSOLE_PATH;
  return new SignInRequired(path);
}

/**
 * CSRF: every form carries a token that is the HMAC of the session id (before sign-in: of a random cookie's value),
 * and every POST must bring it back, in the form or the X-CSRF-Token header (htmx). Cross-site requests are
 * refused before that whatever they carry (Sec-Fetch-Site, and Origin when the browser sends it).
 */
export const withCsrf =
  (http: ConsoleHttpDeps): ConsoleMiddleware =>
  async (c, next) => {
    const keys = await http.console.keys();
    const session = c.get('session');
    let binding: string;
    if (session) binding = `session:${session.sid}`;
    else {
      let pre = getCookie(c, PRE_SESSION_COOKIE);
      if (!pre || pre.length > 64) {
        pre = randomToken(16);
        setCookie(c, PRE_SESSION_COOKIE, pre, { path: CONSOLE_PATH, httpOnly: true, secure: true, sameSite: 'Lax' });
      }
      binding = `pre:${pre}`;
    }
    const token = await mac(keys.csrf, binding);
    c.set('csrf', token);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const site = c.req.header('sec-fetch-site');
      const origin = c.req.header('origin');
      const ours = [new URL(c.req.url).origin, new URL(http.config.PUBLIC_BASE_URL).origin];
      if ((site && site !== 'same-origin' && site !== 'none') || (origin && !ours.includes(origin))) {
        throw new ForbiddenError('Cross-site form posts are refused', 'console.csrf');
      }
      const sent = c.req.header(CSRF_HEADER) ?? (await formField(c, CSRF_FIELD));
      if (!sent || !safeEqual(token, sent)) {
        throw new ForbiddenError('The form token is missing or stale', 'console.csrf');
      }
    }
    await next();
  };

/** One string field of a posted form (urlencoded or multipart); undefined when absent or not text. */
export async function formField(c: Parameters<ConsoleMiddleware>[0], name: string): Promise<string | undefined> {
  const type = c.req.header('content-type') ?? '';
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return undefined;
  const value = (await c.req.parseBody())[name];
  return typeof value === 'string' ? value : undefined;
}
