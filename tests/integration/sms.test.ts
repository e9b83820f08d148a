import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createHmac, randomBytes } from 'node:crypto';
import { keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';
import { createCustomer, partitionItems, problem, timelineOf } from './intake-support';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ PUBLIC_BASE_URL: 'https://cc.example-bank.cn' });
});

const PATH = '/webhooks/sms/twilio';
const hex = (n: number) => randomBytes(n).toString('hex');

/** What Twilio posts for an inbound SMS (Messaging webhook), in Twilio's parameter order. */
function twilioParams(from: string, body: string, over: Record<string, string> = {}): Record<string, string> {
  return {
    ToCountry: 'CN',
    ToState: '',
    SmsMessageSid: `SM${hex(16)}`,
    NumMedia: '0',
    ToCity: '',
    FromZip: '',
    SmsSid: '',
    FromState: '',
    SmsStatus: 'received',
    FromCity: '',
    Body: body,
    FromCountry: 'CN',
    To: '+8610955880000',
    ToZip: '',
    NumSegments: '1',
    MessageSid: '',
    AccountSid: `AC${hex(16)}`,
    From: from,
    ApiVersion: '2010-04-01',
    ...over,
  };
}

function withSid(params: Record<string, string>) {
  const sid = params.MessageSid || `SM${hex(16)}`;
  return { ...params, MessageSid: sid, SmsSid: sid, SmsMessageSid: sid };
}

/** Twilio's algorithm, written out independently: HMAC-SHA1(url + sorted name+value pairs), base64. */
function twilioSign(token: string, url: string, params: Record<string, string>) {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', token).update(Buffer.from(data, 'utf-8')).digest('base64');
}

function post(params: Record<string, string>, signature: string | undefined, query = '') {
  return t.request('POST', `${PATH}${query}`, {
    body: new URLSearchParams(params).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature !== undefined && { 'x-twilio-signature': signature }),
    },
  });
}

const signedPost = (params: Record<string, string>, query = '') =>
  post(params, twilioSign(t.config.TWILIO_AUTH_TOKEN!, `https://cc.example-bank.cn${PATH}${query}`, params), query);

describe('POST /webhooks/sms/twilio', () => {
  it('records a signed SMS from a known customer and answers TwiML', async () => {
    const customer = await createCustomer(t, { contactPoints: [{ kind: 'phone', value: '+8613800000101' }] });
    const params = withSid(twilioParams('+8613800000101', 'Hello, my card is blocked'));
    const res = await signedPost(params, '?tenant=bank-a');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/xml');
    expect(await res.text()).toContain('<Response>');
    // The SMS, and the inquiry it opened (the customer had none open), acknowledged by SMS.
    const all = await timelineOf(t, customer.id);
    expect(all.map((e) => `${e.type}:${e.direction}`).sort()).toEqual([
      'case:inbound',
      'contact:inbound',
      'contact:outbound',
    ]);
    const items = all.filter((e) => e.type === 'contact' && e.direction === 'inbound');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      channel: 'sms',
      direction: 'inbound',
      details: { messageSid: params.MessageSid, body: 'Hello, my card is blocked' },
    });
  });

  it('refuses missing, wrong and replayed-with-changes signatures with 403 and writes nothing', async () => {
    const customer = await createCustomer(t, { contactPoints: [{ kind: 'phone', value: '+8613800000102' }] });
    const params = withSid(twilioParams('+8613800000102', 'Transfer money'));
    const good = twilioSign(t.config.TWILIO_AUTH_TOKEN!, `https://cc.example-bank.cn${PATH}`, params);
    const attempts = [
      await post(params, undefined),
      await post(params, twilioSign('not-the-token', `https://cc.example-bank.cn${PATH}`, params)),
      await post({ ...params, Body: 'Transfer all money' }, good),
      await post(params, good, '?extra=1'),
      await post(params, twilioSign(t.config.TWILIO_AUTH_TOKEN!, `http://localhost${PATH}`, params)),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(403);
      expect((await problem(res)).code).toBe('webhook.signature_invalid');
    }
    expect(await timelineOf(t, customer.id)).toHaveLength(0);
    expect(await partitionItems(t, keys.idempotency('twilio', params.MessageSid).pk)).toHaveLength(0);
  });

  it('turns a storm of 10 concurrent duplicate deliveries into exactly one contact with one answer', async () => {
    const customer = await createCustomer(t, { contactPoints: [{ kind: 'phone', value: '+8613800000103' }] });
    const params = withSid(twilioParams('+8613800000103', 'Where is my statement?'));
    const responses = await Promise.all(Array.from({ length: 10 }, () => signedPost(params)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(await Promise.all(responses.map((r) => r.text()))).size).toBe(1);
    const again = await signedPost(params);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const timeline = await timelineOf(t, customer.id);
    expect(timeline.filter((e) => e.type === 'contact' && e.direction === 'inbound')).toHaveLength(1);
    expect(timeline.filter((e) => e.type === 'case')).toHaveLength(1);
  });

  it('STOP opts the customer out of SMS, START opts back in, HELP answers with help text', async () => {
    const customer = await createCustomer(t, { contactPoints: [{ kind: 'phone', value: '+8613800000104' }] });
    const read = async () =>
      (await (
        await t.request('GET', `/customers/${customer.id}`, { token: await t.token('sup-1', 'supervisor') })
      ).json()) as { preferences: { optOut: { sms: boolean } }; version: number };
    expect((await signedPost(withSid(twilioParams('+8613800000104', ' stop ')))).status).toBe(200);
    expect((await read()).preferences.optOut.sms).toBe(true);
    const stopAgain = withSid(twilioParams('+8613800000104', 'STOP'));
    await Promise.all([signedPost(stopAgain), signedPost(stopAgain)]);
    expect((await read()).preferences.optOut.sms).toBe(true);
    await signedPost(withSid(twilioParams('+8613800000104', 'START')));
    expect((await read()).preferences.optOut.sms).toBe(false);
    const help = await signedPost(withSid(twilioParams('+8613800000104', 'HELP')));
    expect(await help.text()).toMatch(/<Message>.*STOP.*<\/Message>/);
    expect(await timelineOf(t, customer.id)).toHaveLength(4);
    const history = await partitionItems(t, keys.customerHistoryPartition(customer.id));
    expect(history.map((h) => h.action)).toEqual(expect.arrayContaining(['sms_opted_out', 'sms_opted_in']));
  });

  it('keeps an unknown sender as unidentified until an agent attaches it to a customer', async () => {
    const phone = '+8613800000199';
    await signedPost(withSid(twilioParams(phone, 'first message')));
    await signedPost(withSid(twilioParams(phone, 'second message')));
    const agent = await t.token('agent-1', 'agent');
    const queue = (await (await t.request('GET', '/contacts/unidentified?limit=100', { token: agent })).json()) as {
      items: { sender: { value: string } }[];
    };
    expect(queue.items.filter((i) => i.sender.value === phone)).toHaveLength(2);
    expect(
      (await t.request('GET', '/contacts/unidentified', { token: await t.token('mgr-1', 'manager') })).status,
    ).toBe(403);

    const customer = await createCustomer(t);
    const attach = () =>
      t.request('POST', '/contacts/unidentified/attach', {
        token: agent,
        json: { kind: 'phone', value: '138 0000 0199', customerId: customer.id, addContactPoint: true },
      });
    const first = await attach();
    expect(first.status).toBe(200);
    const attached = (await first.json()) as { moved: number; value: string; changeRequestId: string };
    expect(attached).toMatchObject({ moved: 2, value: phone });
    expect(await (await attach()).json()).toMatchObject({ moved: 0 });
    const moved = await timelineOf(t, customer.id);
    expect(moved).toHaveLength(2);
    expect(moved.every((m) => m.customerId === customer.id && m.gsi3pk === undefined)).toBe(true);
    expect(await partitionItems(t, keys.anonymousPartition('phone', phone))).toHaveLength(0);
    // The moved contacts count for the customer: today's contacts and the last contact.
    const today = await t.deps.store.doc.send(
      new GetCommand({
        TableName: t.tableName,
        Key: keys.contactDay(customer.id, String(moved[0]!.occurredAt).slice(0, 10)),
      }),
    );
    expect(today.Item?.count).toBe(2);
    const stats = await t.deps.store.doc.send(
      new GetCommand({ TableName: t.tableName, Key: keys.customerStats(customer.id) }),
    );
    expect(stats.Item?.lastContactAt).toBe(
      moved
        .map((m) => String(m.occurredAt))
        .sort()
        .at(-1),
    );
    // Adding the phone to the customer was asked for, not done: until a supervisor approves, it is nobody's.
    await signedPost(withSid(twilioParams(phone, 'third message')));
    expect(
      (await timelineOf(t, customer.id)).filter((e) => e.type === 'contact' && e.direction === 'inbound'),
    ).toHaveLength(2);
    const decided = await t.request('POST', `/change-requests/${attached.changeRequestId}/decision`, {
      token: await t.token('sup-1', 'supervisor'),
      json: { decision: 'approve' },
    });
    expect(decided.status).toBe(200);
    // Now the phone identifies the customer: the next SMS lands on their timeline directly.
    await signedPost(withSid(twilioParams(phone, 'fourth message')));
    expect(
      (await timelineOf(t, customer.id)).filter((e) => e.type === 'contact' && e.direction === 'inbound'),
    ).toHaveLength(3);
  });
});
