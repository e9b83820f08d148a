import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { roles, UnauthenticatedError, type Caller, type Role } from '@cc/core';

export interface TokenVerifier {
  verify(token: string): Promise<Caller>;
}

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /** A JWKS URL (Cognito: https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/jwks.json) or a key set in hand. */
  jwks: URL | JSONWebKeySet;
}

/**
 * Verifies bearer tokens: signature against the JWKS, issuer, audience (or Cognito's client_id),
 * expiry, and the claims we route by: sub (user id), role and branch.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const keySet: JWTVerifyGetKey = options.jwks instanceof URL ? createRemoteJWKSet(options.jwks) : createLocalJWKSet(options.jwks);
  return {
    async verify(token) {
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, keySet, { issuer: options.issuer, clockTolerance: 5 }));
      } catch (error) {
        const expired = (error as { code?: string }).code === 'ERR_JWT_EXPIRED';
        throw new UnauthenticatedError(expired ? 'The token has expired' : 'The token is invalid', expired ? 'auth.token_expired' : 'auth.token_invalid');
      }
      const audiences = [payload.aud, payload.client_id].flat().filter((a): a is string => typeof a === 'string');
      if (!audiences.includes(options.audience)) throw new UnauthenticatedError('The token was issued for another audience', 'auth.token_invalid');
      const userId = payload.sub;
      const role = payload.role ?? payload['custom:role'];
      const branchId = payload.branch ?? payload['custom:branch'];
      if (typeof userId !== 'string' || typeof branchId !== 'string' || !roles.includes(role as Role)) {
        throw new UnauthenticatedError('The token lacks the sub, role or branch claim', 'auth.token_invalid');
      }
      return { userId, role: role as Role, branchId };
    },
  };
}

export function bearerToken(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) throw new UnauthenticatedError('Send Authorization: Bearer <token>', 'auth.unauthenticated');
  return match[1]!;
}
