import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { randomToken, seal, unseal, type ConsoleKeys } from './keys';

/**
 * What a signed-in browser holds, sealed (AES-256-GCM) in an HttpOnly, Secure, SameSite=Lax cookie scoped to
 * /console: the ID token the API's verifier checks on every request (signature, issuer, audience, expiry, and the
 * staff directory), the refresh token sign-out revokes, and a random session id that CSRF tokens are bound to.
 */
export interface ConsoleSession {
  sid: string;
  idToken: string;
  refreshToken?: string;
  /** When the session began (ms); it ends SESSION_MAX_AGE_S later, whatever the tokens say. */
  since: number;
}

export const CONSOLE_PATH = '/console';
/** Whether a path is the console's (it sets its own, stricter headers). */
export const isConsolePath = (path: string) => path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`);
export const SESSION_COOKIE = 'cc_session';
/** Cognito's refresh token lives 12 hours (infra/constructs/auth.ts): so does a console session. */
export const SESSION_MAX_AGE_S = 12 * 60 * 60;
/** Browsers keep at least 4096 bytes per cookie, name and attributes included; a sealed session may need two. */
const CHUNK = 3800;
const MAX_CHUNKS = 4;

const chunkName = (i: number) => (i === 0 ? SESSION_COOKIE : `${SESSION_COOKIE}.${i}`);

const cookieOptions = (maxAge: number) =>
  ({ path: CONSOLE_PATH, httpOnly: true, secure: true, sameSite: 'Lax', maxAge }) as const;

const isSession = (v: unknown): v is ConsoleSession =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as ConsoleSession).sid === 'string' &&
  typeof (v as ConsoleSession).idToken === 'string' &&
  typeof (v as ConsoleSession).since === 'number';

export async function readSession(c: Context, keys: ConsoleKeys, now: number): Promise<ConsoleSession | undefined> {
  let text = '';
  for (let i = 0; i < MAX_CHUNKS; i++) {
    const part = getCookie(c, chunkName(i));
    if (part === undefined) break;
    text += part;
  }
  if (!text) return undefined;
  const value = await unseal(keys.seal, SESSION_COOKIE, text);
  if (!isSession(value) || now - value.since > SESSION_MAX_AGE_S * 1000) return undefined;
  return value;
}

export async function writeSession(c: Context, keys: ConsoleKeys, session: ConsoleSession, now: number) {
  const text = await seal(keys.seal, SESSION_COOKIE, session);
  const parts = Math.ceil(text.length / CHUNK);
  if (parts > MAX_CHUNKS) throw new Error('The session does not fit in its cookies');
  const maxAge = Math.max(0, Math.floor(SESSION_MAX_AGE_S - (now - session.since) / 1000));
  for (let i = 0; i < MAX_CHUNKS; i++) {
    if (i < parts) setCookie(c, chunkName(i), text.slice(i * CHUNK, (i + 1) * CHUNK), cookieOptions(maxAge));
    else if (getCookie(c, chunkName(i)) !== undefined) deleteCookie(c, chunkName(i), cookieOptions(0));
  }
}

export function clearSession(c: Context) {
  for (let i = 0; i < MAX_CHUNKS; i++) {
    if (getCookie(c, chunkName(i)) !== undefined) deleteCookie(c, chunkName(i), cookieOptions(0));
  }
}

export const newSession = (tokens: { idToken: string; refreshToken?: string }, now: number): ConsoleSession => ({
  sid: randomToken(16),
  idToken: tokens.idToken,
  ...(tokens.refreshToken && { refreshToken: tokens.refreshToken }),
  since: now,
});
