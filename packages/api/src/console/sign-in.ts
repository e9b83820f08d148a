import { DomainError, type Role } from '@cc/core';
import { toBase64Url } from './keys';

/**
 * The local runtime's stand-in for the hosted UI: a list of the seeded users and a way to issue one of them a token
 * signed with the local development key. The local host offers it only while that key is the one trusted.
 */
export interface DevSignIn {
  kind: 'dev';
  users: readonly { id: string; name: string; role: Role }[];
  issue(userId: string): Promise<string>;
}

/** Cognito's hosted UI: the authorization-code flow with PKCE, for the app client the API trusts. */
export interface HostedSignIn {
  kind: 'hosted';
  /** e.g. https://<prefix>.auth.<region>.amazoncognito.com */
  domain: string;
  clientId: string;
  fetch: typeof fetch;
}

export type SignIn = DevSignIn | HostedSignIn;

export interface Tokens {
  idToken: string;
  refreshToken?: string;
}

/** PKCE (RFC 7636): the verifier stays with the browser's sign-in cookie; the challenge goes to the hosted UI. */
export async function pkceChallenge(verifier: string): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

export function authorizeUrl(
  hosted: HostedSignIn,
  p: { redirectUri: string; state: string; nonce: string; challenge: string },
): string {
  const url = new URL('/oauth2/authorize', hosted.domain);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: hosted.clientId,
    redirect_uri: p.redirectUri,
    scope: 'openid email profile',
    state: p.state,
    nonce: p.nonce,
    code_challenge: p.challenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

async function tokenRequest(hosted: HostedSignIn, form: Record<string, string>): Promise<Tokens> {
  const response = await hosted.fetch(new URL('/oauth2/token', hosted.domain), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: hosted.clientId, ...form }).toString(),
  });
  const body = (await response.json().catch(() => ({}))) as { id_token?: unknown; refresh_token?: unknown };
  if (!response.ok || typeof body.id_token !== 'string') {
    throw new DomainError('auth.sign_in_failed', `The token endpoint answered ${response.status}`);
  }
  return {
    idToken: body.id_token,
    ...(typeof body.refresh_token === 'string' && { refreshToken: body.refresh_token }),
  };
}

export const exchangeCode = (hosted: HostedSignIn, code: string, verifier: string, redirectUri: string) =>
  tokenRequest(hosted, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri });

/** A fresh ID token for a live session (Cognito does not rotate the refresh token: the old one is kept). */
export async function refreshTokens(hosted: HostedSignIn, refreshToken: string): Promise<Tokens> {
  const tokens = await tokenRequest(hosted, { grant_type: 'refresh_token', refresh_token: refreshToken });
  return { idToken: tokens.idToken, refreshToken: tokens.refreshToken ?? refreshToken };
}

/** Revokes the refresh token and every token issued from it (the app client has token revocation enabled). */
export async function revoke(hosted: HostedSignIn, refreshToken: string): Promise<boolean> {
  const response = await hosted.fetch(new URL('/oauth2/revoke', hosted.domain), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: refreshToken, client_id: hosted.clientId }).toString(),
  });
  return response.ok;
}

/** Ends the hosted UI's own session too, then comes back to `logoutUri` (one of the client's sign-out URLs). */
export function logoutUrl(hosted: HostedSignIn, logoutUri: string): string {
  const url = new URL('/logout', hosted.domain);
  url.search = new URLSearchParams({ client_id: hosted.clientId, logout_uri: logoutUri }).toString();
  return url.toString();
}
