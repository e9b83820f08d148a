import MailComposer from 'nodemailer/lib/mail-composer';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SESEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as emailModule from '@cc/channels/email';
import { s3AttachmentStore, s3RawMailReader } from '@cc/channels/s3';
import { sesInboundHandler } from '@cc/services/email-inbound';
import { inboxOnly, notificationDeliverer, type DeliveryAdapter } from '@cc/messaging';
import { transact, userRepository } from '@cc/store';
import { PermanentDeliveryError } from '@cc/core';
import { smsWebhook } from '../support/faults';
import type { IConstruct } from 'constructs';
import { accessProfiles } from '../../infra/constructs/table-access';
import { tableDefinition } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';
import { createCustomer } from '../integration/intake-support';
import { openedAs, seedPeople, terms, tokenOf } from '../integration/opportunities-support';
import { reportsPoller } from '../support/reports';
import { asArray, synthesise, type Json, type Synthesised } from './synth';

/**
 * Runs each worker's real code on DynamoDB Local, records every request it makes, and checks each one against
 * the IAM policy the stack gives that worker (read from the synthesised template): a code change that needs an
 * action, an item kind or an index its profile does not grant fails here, not with AccessDenied in production.
 */
interface Access {
  action: string;
  /** 'table' or the index name. */
  resource: string;
  leadingKeys: string[];
}

let t: TestContext;
let s: Synthesised;
let recording: Access[] | undefined;

function partitionValue(input: Json): string {
  const index = tableDefinition.indexes.find((i) => i.name === input.IndexName);
  const partitionKey = index?.partitionKey ?? tableDefinition.partitionKey;
  for (const [, name, token] of (input.KeyConditionExpression as string).matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    const attribute = name!.startsWith('#') ? input.ExpressionAttributeNames[name!] : name;
    if (attribute === partitionKey) return input.ExpressionAttributeValues[token!] as string;
  }
  throw new Error(`no partition key condition in ${input.KeyConditionExpression}`);
}

/** The IAM view of one SDK command: which actions on which resource, for which partition keys. */
function accessesOf(command: { constructor: { name: string }; input: Json }): Access[] {
  const { input } = command;
  const pk = (key: Json) => (typeof key.pk === 'string' ? key.pk : (key.pk.S as string));
  switch (command.constructor.name) {
    case 'GetCommand':
    case 'GetItemCommand':
      return [{ action: 'GetItem', resource: 'table', leadingKeys: [pk(input.Key)] }];
    case 'PutCommand':
      return [{ action: 'PutItem', resource: 'table', leadingKeys: [pk(input.Item)] }];
    case 'UpdateCommand':
      return [{ action: 'UpdateItem', resource: 'table', leadingKeys: [pk(input.Key)] }];
    case 'DeleteCommand':
      return [{ action: 'DeleteItem', resource: 'table', leadingKeys: [pk(input.Key)] }];
    case 'QueryCommand':
      return [{ action: 'Query', resource: input.IndexName ?? 'table', leadingKeys: [partitionValue(input)] }];
    case 'BatchGetCommand':
      return Object.values(input.RequestItems as Record<string, { Keys: Json[] }>).map((r) => ({
        action: 'BatchGetItem',
        resource: 'table',
        leadingKeys: r.Keys.map(pk),
      }));
    case 'TransactWriteCommand':
      return (input.TransactItems as Json[]).map((item) => {
        const [kind, body] = Object.entries(item)[0]! as [string, Json];
        const action = {
          Put: 'PutItem',
          Update: 'UpdateItem',
          Delete: 'DeleteItem',
          ConditionCheck: 'ConditionCheckItem',
        }[kind];
        if (!action) throw new Error(`unexpected transaction item ${kind}`);
        return { action, resource: 'table', leadingKeys: [pk(body.Item ?? body.Key)] };
      });
    default:
      throw new Error(`the recorder does not know ${command.constructor.name}: teach it, then check the profiles`);
  }
}

/** Runs `work` with every DynamoDB request of the shared document client recorded. */
async function record(work: () => Promise<unknown>): Promise<Access[]> {
  recording = [];
  try {
    await work();
    return recording;
  } finally {
    recording = undefined;
  }
}

const keyMatches = (patterns: string[], key: string) =>
  patterns.some((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(key));

/**
 * Whether the function's policy allows the access (action, resource, LeadingKeys): no Deny statement matches it and
 * one of the Allow statements does.
 */
function allowed(fn: IConstruct, access: Access): boolean {
  const tableArn = { 'Fn::GetAtt': [s.logicalId(s.main.data.table), 'Arn'] };
  const arn = access.resource === 'table' ? tableArn : { 'Fn::Join': ['', [tableArn, `/index/${access.resource}`]] };
  const about = (st: Json) =>
    asArray(st.Action as string | string[]).includes(`dynamodb:${access.action}`) &&
    asArray(st.Resource).some((r) => JSON.stringify(r) === JSON.stringify(arn));
  const statements = s.statementsOf(fn).filter(about);
  const refused = statements.some((st) => {
    if (st.Effect !== 'Deny') return false;
    const patterns = st.Condition?.['ForAnyValue:StringLike']?.['dynamodb:LeadingKeys'] as string[] | undefined;
    if (st.Condition && !patterns) return true; // a condition this checker does not understand: assume it denies
    return !patterns || access.leadingKeys.some((key) => keyMatches(patterns, key));
  });
  return (
    !refused &&
    statements.some((st) => {
      if (st.Effect !== 'Allow') return false;
      const patterns = st.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] as string[] | undefined;
      if (st.Condition && !patterns) return false; // a condition this checker does not understand: not allowed
      return !patterns || access.leadingKeys.every((key) => keyMatches(patterns, key));
    })
  );
}

const denied = (fn: IConstruct, accesses: Access[]) =>
  accesses.filter((a) => !allowed(fn, a)).map((a) => `${a.action} ${a.resource} ${a.leadingKeys.join(',')}`);
const indexesOf = (accesses: Access[]) =>
  [...new Set(accesses.map((a) => a.resource))].filter((r) => r !== 'table').sort();
const kindsOf = (accesses: Access[], action: string) =>
  [
    ...new Set(accesses.filter((a) => a.action === action).flatMap((a) => a.leadingKeys.map((k) => k.split('#')[0]))),
  ].sort();

const past = (ms: number) => new Date(Date.now() - ms).toISOString();
const DAY = 24 * 3_600_000;

beforeAll(async () => {
  s = synthesise('prod', { bundle: false });
  t = await createTestContext();
  const doc = t.deps.store.doc;
  const send = doc.send.bind(doc) as (...args: unknown[]) => Promise<unknown>;
  doc.send = ((command: { constructor: { name: string }; input: Json }, ...rest: unknown[]) => {
    recording?.push(...accessesOf(command));
    return send(command, ...rest);
  }) as typeof doc.send;
  await seedPeople(t);
}, 120_000);

afterAll(() => s?.cleanup());

/** A customer of mgr-1 with a complaint logged by an agent: a case, its response watch, a pending notification. */
async function customerWithComplaint(phone: string, email: string) {
  const customer = await createCustomer(t, {
    level: 'vip',
    primaryManagerId: 'mgr-1',
    contactPoints: [...(phone ? [{ kind: 'phone', value: phone }] : []), { kind: 'email', value: email }],
  });
  const res = await t.request('POST', '/contacts', {
    token: await t.token('agent-1', 'agent'),
    json: {
      customerId: customer.id,
      direction: 'inbound',
      startedAt: new Date().toISOString(),
      outcome: 'follow_up',
      case: { type: 'complaint', category: 'card', title: 'Card blocked', description: 'Blocked abroad' },
    },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return { customer, caseId: ((await res.json()) as { caseId: string }).caseId };
}

describe('each worker stays within its table policy, on DynamoDB Local', () => {
  it('the sweeper: due follow-ups (both kinds), overdue responses and next steps, re-delivery', async () => {
    const { customer, caseId } = await customerWithComplaint('+8613800007001', 'lin.tao@example.com');
    await openedAs(
      t,
      'mgr-2',
      terms({ prospect: { name: 'Overdue' }, nextStep: { at: past(DAY), description: 'Call' } }),
    );
    const planner = t.services.followUps;
    const due = [
      planner.plan({
        kind: 'case_message',
        caseId,
        channel: 'sms',
        text: 'Is my card unblocked?',
        externalId: `SM${Date.now()}`,
        contactId: 'contact-1',
      }),
      planner.plan({
        kind: 'case_from_email',
        messageId: `<m-${Date.now()}@mail.example.com>`,
        customerId: customer.id,
        from: 'lin.tao@example.com',
        subject: 'Statement',
        text: 'Please send my statement',
        threadExpiresAt: Math.floor(Date.now() / 1000) + 86_400,
      }),
    ];
    for (const { item } of due) await transact(t.deps.store, [item]);

    const accesses = await record(() =>
      t.compose({ clock: () => new Date(Date.now() + 3 * DAY) }).sweeper.runOnce(60_000),
    );
    const result = await t.compose({ clock: () => new Date(Date.now() + 3 * DAY) }).sweeper.runOnce(60_000);
    expect(result.caseFollowUps.done).toBe(0); // the recorded run did them
    expect(accesses.length).toBeGreaterThan(10);
    expect(denied(s.main.workers.sweeper, accesses)).toEqual([]);
    // It queries exactly the indexes its profile names: none is granted in vain.
    expect(indexesOf(accesses)).toEqual([...accessProfiles.sweeper.queries].sort());
    expect(kindsOf(accesses, 'PutItem')).toContain('CASE');
  });

  it('the notifier: staff notifications and customer messages, delivered, duplicate, failed and given up', async () => {
    // mgr-7 takes email, and the email channel is down: deliveries to mgr-7 fail and are released.
    await userRepository(t.deps.store).put({
      id: 'mgr-7',
      name: 'Gao Yan',
      role: 'manager',
      branchId: 'BR-001',
      notifyVia: 'email',
      email: 'gao.yan@bank.example',
    });
    await customerWithComplaint('+8613800007002', 'qian.li@example.com');
    const other = await createCustomer(t, { level: 'vip', primaryManagerId: 'mgr-7' });
    await t.request('POST', '/contacts', {
      token: await t.token('agent-1', 'agent'),
      json: {
        customerId: other.id,
        direction: 'inbound',
        startedAt: new Date().toISOString(),
        outcome: 'follow_up',
        case: { type: 'inquiry', category: 'card', title: 'Limit', description: 'Raise my limit' },
      },
    });

    // A customer reachable by email only: the acknowledgement goes by email, threaded by SES's Message-ID.
    await customerWithComplaint('', 'zhu.min@example.com');

    const down: DeliveryAdapter = {
      name: 'email',
      deliver: async () => {
        throw new Error('gateway down');
      },
    };
    const deliver = notificationDeliverer({
      store: t.deps.store,
      adapters: { email: down, sms: inboxOnly, webhook: inboxOnly, inbox: inboxOnly },
      senders: {
        // The SMS provider refuses the number for good: the message is given up and its case says so.
        sms: {
          name: 'twilio',
          send: async () => {
            throw new PermanentDeliveryError('twilio answered 400 (code 21211)');
          },
        },
        email: { name: 'ses', send: async (m) => ({ providerMessageId: m.id, messageIdHeader: `<${m.id}@ses.test>` }) },
      },
      log: t.deps.log,
      clock: () => new Date(),
    });
    const Messages = [];
    for (let i = 0; i < 5; i++) {
      const page = await t.deps.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: t.queues.notifications, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      Messages.push(...(page.Messages ?? []));
    }
    expect(Messages.length).toBeGreaterThanOrEqual(4);
    const records = Messages.map((m) => ({ messageId: m.MessageId!, body: m.Body! }));
    const accesses = await record(async () => {
      const first = await deliver(records);
      expect(Object.values(first.outcomes)).toEqual(expect.arrayContaining(['delivered', 'failed', 'undeliverable']));
      const again = await deliver(records); // redelivered by SQS: already delivered ones are duplicates
      expect(Object.values(again.outcomes)).toContain('duplicate');
      await deliver([{ messageId: 'poison', body: 'not json' }]);
    });
    expect(denied(s.main.workers.notifier, accesses)).toEqual([]);
    expect(kindsOf(accesses, 'GetItem')).toEqual(['CUST', 'NOTIF', 'USER']);
    expect(kindsOf(accesses, 'UpdateItem')).toEqual(['NOTIF']);
    expect(kindsOf(accesses, 'PutItem')).toEqual(['CASE', 'MSGID']);
    expect(indexesOf(accesses)).toEqual([]);
  });

  it('the email function: SES -> S3 -> the intake, opening an inquiry', async () => {
    await createCustomer(t, {
      level: 'vip',
      primaryManagerId: 'mgr-1',
      contactPoints: [{ kind: 'email', value: 'he.jun@example.com' }],
    });
    const raw = await new MailComposer({
      from: 'He Jun <he.jun@example.com>',
      to: 'care@bank.example',
      subject: 'Loan documents',
      text: 'Attached.',
      messageId: `<ses-9.${Date.now()}@mail.example.com>`,
      attachments: [{ filename: 'payslip.pdf', content: Buffer.from('%PDF-1.4'), contentType: 'application/pdf' }],
    })
      .compile()
      .build();
    // S3 is not what is checked here: a stand-in that serves the raw mail and accepts attachments.
    const s3 = {
      send: async (command: unknown) => {
        if (command instanceof GetObjectCommand)
          return { Body: { transformToByteArray: async () => new Uint8Array(raw) } };
        if (command instanceof PutObjectCommand) return {};
        throw new Error('unexpected S3 command');
      },
    } as unknown as S3Client;
    const handler = sesInboundHandler({
      intake: t.compose({ attachments: s3AttachmentStore(s3, 'raw'), emailModule }).email,
      readRawMail: s3RawMailReader(s3, 'raw'),
      log: t.deps.log,
    });
    const event = {
      Records: [
        {
          ses: {
            mail: { messageId: 'ses-9' },
            receipt: { spamVerdict: { status: 'PASS' }, virusVerdict: { status: 'PASS' } },
          },
        },
      ],
    } as unknown as SESEvent;
    const accesses = await record(() => handler(event));
    expect(accesses.length).toBeGreaterThan(3);
    expect(denied(s.main.workers.emailInbound, accesses)).toEqual([]);
    for (const index of indexesOf(accesses)) expect(accessProfiles.emailInbound.queries).toContain(index);
  });

  it('the public edge: the form (JSON and HTML), status lookups, SMS from a customer and from a stranger', async () => {
    await createCustomer(t, {
      level: 'vip',
      primaryManagerId: 'mgr-1',
      contactPoints: [{ kind: 'phone', value: '+8613800007011' }],
    });
    const sms = (from: string, body: string) => smsWebhook(t, from, body)();
    const accesses = await record(async () => {
      const known = {
        name: 'Wu Fang',
        phone: '+86 138 0000 7011',
        category: 'fees',
        subject: 'Fee',
        description: 'Charged twice',
      };
      const json = await t.request('POST', '/public/complaints', { json: known });
      expect(json.status, await json.clone().text()).toBe(201);
      const { reference } = (await json.json()) as { reference: string };
      const form = await t.request('POST', '/public/complaints', {
        body: new URLSearchParams({ ...known, phone: '', email: 'stranger@example.com' }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(form.status, await form.clone().text()).toBe(201);
      expect((await t.request('GET', `/public/complaints/${reference}?phone=13800007011`)).status).toBe(200);
      const page = await t.request('GET', `/complaint/status?reference=${reference}&contact=13800007011`);
      expect(page.status).toBe(200);
      for (const res of [await sms('+8613800007011', 'Any news?'), await sms('+8613800007099', 'Who is this')])
        expect(res.status, await res.clone().text()).toBe(200);
      expect((await sms('+8613800007011', 'STOP')).status).toBe(200);
    });
    expect(accesses.length).toBeGreaterThan(10);
    expect(denied(s.main.api.public, accesses)).toEqual([]);
    // It queries exactly the indexes its profile names, and no report or audit item is ever touched.
    expect(indexesOf(accesses)).toEqual([...accessProfiles.publicEdge.queries].sort());
    expect(kindsOf(accesses, 'PutItem')).toEqual(expect.arrayContaining(['CASE', 'CUST', 'PUBREF']));
  });

  it('the reporter: every record so far (cases, contacts, customers, opportunities), then all again', async () => {
    const opportunity = await openedAs(t, 'mgr-1', terms({ prospect: { name: 'Report' } }));
    const activity = await t.request('POST', `/opportunities/${opportunity.id}/activities`, {
      token: await tokenOf(t, 'mgr-1'),
      json: { type: 'call', note: 'Talked terms' },
    });
    expect(activity.status, await activity.clone().text()).toBe(201);
    const accesses = await record(async () => {
      await reportsPoller(t).catchUp();
      await reportsPoller(t).catchUp(); // a second reader from the trim horizon: every record is a replay
    });
    expect(denied(s.main.reporter.function, accesses)).toEqual([]);
    expect(kindsOf(accesses, 'PutItem')).toEqual(['RPTL', 'RPTM']);
    expect(kindsOf(accesses, 'UpdateItem')).toEqual(['RPT']);
    expect(kindsOf(accesses, 'GetItem')).toEqual(expect.arrayContaining(['BRANCH', 'CUST', 'OPP', 'RPTL']));
    expect(indexesOf(accesses)).toEqual([]);
    expect(accesses.some((a) => a.action === 'Query' || a.action === 'Scan')).toBe(false);
  });

  it('the checker itself refuses what a policy does not grant', () => {
    const notifier = s.main.workers.notifier;
    expect(denied(notifier, [{ action: 'PutItem', resource: 'table', leadingKeys: ['NOTIF#1'] }])).toHaveLength(1);
    expect(denied(notifier, [{ action: 'UpdateItem', resource: 'table', leadingKeys: ['CUST#1'] }])).toHaveLength(1);
    expect(denied(notifier, [{ action: 'PutItem', resource: 'table', leadingKeys: ['CUST#1'] }])).toHaveLength(1);
    expect(denied(notifier, [{ action: 'UpdateItem', resource: 'table', leadingKeys: ['NOTIF#1'] }])).toEqual([]);
    expect(denied(s.main.workers.sweeper, [{ action: 'Query', resource: 'gsi2', leadingKeys: ['x'] }])).toHaveLength(1);
    expect(denied(s.main.workers.sweeper, [{ action: 'Scan', resource: 'table', leadingKeys: [] }])).toHaveLength(1);
    const reporter = s.main.reporter.function;
    expect(denied(reporter, [{ action: 'PutItem', resource: 'table', leadingKeys: ['CUST#1'] }])).toHaveLength(1);
    expect(denied(reporter, [{ action: 'UpdateItem', resource: 'table', leadingKeys: ['RPTL#case#1'] }])).toHaveLength(
      1,
    );
    expect(denied(reporter, [{ action: 'UpdateItem', resource: 'table', leadingKeys: ['RPT#BR#1'] }])).toEqual([]);
    // The public edge: the intake's items, never those of the workflows it does not compose.
    const edge = s.main.api.public;
    expect(denied(edge, [{ action: 'PutItem', resource: 'table', leadingKeys: ['CASE#C-1'] }])).toEqual([]);
    for (const key of ['AUDIT#c-1', 'RPT#BR#1', 'RPTL#case#1', 'RPTM#e-1', 'TEAM#t-1', 'CHREQ#r-1'])
      for (const action of ['GetItem', 'PutItem', 'UpdateItem', 'Query'])
        expect(denied(edge, [{ action, resource: 'table', leadingKeys: [key] }]), `${action} ${key}`).toHaveLength(1);
    expect(denied(edge, [{ action: 'Query', resource: 'gsi2', leadingKeys: ['x'] }])).toHaveLength(1);
  });
});
