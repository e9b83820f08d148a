import { beforeAll, describe, expect, it } from 'vitest';
import { createHmac, randomBytes } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { caseRepository } from '@cc/store';
import { keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';
import { countDynamoRequests } from './customers-support';
import { createCustomer, partitionItems } from './intake-support';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ ESCALATE_AFTER_CONTACTS: '3', PUBLIC_BASE_URL: 'https://cc.example-bank.cn' });
});

const call = (customerId: string, over: Record<string, unknown> = {}) => ({
  customerId,
  direction: 'inbound',
  startedAt: new Date().toISOString(),
  durationSeconds: 60,
  outcome: 'follow_up',
  notes: 'Still waiting',
  ...over,
});

describe('intake and cases', () => {
  it('opens a complaint in the same request as the call, linked from the contact', async () => {
    const customer = await createCustomer(t, { primaryManagerId: 'mgr-1' });
    const res = await t.request('POST', '/contacts', {
      token: await t.token('agent-1', 'agent'),
      json: call(customer.id, {
        case: {
          type: 'complaint',
          category: 'fees',
          title: 'Double charge',
          description: 'Charged twice for the annual fee',
        },
      }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { caseId: string; links: { caseId: string } };
    expect(body.caseId).toMatch(/^C-\d{4}-\d{6}$/);
    expect(body.links.caseId).toBe(body.caseId);
    const c = await caseRepository(t.deps.store).get(body.caseId, true);
    expect(c).toMatchObject({ customerId: customer.id, ownerId: 'mgr-1', status: 'new' });
  });

  it('escalates the newest open case when inbound contacts reach ESCALATE_AFTER_CONTACTS', async () => {
    const customer = await createCustomer(t, { primaryManagerId: 'mgr-2' });
    const agent = await t.token('agent-1', 'agent');
    const opened = (await (
      await t.request('POST', '/contacts', {
        token: agent,
        json: call(customer.id, {
          case: { type: 'complaint', category: 'card', title: 'Card not arrived', description: 'Ordered a month ago' },
        }),
      })
    ).json()) as { caseId: string };
    for (let i = 1; i <= 2; i++) {
      await t.request('POST', '/contacts', { token: agent, json: call(customer.id) });
      expect((await caseRepository(t.deps.store).get(opened.caseId, true))?.escalated).toBe(false);
    }
    await t.request('POST', '/contacts', { token: agent, json: call(customer.id) });
    expect(await caseRepository(t.deps.store).get(opened.caseId, true)).toMatchObject({
      escalated: true,
      priority: 'urgent',
    });
  });

  it(
    'counts every concurrent inbound call against an open case exactly once, ' + 'and not the call that opened it',
    async () => {
      const customer = await createCustomer(t, { primaryManagerId: 'mgr-4' });
      const agent = await t.token('agent-1', 'agent');
      const opened = await t.request('POST', '/contacts', {
        token: agent,
        json: call(customer.id, {
          case: {
            type: 'complaint',
            category: 'loan',
            title: 'Mortgage statement late',
            description: 'No statement this month',
          },
        }),
      });
      expect(opened.status).toBe(201);
      const counters = async () =>
        (
          await t.deps.store.doc.send(
            new GetCommand({ TableName: t.tableName, Key: keys.customerStats(customer.id), ConsistentRead: true }),
          )
        ).Item;
      expect(await counters()).toMatchObject({ openCases: 1 });
      expect((await counters())?.unresolvedContacts ?? 0).toBe(0);
      const statuses = (
        await Promise.all(
          Array.from({ length: 6 }, () => t.request('POST', '/contacts', { token: agent, json: call(customer.id) })),
        )
      ).map((r) => r.status);
      expect(statuses).toEqual([201, 201, 201, 201, 201, 201]);
      expect(await counters()).toMatchObject({ openCases: 1, unresolvedContacts: 6 });
      // Outbound calls and calls while nothing is open never count.
      await t.request('POST', '/contacts', { token: agent, json: call(customer.id, { direction: 'outbound' }) });
      expect(await counters()).toMatchObject({ unresolvedContacts: 6 });
    },
  );

  it('takes a STOP from a customer with an open case: opted out, counted once, not added to the case', async () => {
    const customer = await createCustomer(t, {
      primaryManagerId: 'mgr-5',
      contactPoints: [{ kind: 'phone', value: '+8613800005656' }],
    });
    const agent = await t.token('agent-1', 'agent');
    const opened = (await (
      await t.request('POST', '/contacts', {
        token: agent,
        json: call(customer.id, {
          case: {
            type: 'complaint',
            category: 'card',
            title: 'Too many texts',
            description: 'Receives marketing texts',
          },
        }),
      })
    ).json()) as { caseId: string };
    const params = {
      MessageSid: `SM${randomBytes(16).toString('hex')}`,
      AccountSid: `AC${randomBytes(16).toString('hex')}`,
      From: '+8613800005656',
      To: '+8610955880000',
      Body: 'STOP',
      NumMedia: '0',
    };
    const url = `https://cc.example-bank.cn/webhooks/sms/twilio`;
    const signature = createHmac('sha1', t.config.TWILIO_AUTH_TOKEN!)
      .update(
        Object.keys(params)
          .sort()
          .reduce((a, k) => a + k + params[k as keyof typeof params], url),
      )
      .digest('base64');
    const res = await t.request('POST', '/webhooks/sms/twilio', {
      body: new URLSearchParams(params).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    });
    expect(res.status).toBe(200);
    const profile = (
      await t.deps.store.doc.send(
        new GetCommand({ TableName: t.tableName, Key: keys.customer(customer.id), ConsistentRead: true }),
      )
    ).Item;
    expect(profile?.preferences).toMatchObject({ optOut: { sms: true } });
    const stats = (
      await t.deps.store.doc.send(
        new GetCommand({ TableName: t.tableName, Key: keys.customerStats(customer.id), ConsistentRead: true }),
      )
    ).Item;
    expect(stats).toMatchObject({ openCases: 1, unresolvedContacts: 1 });
    expect(await partitionItems(t, keys.casePartition(opened.caseId), 'MSG#')).toHaveLength(0);
  });

  it('an SMS to an open case reads the counters first instead of guessing: no refused transaction', async () => {
    const customer = await createCustomer(t, {
      primaryManagerId: 'mgr-5',
      contactPoints: [{ kind: 'phone', value: '+8613800005757' }],
    });
    await t.request('POST', '/contacts', {
      token: await t.token('agent-1', 'agent'),
      json: call(customer.id, {
        case: {
          type: 'complaint',
          category: 'loan',
          title: 'Rate wrong',
          description: 'The rate on the statement is wrong',
        },
      }),
    });
    const params = {
      MessageSid: `SM${randomBytes(16).toString('hex')}`,
      AccountSid: `AC${randomBytes(16).toString('hex')}`,
      From: '+8613800005757',
      To: '+8610955880000',
      Body: 'Any news?',
      NumMedia: '0',
    };
    const url = `https://cc.example-bank.cn/webhooks/sms/twilio`;
    const signature = createHmac('sha1', t.config.TWILIO_AUTH_TOKEN!)
      .update(
        Object.keys(params)
          .sort()
          .reduce((a, k) => a + k + params[k as keyof typeof params], url),
      )
      .digest('base64');
    const counter = countDynamoRequests(t);
    try {
      const res = await t.request('POST', '/webhooks/sms/twilio', {
        body: new URLSearchParams(params).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      });
      expect(res.status).toBe(200);
    } finally {
      counter.stop();
    }
    // One transaction for the contact (with its counters and follow-up), one for the message on the case.
    expect(counter.commands.filter((c) => c === 'TransactWriteCommand')).toHaveLength(2);
    const stats = (
      await t.deps.store.doc.send(
        new GetCommand({ TableName: t.tableName, Key: keys.customerStats(customer.id), ConsistentRead: true }),
      )
    ).Item;
    expect(stats).toMatchObject({ openCases: 1, unresolvedContacts: 1 });
  });

  it('adds an SMS from a customer with an open case to that case, once per MessageSid', async () => {
    const customer = await createCustomer(t, {
      primaryManagerId: 'mgr-3',
      contactPoints: [{ kind: 'phone', value: '+8613800005555' }],
    });
    const opened = (await (
      await t.request('POST', '/contacts', {
        token: await t.token('agent-1'),
        json: call(customer.id, {
          direction: 'outbound',
          case: {
            type: 'complaint',
            category: 'loan',
            title: 'Loan statement wrong',
            description: 'Interest seems wrong',
          },
        }),
      })
    ).json()) as { caseId: string };
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const params = {
      MessageSid: sid,
      AccountSid: `AC${randomBytes(16).toString('hex')}`,
      From: '+8613800005555',
      To: '+8610955880000',
      Body: 'Any update on my loan?',
      NumMedia: '0',
    };
    const url = `https://cc.example-bank.cn/webhooks/sms/twilio`;
    const signature = createHmac('sha1', t.config.TWILIO_AUTH_TOKEN!)
      .update(
        Object.keys(params)
          .sort()
          .reduce((a, k) => a + k + params[k as keyof typeof params], url),
      )
      .digest('base64');
    const send = () =>
      t.request('POST', '/webhooks/sms/twilio', {
        body: new URLSearchParams(params).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      });
    const statuses = (await Promise.all([send(), send(), send()])).map((r) => r.status);
    expect(statuses).toEqual([200, 200, 200]);
    const messages = await partitionItems(t, keys.casePartition(opened.caseId), 'MSG#');
    expect(messages.map((m) => m.text)).toEqual(['Any update on my loan?']);
    const inbox = await partitionItems(t, keys.userPartition('mgr-3'), keys.inboxPrefix);
    expect(inbox.some((i) => i.kind === 'case_message' && i.caseId === opened.caseId)).toBe(true);
  });
});
