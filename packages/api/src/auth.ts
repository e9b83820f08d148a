import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { UnauthenticatedError, type Caller } from '@cc/core';

export interface TokenVerifier {
  verify(token: string): Promise<Caller>;
}

/**
 * The directory of staff: who a token's subject is now. Only active users are answered; role and branch come from
 * here, never from the token's claims, so disabling or demoting a user does not wait for their token to expire.
 */
export interface StaffDirectory {
  callerFor(userId: string): Promise<Caller | undefined>;
}

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /**
   * A JWKS URL (Cognito: https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/jwks.json), a key set in hand,
   * or a key resolver.
   */
  jwks: URL | JSONWebKeySet | JWTVerifyGetKey;
  directory: StaffDirectory;
  /** How many verified tokens to remember (0: verify every time). */
  cacheSize?: number;
  /** How long a verified token is remembered at most (also never past its expiry). */
  cacheMs?: number;
  now?: () => number;
}

const DEFAULT_CACHE_SIZE = 1000;
/** A remembered signature check is redone at least this often. */
export const TOKEN_CACHE_MS = 60_000;

/**
 * Verifies bearer tokens: signature against the JWKS, issuer, audience (or Cognito's client_id), expiry and the
 * subject; then asks the directory who that user is now (an unknown or disabled user is refused).
 *
 * The ES256 signature check is the largest fixed cost of a request (~0.2 ms, on libuv's thread pool),
 * and an agent sends the same token all shift; so a token that verified is remembered, by its exact
 * bytes, for at most a minute and never past its expiry. Only tokens with an expiry are remembered, the oldest
 * are dropped past `cacheSize`. The directory keeps its own short memory (services' staff directory).
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { jwks } = options;
  const keySet: JWTVerifyGetKey =
    typeof jwks === 'function' ? jwks : jwks instanceof URL ? createRemoteJWKSet(jwks) : createLocalJWKSet(jwks);
  const cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
  const cacheMs = options.cacheMs ?? TOKEN_CACHE_MS;
  const now = options.now ?? Date.now;
  const verified = new Map<string, { userId: string; until: number }>();

  function remember(token: string, userId: string, exp: unknown) {
    if (cacheSize === 0 || typeof exp !== 'number') return;
    if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!);
    verified.set(token, { userId, until: Math.min(exp * 1000, now() + cacheMs) });
  }

  async function subjectOf(token: string): Promise<string> {
    const known = verified.get(token);
    if (known && now() < known.until) return known.userId;
    if (known) verified.delete(token);
    const { userId, exp } = await verifyAfresh(token);
    remember(token, userId, exp);
    return userId;
  }

  return {
    async verify(token) {
      const caller = await options.directory.callerFor(await subjectOf(token));
      if (!caller) throw new UnauthenticatedError('This user is not known or not active', 'auth.user_inactive');
      return { ...caller };
    },
  };

  async function verifyAfresh(token: string): Promise<{ userId: string; exp: unknown }> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, keySet, {
        issuer: options.issuer,
        clockTolerance: 5,
        currentDate: new Date(now()),
      }));
    } catch (error) {
      const expired = (error as { code?: string }).code === 'ERR_JWT_EXPIRED';
      throw new UnauthenticatedError(
        expired ? 'The token has expired' : 'The token is invalid',
        expired ? 'auth.token_expired' : 'auth.token_invalid',
      );
    }
    const audiences = [payload.aud, payload.client_id].flat().filter((a): a is string => typeof a === 'string');
    if (!audiences.includes(options.audience))
      throw new UnauthenticatedError('The token was issued for another audience', 'auth.token_invalid');
    if (typeof payload.sub !== 'string' || payload.sub === '' || payload.sub.length > 128)
      throw new UnauthenticatedError('The token lacks its subject', 'auth.token_invalid');
    return { userId: payload.sub, exp: payload.exp };
  }
}

export function bearerToken(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) throw new UnauthenticatedError('Send Authorization: Bearer <token>', 'auth.unauthenticated');
  return match[1]!;
}
