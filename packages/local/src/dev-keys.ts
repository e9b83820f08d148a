import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import type { Caller } from '@cc/core';

/** The local stand-in for Cognito: one ES256 key pair, kept under the data dir so tokens survive restarts. */
export interface DevKeys {
  privateJwk: JWK;
  publicJwk: JWK;
  cursorSecret: string;
  emailWebhookSecret: string;
  twilioAuthToken: string;
}

export async function generateDevKeys(): Promise<DevKeys> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = randomBytes(8).toString('hex');
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
    cursorSecret: randomBytes(32).toString('base64url'),
    emailWebhookSecret: randomBytes(32).toString('base64url'),
    twilioAuthToken: randomBytes(16).toString('hex'),
  };
}

export async function loadOrCreateDevKeys(dataDir: string): Promise<DevKeys> {
  const file = join(dataDir, 'dev-keys.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DevKeys;
  mkdirSync(dataDir, { recursive: true });
  const keys = await generateDevKeys();
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

export async function signDevToken(
  keys: DevKeys,
  caller: Caller,
  options: { issuer: string; audience: string; expiresIn?: string | number },
): Promise<string> {
  const key = await importJWK(keys.privateJwk, 'ES256');
  return new SignJWT({ role: caller.role, branch: caller.branchId })
    .setProtectedHeader({ alg: 'ES256', kid: keys.privateJwk.kid })
    .setSubject(caller.userId)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '8h')
    .sign(key);
}
