import { beforeAll, describe, expect, it } from 'vitest';
import { createApp, httpDeps } from '@cc/api';
import { metricNames } from '@cc/core/metrics';
import { computeTwilioSignature, TWILIO_TOKEN_PLACEHOLDER } from '@cc/channels';
import { userRepository } from '@cc/store';
import { createTestContext, type TestContext } from '../support/harness';
import { createCustomer, problem, staffTokens, type Tokens } from './customers-support';

// The attacks of issue 12, each tried as it was found, and what each gets now. (Email threading, X-Forwarded-For,
// unidentified attach, imports across branches, restoring another branch's case and out-of-scope case creation are
// in email*.test.ts, intake-public.test.ts, sms.test.ts and permission-matrix.test.ts.)
let t: TestContext;
let tk: Tokens;
beforeAll(async () => {
  t = await createTestContext();
  tk = await staffTokens(t);
});

const post = (path: string, token: string | undefined, json: unknown, headers: Record<string, string> = {}) =>
  t.request('POST', path, { token, json, headers });
const code = async (res: Response) => `${res.status} ${(await problem(res)).code}`;

describe('branch isolation and assignments', () => {
  it('a case cannot be pushed into another branch’s queue', async () => {
    const res = await post('/cases', tk.sup1, { type: 'complaint', description: 'Queue jump', branchId: 'BR-002' });
    expect(await code(res)).toBe('403 case.forbidden');
  });

  it('a call cannot be linked to another customer’s case', async () => {
    const [mine, theirs] = [await createCustomer(t, tk.admin), await createCustomer(t, tk.admin)];
    const opened = await post('/cases', tk.sup1, { type: 'complaint', description: 'Theirs', customerId: theirs.id });
    const { id } = (await opened.json()) as { id: string };
    const res = await post('/contacts', tk.agent, {
      customerId: mine.id,
      direction: 'inbound',
      startedAt: new Date().toISOString(),
      outcome: 'follow_up',
      caseId: id,
    });
    expect(await code(res)).toBe('404 case.not_found');
  });

  it.each([
    ['an agent', 'agent-1'],
    ['a manager of another branch', 'mgr-9'],
    ['an unknown id', 'nobody-at-all'],
  ])('%s cannot be made a primary manager, an opportunity owner or a collaborator', async (_who, id) => {
    const customer = await post('/customers', tk.sup1, {
      customerNumber: `ATK-${Date.now()}-${id}`,
      name: 'Target',
      type: 'individual',
      primaryManagerId: id,
    });
    expect(await code(customer)).toBe('400 assignment.invalid');
    const { id: customerId } = await createCustomer(t, tk.admin, { primaryManagerId: 'mgr-1' });
    const terms = { productCode: 'WM-1', expectedAmount: 1000, currency: 'CNY', expectedCloseDate: '2027-06-30' };
    expect(await code(await post('/opportunities', tk.sup1, { ...terms, customerId, ownerId: id }))).toBe(
      '400 assignment.invalid',
    );
    expect(await code(await post('/opportunities', tk.sup1, { ...terms, customerId, collaboratorIds: [id] }))).toBe(
      '400 assignment.invalid',
    );
  });

  it('a disabled manager cannot be given a customer, and the refused create writes nothing', async () => {
    await userRepository(t.deps.store).put({
      id: 'mgr-left',
      name: 'Left the bank',
      role: 'manager',
      branchId: 'BR-001',
      notifyVia: 'inbox',
      active: false,
    });
    const customerNumber = `ATK-${Date.now()}-disabled`;
    const request = { customerNumber, name: 'Target', type: 'individual' };
    const refused = await post('/customers', tk.sup1, {
      ...request,
      primaryManagerId: 'mgr-1',
      assistingManagerIds: ['mgr-left', 'mgr-1'],
    });
    expect(refused.status).toBe(400);
    expect(await problem(refused)).toMatchObject({
      code: 'assignment.invalid',
      errors: [
        { path: 'assistingManagerIds', message: 'mgr-left is not an active manager or supervisor of branch BR-001' },
      ],
    });
    // The same number is still free, and naming a manager twice (primary and assisting) is one assignment.
    const created = await post('/customers', tk.sup1, {
      ...request,
      primaryManagerId: 'mgr-1',
      assistingManagerIds: ['mgr-1'],
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ customerNumber, primaryManagerId: 'mgr-1', assistingManagerIds: [] });
  });
});

describe('tokens are checked against the directory', () => {
  it('refuses a validly signed token of a disabled user, and takes the role from the directory', async () => {
    const users = userRepository(t.deps.store);
    const stranger = await t.token('stranger-1', 'admin');
    await users.put({
      id: 'stranger-1',
      name: 'x',
      role: 'admin',
      branchId: 'BR-001',
      notifyVia: 'inbox',
      active: false,
    });
    const disabled = await t.request('GET', '/me', { token: stranger });
    expect(await code(disabled)).toBe('401 auth.user_inactive');
    // Signed as an admin, known as an agent: an agent.
    const claims = await t.token('demoted-1', 'admin');
    await users.put({ id: 'demoted-1', name: 'x', role: 'agent', branchId: 'BR-001', notifyVia: 'inbox' });
    const fresh = createApp(t.services, httpDeps(t.config, { ...freshHttp(), directory: t.compose().staff }));
    const me = await fresh.request('/me', { headers: { authorization: `Bearer ${claims}` } });
    expect(await me.json()).toMatchObject({ userId: 'demoted-1', role: 'agent' });
  });

  it('sees a disabled or demoted user within a minute (the directory is re-read after 30 s)', async () => {
    let now = Date.now();
    const services = t.compose({ clock: () => new Date(now) });
    await t.user('later-1', 'supervisor');
    expect(await services.staff.callerFor('later-1')).toMatchObject({ role: 'supervisor' });
    const users = userRepository(t.deps.store);
    await users.put({
      id: 'later-1',
      name: 'x',
      role: 'supervisor',
      branchId: 'BR-001',
      notifyVia: 'inbox',
      active: false,
    });
    now += 29_000;
    expect(await services.staff.callerFor('later-1')).toBeDefined();
    now += 2_000;
    expect(await services.staff.callerFor('later-1')).toBeUndefined();
  });
});

/** The HTTP deps the harness made, rebuilt (so a test can give it another directory). */
const freshHttp = () => ({
  jwks: { keys: [t.keys.publicJwk] },
  directory: t.services.staff,
  cursorSecret: t.keys.cursorSecret,
  health: { dynamodb: async () => undefined, sqs: async () => undefined },
  log: t.deps.log,
});

describe('bad input is a 4xx problem', () => {
  const complaint = {
    name: 'Li Wei',
    phone: '+8613800001234',
    category: 'card',
    subject: 'Card',
    description: 'Blocked card abroad',
  };
  it.each([
    ['truncated JSON', '/customers', '{"name":', 'application/json', '400 request.malformed'],
    [
      'deep JSON with an Idempotency-Key',
      '/customers',
      `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
      'application/json',
      '400 request.too_deep',
    ],
    [
      'a public form sent as text/plain',
      '/public/complaints',
      JSON.stringify(complaint),
      'text/plain',
      '415 request.unsupported_media_type',
    ],
  ])('%s', async (_what, path, body, type, expected) => {
    const res = await t.request('POST', path, {
      token: path === '/customers' ? tk.sup1 : undefined,
      body,
      headers: { 'content-type': type, 'idempotency-key': 'attack-1' },
    });
    expect(await code(res)).toBe(expected);
  });

  it.each([
    ['a number beyond 2^53', { figures: { points: 2 ** 53 + 2 } }],
    ['an amount beyond the range', { figures: { aum: 1e300 } }],
    ['CR/LF in a name', { name: 'Zhou\r\nBcc: all@evil.example' }],
    ['a name of zero-width characters', { name: '\u200B\u200B\u200C' }],
    ['a name with a right-to-left override', { name: 'Zhou \u202Egnp.exe' }],
  ])('refuses %s (400)', async (_what, over) => {
    const res = await post('/customers', tk.sup1, {
      customerNumber: `BAD-${Date.now()}`,
      name: 'Zhou Xin',
      type: 'individual',
      ...over,
    });
    expect(await code(res)).toBe('400 request.invalid');
  });

  it('refuses CR/LF in a public subject, so it never reaches an email subject', async () => {
    const res = await post('/public/complaints', undefined, { ...complaint, subject: 'Hi\r\nBcc: all@evil.example' });
    expect(await code(res)).toBe('400 request.invalid');
  });

  it('refuses If-Match versions beyond 2^53 and calls dated year 0001 or 9999', async () => {
    const { id } = await createCustomer(t, tk.admin, { primaryManagerId: 'mgr-1' });
    const patch = await t.request('PATCH', `/customers/${id}`, {
      token: tk.mgr1,
      json: { name: 'X' },
      headers: { 'if-match': '"99999999999999999999"' },
    });
    expect(await code(patch)).toBe('400 request.if_match_invalid');
    for (const startedAt of [
      '0001-01-01T00:00:00Z',
      '9999-12-31T00:00:00Z',
      new Date(Date.now() + 3_600_000).toISOString(),
    ]) {
      const res = await post('/contacts', tk.agent, {
        customerId: id,
        direction: 'inbound',
        startedAt,
        outcome: 'resolved',
      });
      expect(await code(res)).toBe('400 request.invalid');
    }
  });

  it('takes an amount like 1e-300 as the whole cents it is (0), never what DynamoDB cannot hold', async () => {
    const { id } = await createCustomer(t, tk.admin, { primaryManagerId: 'mgr-1' });
    const res = await post(`/customers/${id}/opportunities`, tk.mgr1, {
      productCode: 'WM-1',
      expectedAmount: 1e-300,
      currency: 'CNY',
      expectedCloseDate: '2027-06-30',
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { expectedAmount: number }).expectedAmount).toBe(0);
  });
});

describe('safe defaults', () => {
  it('keeps the SMS webhook closed while the Twilio token is the placeholder, counting each refusal', async () => {
    const counted: string[] = [];
    const log = { ...t.deps.log, metric: (name: string) => void counted.push(name) };
    const closed = createApp(
      t.services,
      httpDeps(t.config, { ...freshHttp(), log, twilioAuthToken: TWILIO_TOKEN_PLACEHOLDER }),
    );
    const refuse = async () => {
      const res = await closed.request('/webhooks/sms/twilio', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'anything' },
        body: 'MessageSid=SM0123456789abcdef0123456789abcdef&From=%2B8613800000001&To=%2B1&Body=hi',
      });
      expect(await code(res)).toBe('503 webhook.not_configured');
    };
    await refuse();
    await refuse();
    // Each refused message counts (the SmsWebhookClosed alarm pages on the first), not just the first log line.
    expect(counted).toEqual([metricNames.smsRefusedWebhookClosed, metricNames.smsRefusedWebhookClosed]);
  });

  it('opens the SMS webhook once the token read is real, and closes it again for the placeholder', async () => {
    let token = TWILIO_TOKEN_PLACEHOLDER;
    const app = createApp(t.services, httpDeps(t.config, { ...freshHttp(), twilioAuthToken: () => token }));
    const params = { MessageSid: `SM${'5a'.repeat(16)}`, From: '+8613800009999', To: '+8610955880000', Body: 'hi' };
    const send = (signedWith: string) =>
      app.request('/webhooks/sms/twilio', {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': computeTwilioSignature(
            signedWith,
            `${t.config.PUBLIC_BASE_URL}/webhooks/sms/twilio`,
            params,
          ),
        },
        body: new URLSearchParams(params).toString(),
      });
    // Signed with the placeholder, as anyone who read the code could: refused.
    expect(await code(await send(TWILIO_TOKEN_PLACEHOLDER))).toBe('503 webhook.not_configured');
    token = 'a-real-token-from-twilio';
    expect((await send(token)).status).toBe(200);
    expect(await code(await send(TWILIO_TOKEN_PLACEHOLDER))).toBe('403 webhook.signature_invalid');
    token = TWILIO_TOKEN_PLACEHOLDER;
    expect(await code(await send(TWILIO_TOKEN_PLACEHOLDER))).toBe('503 webhook.not_configured');
  });

  it('refuses every request without the front door’s header once the origin check is on', async () => {
    const guarded = createApp(
      t.services,
      httpDeps(t.config, { ...freshHttp(), originVerifier: async (value) => value === 'the-secret' }),
    );
    expect(await code(await guarded.request('/health'))).toBe('403 request.forbidden');
    expect(await code(await guarded.request('/health', { headers: { 'x-origin-verify': 'guess' } }))).toBe(
      '403 request.forbidden',
    );
    expect((await guarded.request('/health', { headers: { 'x-origin-verify': 'the-secret' } })).status).toBe(200);
  });
});
