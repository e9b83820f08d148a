import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';
import { createCustomer, partitionItems, problem, timelineOf } from './intake-support';

let t: TestContext;
let request: TestContext['request'];
let ipCounter = 0;
beforeAll(async () => {
  // As behind one proxy of ours: the address it appends to X-Forwarded-For is the client's.
  t = await createTestContext({ PUBLIC_RATE_LIMIT_PER_MINUTE: '5', TRUSTED_PROXY_HOPS: '1' });
  // The limits count per minute: on a clock stopped at the start, no test's requests straddle two windows.
  const stopped = new Date();
  const app = t.appWith({ clock: () => stopped }, { clock: () => stopped });
  request = (method, path, options = {}) => t.request(method, path, { app, ...options });
});

/** Each test posts from its own address so the per-IP limit only bites where it is meant to. */
const ip = () => `203.0.113.${++ipCounter}`;

const complaint = (over: Record<string, unknown> = {}) => ({
  kind: 'complaint',
  name: 'Li Wei',
  phone: '+86 138 0000 2222',
  category: 'card',
  subject: 'Card blocked abroad',
  description: 'My card was blocked while travelling and nobody called me.',
  ...over,
});

/** `from` is what the proxy appended; the first hop is whatever the client claimed, and counts for nothing. */
const submit = (json: unknown, from = ip(), headers: Record<string, string> = {}) =>
  request('POST', '/public/complaints', { json, headers: { 'x-forwarded-for': `10.9.9.9, ${from}`, ...headers } });

describe('public complaints', () => {
  it('serves the HTML form without a login', async () => {
    const res = await request('GET', '/complaint');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    // Simplified Chinese by default (PUBLIC_DEFAULT_LOCALE), with the switch to English.
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('action="/public/complaints?lang=zh-CN"');
    expect(html).toMatch(/<a id="language-switch" href="\/complaint\?lang=en"/);
    expect(res.headers.get('content-language')).toBe('zh-CN');
  });

  it('opens a case from JSON, routes it to the customer found by phone, and answers a reference', async () => {
    const customer = await createCustomer(t, { contactPoints: [{ kind: 'phone', value: '+8613800002222' }] });
    const res = await submit(complaint());
    expect(res.status).toBe(201);
    const body = (await res.json()) as { reference: string; status: string };
    // The customer's reference is random and checked, not the case's sequential id.
    expect(body.reference).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]$/);
    expect(body.status).toBe('new');
    const timeline = await timelineOf(t, customer.id);
    const entry = timeline.find((e) => e.channel === 'web');
    const caseId = (entry?.links as { caseId?: string } | undefined)?.caseId;
    expect(caseId).toMatch(/^C-\d{4}-\d{6}$/);
    const sup = await t.token('sup-1', 'supervisor');
    expect(await (await request('GET', `/cases/${caseId}`, { token: sup })).json()).toMatchObject({
      publicReference: body.reference,
    });
    // The complaint is the customer's contact: it counts on today's contacts and is their last contact.
    const read = async (key: { pk: string; sk: string }) =>
      (await t.deps.store.doc.send(new GetCommand({ TableName: t.tableName, Key: key, ConsistentRead: true }))).Item;
    expect(await read(keys.customerStats(customer.id))).toMatchObject({
      openCases: 1,
      lastContactAt: entry!.occurredAt,
    });
    expect(await read(keys.contactDay(customer.id, String(entry!.occurredAt).slice(0, 10)))).toMatchObject({
      count: 1,
    });
  });

  it(
    'reveals status only to the phone or email used, ' + 'with the same 404 for wrong reference and wrong contact',
    async () => {
      const { reference } = (await (await submit(complaint({ phone: '', email: 'Zhang.San@Example.com' }))).json()) as {
        reference: string;
      };
      const ok = await request('GET', `/public/complaints/${reference}?email=zhang.san@example.com`, {
        headers: { 'x-forwarded-for': ip() },
      });
      expect(ok.status).toBe(200);
      const status = (await ok.json()) as Record<string, unknown>;
      expect(Object.keys(status).sort()).toEqual(['lastUpdatedAt', 'reference', 'status', 'type']);
      const wrongContact = await request('GET', `/public/complaints/${reference}?email=other@example.com`, {
        headers: { 'x-forwarded-for': ip() },
      });
      const wrongReference = await request('GET', `/public/complaints/C-2020-999999?email=zhang.san@example.com`, {
        headers: { 'x-forwarded-for': ip() },
      });
      expect(wrongContact.status).toBe(404);
      expect(wrongReference.status).toBe(404);
      const [a, b] = [await problem(wrongContact), await problem(wrongReference)];
      expect({ ...a, instance: undefined }).toEqual({ ...b, instance: undefined });
    },
  );

  it('refuses fields the public may not set', async () => {
    const res = await submit(
      complaint({ ownerId: 'mgr-1', status: 'closed', priority: 'urgent', createdAt: '2020-01-01T00:00:00Z' }),
    );
    expect(res.status).toBe(400);
    expect((await problem(res)).errors?.map((e) => e.path).sort()).toEqual([
      'createdAt',
      'ownerId',
      'priority',
      'status',
    ]);
  });

  it('answers a filled honeypot as if accepted but stores nothing', async () => {
    const phone = '+8613800003333';
    const res = await submit(complaint({ phone, website: 'http://spam.example' }));
    expect(res.status).toBe(201);
    const { reference } = (await res.json()) as { reference: string };
    // Nothing tells the bot apart: a real receipt has the same status, headers and fields, the reference aside.
    const real = await submit(complaint({ phone: '+8613800003334' }));
    const decoy = await submit(complaint({ phone, website: 'http://spam.example' }));
    expect(decoy.status).toBe(real.status);
    const headerNames = (r: Response) =>
      [...r.headers.keys()].filter((name) => name !== 'x-request-id' && name !== 'content-length').sort();
    expect(headerNames(decoy)).toEqual(headerNames(real));
    const [realBody, decoyBody] = (await Promise.all([real.json(), decoy.json()])) as Record<string, string>[];
    const shape = (body: Record<string, string>) =>
      JSON.parse(JSON.stringify(body).replaceAll(body.reference!, '<reference>')) as Record<string, string>;
    expect(shape(decoyBody!)).toEqual(shape(realBody!));
    expect(decoyBody!.reference).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]$/);
    expect(await partitionItems(t, keys.anonymousPartition('phone', phone))).toHaveLength(0);
    expect(
      (
        await request('GET', `/public/complaints/${reference}?phone=${encodeURIComponent(phone)}`, {
          headers: { 'x-forwarded-for': ip() },
        })
      ).status,
    ).toBe(404);
  });

  it('limits each client address per minute with a 429 and Retry-After', async () => {
    const from = ip();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push(
        (await submit(complaint({ description: `Attempt number ${i} to complain about fees` }), from)).status,
      );
    expect(statuses.slice(0, 5)).toEqual([201, 201, 201, 201, 201]);
    const limited = await submit(complaint(), from);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await problem(limited)).code).toBe('request.rate_limited');
    expect((await submit(complaint(), ip())).status).toBe(201);
  });

  it('lets the limit decide first: a limited client hears 429 whatever it sent, and nothing is written', async () => {
    const from = ip();
    for (let i = 0; i < 5; i++)
      expect((await submit(complaint({ description: `Complaint ${i} about card fees` }), from)).status).toBe(201);
    const sequence = async () =>
      (
        await t.deps.store.doc.send(
          new GetCommand({
            TableName: t.tableName,
            Key: keys.counter(`case-${new Date().getUTCFullYear()}`),
            ConsistentRead: true,
          }),
        )
      ).Item?.seq;
    const before = await sequence();
    expect((await submit(complaint({ description: '' }), from)).status).toBe(429);
    const malformed = await request('POST', '/public/complaints', {
      body: '{"name":',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
    });
    expect(malformed.status).toBe(429);
    expect((await submit(complaint(), from)).status).toBe(429);
    expect(await sequence()).toBe(before);
  });

  it('counts a client rotating the first X-Forwarded-For hop as one client', async () => {
    const from = ip();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await request('POST', '/public/complaints', {
        json: complaint({ description: `Rotating attempt ${i} about card fees` }),
        headers: { 'x-forwarded-for': `198.51.100.${i}, ${from}` },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
  });

  it('limits status lookups per reference and per contact, whatever address asks', async () => {
    const phone = '+8613800004444';
    const { reference } = (await (await submit(complaint({ phone }))).json()) as { reference: string };
    const lookup = (ref: string, contact: string) =>
      request('GET', `/public/complaints/${ref}?phone=${encodeURIComponent(contact)}`, {
        headers: { 'x-forwarded-for': ip() },
      });
    // One reference, many guessed phones from many addresses: the sixth guess is refused.
    const byReference = [];
    for (let i = 0; i < 6; i++) byReference.push((await lookup(reference, `+861390000${1000 + i}`)).status);
    expect(byReference).toEqual([404, 404, 404, 404, 404, 429]);
    // One phone, many guessed references: the same.
    const byContact = [];
    for (let i = 0; i < 6; i++) byContact.push((await lookup(`ABCD-EFG${i}-0`, '+8613900009999')).status);
    expect(byContact.slice(0, 5).every((s) => s === 404)).toBe(true);
    expect(byContact[5]).toBe(429);
  });

  it('counts every contact a lookup names: a fixed email beside a fresh phone each time is still limited', async () => {
    const lookup = (i: number) =>
      request('GET', `/public/complaints/WXYZ-EFG${i}-0?email=target@example.com&phone=%2B861370000${1000 + i}`, {
        headers: { 'x-forwarded-for': ip() },
      });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await lookup(i)).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429]);
  });

  it('refuses oversized bodies', async () => {
    const res = await submit(complaint({ description: 'x'.repeat(40_000) }));
    expect(res.status).toBe(413);
  });

  it('replays the same receipt for a repeated Idempotency-Key', async () => {
    const headers = { 'idempotency-key': 'form-retry-1' };
    const from = ip();
    const first = (await (await submit(complaint(), from, headers)).json()) as { reference: string };
    const again = await submit(complaint(), from, headers);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as { reference: string }).reference).toBe(first.reference);
    const reused = await submit(complaint({ subject: 'Something else entirely' }), from, headers);
    expect(reused.status).toBe(422);
    expect((await problem(reused)).code).toBe('idempotency.key_reused');
  });

  it('limits status checks per client address too', async () => {
    const from = ip();
    const check = () =>
      request('GET', '/public/complaints/C-2026-999999?phone=13800002222', { headers: { 'x-forwarded-for': from } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await check()).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429]);
  });
});
