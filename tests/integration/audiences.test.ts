import { beforeAll, describe, expect, it } from 'vitest';
import { apiHttpDeps, createApiApp, createPublicApp, publicHttpDeps } from '@cc/api';
import { computeTwilioSignature } from '@cc/channels';
import { composePublicEdge, composeStaffServices } from '@cc/services';
import { createTestContext, type TestContext } from '../support/harness';
import { createCustomer, problem } from './intake-support';

/**
 * In AWS each audience has its own function (functions/api.ts, functions/public.ts), each composing only its part of
 * the services and of HTTP's deps. Here each app is built exactly so, over the real local services: each serves its
 * own routes with what it composed, and answers the other's as an unknown route.
 */
let t: TestContext;
let edge: ReturnType<typeof createPublicApp>;
let staff: ReturnType<typeof createApiApp>;

beforeAll(async () => {
  t = await createTestContext({ PUBLIC_BASE_URL: 'https://cc.example-bank.cn' });
  const infra = { store: t.deps.store, publisher: t.deps.publisher, log: t.deps.log };
  edge = createPublicApp(
    composePublicEdge(infra, t.config),
    publicHttpDeps(t.config, { log: t.deps.log, twilioAuthToken: t.keys.twilioAuthToken }),
  );
  const staffServices = composeStaffServices(infra, t.config);
  staff = createApiApp(
    staffServices,
    apiHttpDeps(t.config, {
      log: t.deps.log,
      jwks: { keys: [t.keys.publicJwk] },
      directory: staffServices.staff,
      cursorSecret: t.keys.cursorSecret,
      health: t.http.health,
    }),
  );
});

const complaint = {
  name: 'Tang Li',
  phone: '+86 138 0000 8101',
  category: 'fees',
  subject: 'Fee charged twice',
  description: 'The annual fee appears twice',
};

describe('the public edge, composed alone', () => {
  it('takes a complaint, shows the form and the status, and takes a signed SMS', async () => {
    await createCustomer(t, {
      level: 'vip',
      primaryManagerId: 'mgr-1',
      contactPoints: [{ kind: 'phone', value: '+8613800008101' }],
    });
    const created = await t.request('POST', '/public/complaints', { app: edge, json: complaint });
    expect(created.status, await created.clone().text()).toBe(201);
    const { reference } = (await created.json()) as { reference: string };

    expect((await t.request('GET', '/complaint?lang=en', { app: edge })).status).toBe(200);
    const status = await t.request('GET', `/public/complaints/${reference}?phone=13800008101`, { app: edge });
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ reference, type: 'complaint', status: 'new' });

    const sid = `SM${'ab'.repeat(16)}`;
    const params = { MessageSid: sid, SmsSid: sid, From: '+8613800008101', To: '+8610955880000', Body: 'Any news?' };
    const url = 'https://cc.example-bank.cn/webhooks/sms/twilio';
    const sms = await t.request('POST', '/webhooks/sms/twilio', {
      app: edge,
      body: new URLSearchParams(params).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': computeTwilioSignature(t.keys.twilioAuthToken, url, params),
      },
    });
    expect(sms.status, await sms.clone().text()).toBe(200);
  });

  it("answers the staff's routes, the documents and the console as unknown routes", async () => {
    const token = await t.token('mgr-1', 'manager');
    for (const [method, path] of [
      ['GET', '/me'],
      ['GET', '/customers?number=DEMO-0001'],
      ['GET', '/health'],
      ['GET', '/openapi.json'],
      ['GET', '/console'],
    ] as const) {
      const res = await t.request(method, path, { app: edge, token });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((await problem(res)).code).toBe('route.not_found');
    }
  });
});

describe('the staff API, composed alone', () => {
  it("serves its routes, and answers the public edge's as unknown routes", async () => {
    const me = await t.request('GET', '/me', { app: staff, token: await t.token('agent-1') });
    expect(me.status).toBe(200);
    expect((await t.request('GET', '/health', { app: staff })).status).toBe(200);
    for (const [method, path] of [
      ['GET', '/complaint'],
      ['POST', '/public/complaints'],
      ['GET', '/complaint/status'],
      ['POST', '/webhooks/sms/twilio'],
    ] as const) {
      const res = await t.request(method, path, { app: staff, json: method === 'POST' ? complaint : undefined });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((await problem(res)).code).toBe('route.not_found');
    }
  });
});
