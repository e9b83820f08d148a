import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { roles, UnauthenticatedError, type Caller, type Role } from '@cc/core';

export interface TokenVerifier {
  verify(token: string): Promise<Caller>;
}

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /**
   * A JWKS URL (Cognito: https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/jwks.json), a key set in hand,
   * or a key resolver.
   */
  jwks: URL | JSONWebKeySet | JWTVerifyGetKey;
  /** How many verified tokens to remember (0: verify every time). */
  cacheSize?: number;
  now?: () => number;
}

const DEFAULT_CACHE_SIZE = 1000;

/**
 * Verifies bearer tokens: signature against the JWKS, issuer, audience (or Cognito's client_id),
 * expiry, and the claims we route by: sub (user id), role and branch.
 *
 * The ES256 signature check is the largest fixed cost of a request (~0.2 ms, on libuv's thread pool),
 * and an agent sends the same token all shift; so a token that verified is remembered, by its exact
 * bytes, until it expires. Only tokens with an expiry are remembered, the oldest are dropped past
 * `cacheSize`, and a remembered token past its expiry is verified again (and refused).
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { jwks } = options;
  const keySet: JWTVerifyGetKey =
    typeof jwks === 'function' ? jwks : jwks instanceof URL ? createRemoteJWKSet(jwks) : createLocalJWKSet(jwks);
  const cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
  const now = options.now ?? Date.now;
  const verified = new Map<string, { caller: Caller; expiresAtMs: number }>();

  function remember(token: string, caller: Caller, exp: unknown) {
    if (cacheSize === 0 || typeof exp !== 'number') return;
    if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!);
    verified.set(token, { caller, expiresAtMs: exp * 1000 });
  }

  return {
    async verify(token) {
      const known = verified.get(token);
      if (known && now() < known.expiresAtMs) return { ...known.caller };
      if (known) verified.delete(token);
      const { caller, exp } = await verifyAfresh(token);
      remember(token, caller, exp);
      return { ...caller };
    },
  };

  async function verifyAfresh(token: string): Promise<{ caller: Caller; exp: unknown }> {
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
    const userId = payload.sub;
    const role = payload.role ?? payload['custom:role'];
    const branchId = payload.branch ?? payload['custom:branch'];
    if (typeof userId !== 'string' || typeof branchId !== 'string' || !roles.includes(role as Role)) {
      throw new UnauthenticatedError('The token lacks the sub, role or branch claim', 'auth.token_invalid');
    }
    return { caller: { userId, role: role as Role, branchId }, exp: payload.exp };
  }
}

export function bearerToken(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) throw new UnauthenticatedError('Send Authorization: Bearer <token>', 'auth.unauthenticated');
  return match[1]!;
}
