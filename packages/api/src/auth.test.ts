import { describe, expect, it } from 'vitest';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWTVerifyGetKey } from 'jose';
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
  const verifier = createTokenVerifier({ issuer, audience, jwks: countingKeySet, cacheSize, now: () => nowMs });
  const sign = (userId: string, lifetimeSeconds = 3600) =>
    new SignJWT({ role: 'agent', branch: 'BR-001' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject(userId)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(Math.floor(nowMs / 1000))
      .setExpirationTime(Math.floor(nowMs / 1000) + lifetimeSeconds)
      .sign(privateKey);
  return { verifier, sign, lookups: () => keyLookups, advance: (seconds: number) => (nowMs += seconds * 1000) };
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

  it('never remembers a refusal', async () => {
    const { verifier, sign, lookups } = await setup();
    const token = await sign('agent-3');
    const forged = `${token.slice(0, -4)}AAAA`;
    for (let i = 0; i < 2; i++)
      await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'auth.token_invalid' });
    expect(lookups()).toBe(2);
  });
});
