import { beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, generateKeyPair } from 'jose';
import { createTestContext, type TestContext } from '../support/harness';
import { signDevToken } from '@cc/local/dev-keys';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});

async function problem(res: Response) {
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  return (await res.json()) as { status: number; code: string; errors?: { path: string }[]; detail?: string };
}

describe('health', () => {
  it('answers ok when DynamoDB and SQS answer', async () => {
    const res = await t.request('GET', '/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', checks: { dynamodb: 'ok', sqs: 'ok' } });
  });

  it('answers a 503 problem naming the dependency that is down', async () => {
    const app = t.appWith(
      {},
      { health: { dynamodb: async () => undefined, sqs: async () => Promise.reject(new Error('down')) } },
    );
    const res = await app.request('/health');
    expect(res.status).toBe(503);
    const body = (await problem(res)) as unknown as { checks: Record<string, string> };
    expect(body.checks).toEqual({ dynamodb: 'ok', sqs: 'down' });
  });
});

describe('authentication', () => {
  it('returns the caller for a valid token', async () => {
    const res = await t.request('GET', '/me', { token: await t.token('mgr-1', 'manager', 'BR-001') });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ userId: 'mgr-1', role: 'manager', branchId: 'BR-001' });
  });

  it('refuses a missing token with a 401 problem', async () => {
    const res = await t.request('GET', '/me');
    expect(res.status).toBe(401);
    expect((await problem(res)).code).toBe('auth.unauthenticated');
  });

  it('refuses a token signed by another key', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ role: 'admin', branch: 'BR-001' })
      .setProtectedHeader({ alg: 'ES256', kid: t.keys.publicJwk.kid })
      .setSubject('admin-1')
      .setIssuer(t.config.AUTH_ISSUER)
      .setAudience(t.config.AUTH_AUDIENCE)
      .setExpirationTime('1h')
      .sign(privateKey);
    const res = await t.request('GET', '/me', { token: forged });
    expect(res.status).toBe(401);
    expect((await problem(res)).code).toBe('auth.token_invalid');
  });

  it('refuses an expired token', async () => {
    const expired = await signDevToken(
      t.keys,
      { userId: 'mgr-1', role: 'manager', branchId: 'BR-001' },
      {
        issuer: t.config.AUTH_ISSUER,
        audience: t.config.AUTH_AUDIENCE,
        expiresIn: Math.floor(Date.now() / 1000) - 60,
      },
    );
    const res = await t.request('GET', '/me', { token: expired });
    expect(res.status).toBe(401);
    expect((await problem(res)).code).toBe('auth.token_expired');
  });

  it('refuses a token for another audience', async () => {
    const other = await signDevToken(
      t.keys,
      { userId: 'mgr-1', role: 'manager', branchId: 'BR-001' },
      { issuer: t.config.AUTH_ISSUER, audience: 'someone-else' },
    );
    expect((await t.request('GET', '/me', { token: other })).status).toBe(401);
  });
});

describe('problems', () => {
  it('answers an unknown route with a 404 problem', async () => {
    const res = await t.request('GET', '/no-such-route');
    expect(res.status).toBe(404);
    expect((await problem(res)).code).toBe('route.not_found');
  });

  it('serves OpenAPI 3.1 listing the routes', async () => {
    const res = await t.request('GET', '/openapi.json');
    expect(res.status).toBe(200);
    type Doc = {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>>;
      components: { schemas: Record<string, { required?: string[] }> };
    };
    const doc = (await res.json()) as Doc;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health', '/me']));
    // Every route that takes a body says what it takes, the public form included (JSON or form-encoded).
    const complaint = doc.paths['/public/complaints']!.post!.requestBody!.content;
    expect(Object.keys(complaint).sort()).toEqual(['application/json', 'application/x-www-form-urlencoded']);
    expect(complaint['application/json']!.schema).toEqual({ $ref: '#/components/schemas/PublicComplaint' });
    expect(doc.components.schemas.PublicComplaint!.required).toEqual(
      expect.arrayContaining(['name', 'category', 'subject', 'description']),
    );
    const bodiless = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method, op]) => ['post', 'put', 'patch'].includes(method) && !op.requestBody)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    // Marking read is an action on the path alone.
    expect(bodiless.sort()).toEqual(['POST /me/inbox/read-all', 'POST /me/inbox/{notificationId}/read']);
  });

  it('answers zod failures with a 400 problem listing each bad field', async () => {
    const res = await t.request('POST', '/customers', {
      token: await t.token('sup-1', 'supervisor'),
      json: { name: '', type: 'alien' },
    });
    expect(res.status).toBe(400);
    const body = await problem(res);
    expect(body.code).toBe('request.invalid');
    expect(body.errors!.map((e) => e.path)).toEqual(expect.arrayContaining(['customerNumber', 'name', 'type']));
  });

  it('answers malformed JSON with a 400 problem', async () => {
    const res = await t.request('POST', '/customers', {
      token: await t.token('sup-1', 'supervisor'),
      body: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe('request.malformed');
  });

  it('answers a wrong content type with a 415 problem', async () => {
    const res = await t.request('POST', '/customers', {
      token: await t.token('sup-1', 'supervisor'),
      body: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
    expect((await problem(res)).code).toBe('request.unsupported_media_type');
  });

  it('answers a body over the limit with a 413 problem and writes nothing', async () => {
    const big = { customerNumber: 'BIG-1', name: 'x'.repeat(300 * 1024), type: 'individual' };
    const token = await t.token('sup-1', 'supervisor');
    const res = await t.request('POST', '/customers', { token, json: big });
    expect(res.status).toBe(413);
    expect((await problem(res)).code).toBe('request.too_large');
    const lookup = await t.request('GET', '/customers?number=BIG-1', { token });
    expect(((await lookup.json()) as { items: unknown[] }).items).toEqual([]);
  });
});
