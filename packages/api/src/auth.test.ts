import { describe, expect, it } from 'vitest';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWTVerifyGetKey } from 'jose';
import type { Caller } from '@cc/core';
import { createTokenVerifier } from './auth';

const issuer = 'https://issuer.test';
const audience = 'contact-center';

async function setup(cacheSize?: number) {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const keySet = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'k1' }] });
  let keyLookups = 0;
  const countingKeySet: JWTVerifyGetKey = (header, token) => {
    keyLookups++;
    return keySet(header, token);
  };
  let nowMs = Date.UTC(2026, 10, 23, 9, 0, 0);
  // The directory: who each subject is now (a test changes it to demote or disable someone).
  const people = new Map<string, Caller>(
    ['agent-1', 'agent-2', 'agent-3', 'a', 'b', 'c'].map((id) => [
      id,
      { userId: id, role: 'agent', branchId: 'BR-001' },
    ]),
  );
  const directory = { callerFor: async (id: string) => people.get(id) };
  const verifier = createTokenVerifier({
    issuer,
    audience,
    jwks: countingKeySet,
    directory,
    cacheSize,
    now: () => nowMs,
  });
  const sign = (userId: string, lifetimeSeconds = 3600) =>
    new SignJWT({ role: 'agent', branch: 'BR-001' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject(userId)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(Math.floor(nowMs / 1000))
      .setExpirationTime(Math.floor(nowMs / 1000) + lifetimeSeconds)
      .sign(privateKey);
  return {
    verifier,
    sign,
    people,
    lookups: () => keyLookups,
    advance: (seconds: number) => (nowMs += seconds * 1000),
  };
}

describe('token verification', () => {
  it("checks a token's signature once and answers the same caller from memory after", async () => {
    const { verifier, sign, lookups } = await setup();
    const token = await sign('agent-1');
    const first = await verifier.verify(token);
    first.role = 'admin'; // a caller that changes its copy does not change what is remembered
    expect(await verifier.verify(token)).toEqual({ userId: 'agent-1', role: 'agent', branchId: 'BR-001' });
    expect(lookups()).toBe(1);
  });

  it('refuses a remembered token once it has expired', async () => {
    const { verifier, sign, lookups, advance } = await setup();
    const token = await sign('agent-2', 60);
    await verifier.verify(token);
    advance(120);
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'auth.token_expired' });
    expect(lookups()).toBe(2);
  });

  it('remembers at most cacheSize tokens, dropping the oldest', async () => {
    const { verifier, sign, lookups } = await setup(2);
    const [a, b, c] = await Promise.all([sign('a'), sign('b'), sign('c')]);
    for (const token of [a, b, c]) await verifier.verify(token);
    expect(lookups()).toBe(3);
    await verifier.verify(c);
    expect(lookups()).toBe(3);
    await verifier.verify(a);
    expect(lookups()).toBe(4);
  });

  it('takes role and branch from the directory, not from the claims', async () => {
    const { verifier, sign, people } = await setup();
    people.set('agent-1', { userId: 'agent-1', role: 'supervisor', branchId: 'BR-002' });
    expect(await verifier.verify(await sign('agent-1'))).toEqual({
      userId: 'agent-1',
      role: 'supervisor',
      branchId: 'BR-002',
    });
  });

  it('refuses a validly signed token of a user the directory does not know, or no longer knows', async () => {
    const { verifier, sign, people } = await setup();
    await expect(verifier.verify(await sign('stranger'))).rejects.toMatchObject({ code: 'auth.user_inactive' });
    const token = await sign('agent-2');
    await verifier.verify(token);
    people.delete('agent-2');
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'auth.user_inactive' });
  });

  it('checks a remembered signature again after a minute, even if the token lives longer', async () => {
    const { verifier, sign, lookups, advance } = await setup();
    const token = await sign('agent-1', 8 * 3600);
    await verifier.verify(token);
    advance(59);
    await verifier.verify(token);
    expect(lookups()).toBe(1);
    advance(2);
    await verifier.verify(token);
    expect(lookups()).toBe(2);
  });

  it('never remembers a refusal', async () => {
    const { verifier, sign, lookups } = await setup();
    const token = await sign('agent-3');
    const forged = `${token.slice(0, -4)}AAAA`;
    for (let i = 0; i < 2; i++)
      await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'auth.token_invalid' });
    expect(lookups()).toBe(2);
  });
});
