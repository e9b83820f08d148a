import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createApp } from '@cc/api';
import type { Caller, Case, MessageSender, Notification } from '@cc/core';
import { notificationDeliverer, type DeliveryAdapter, type MessagePublisher } from '@cc/messaging';
import { inboxRepository } from '@cc/store';
import { keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';
import {
  callOpeningCase,
  crashingProcess,
  emailWebhook,
  expectDataIntact,
  fromCustomer,
  openCase,
  smsWebhook,
} from '../support/faults';
import { createCustomer, staffTokens, type CreatedCustomer, type Tokens } from './customers-support';
import { partitionItems, timelineOf } from './intake-support';

/**
 * A process that dies between two steps of a multi-step write (a DynamoDB write, an SQS publish): every step
 * after the crash point fails, as if the process were gone. Then, as in production, the client retries with the
 * same Idempotency-Key (or the provider redelivers), the sweeper runs, the notifier drains the queue; after that
 * the outcome must be the one a run without a crash has, every notification delivered once, and check-data clean.
 */
let t: TestContext;
let tk: Tokens;
const admin: Caller = { userId: 'admin-1', role: 'admin', branchId: 'BR-001' };
const deliveries = new Map<string, number>();

beforeAll(async () => {
  t = await createTestContext();
  tk = await staffTokens(t);
});

/** Services whose process dies once `steps` writes and publishes have been made (Infinity: never). */
function crashingAfter(steps: number) {
  const dying = crashingProcess(t.tableName, steps);
  const publisher: MessagePublisher = {
    async publish(messages) {
      try {
        dying.step();
      } catch {
        return { sent: [], failed: messages.map((m) => m.id) };
      }
      return t.deps.publisher.publish(messages);
    },
  };
  // What a crashed process answers never reaches anyone (its 500 here is an artefact): not held to the contract.
  const app = createApp(t.compose({ store: dying.store, publisher }), t.http);
  return { app, steps: dying.steps };
}

const count = (id: string) => deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
const counting: DeliveryAdapter = { name: 'counted', deliver: async (n: Notification) => void count(n.id) };
const countingSender: MessageSender = {
  name: 'counted',
  send: async (m) => {
    count(m.id);
    return { providerMessageId: `counted-${m.id}` };
  },
};

/** The notifier, run until the queue is empty. */
async function drainQueue(): Promise<void> {
  const deliver = notificationDeliverer({
    store: t.deps.store,
    adapters: { email: counting, sms: counting, webhook: counting, inbox: counting },
    senders: { sms: countingSender, email: countingSender },
    log: t.deps.log,
    clock: () => new Date(),
  });
  for (let empty = 0; empty < 2;) {
    const { Messages = [] } = await t.deps.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: t.queues.notifications, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (!Messages.length) {
      empty++;
      continue;
    }
    const { failed } = await deliver(Messages.map((m) => ({ messageId: m.MessageId!, body: m.Body ?? '' })));
    const done = Messages.filter((m) => !failed.includes(m.MessageId!));
    if (done.length)
      await t.deps.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: t.queues.notifications,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
  }
}

/** After the crash: the sweeper's next run (past every grace period), then the notifier. */
async function recover(): Promise<void> {
  const later = t.compose({ clock: () => new Date(Date.now() + 10 * 60_000) });
  await later.sweeper.runOnce(60_000);
  await drainQueue();
}

/** The manager's notifications about `caseId`, each delivered exactly once. */
async function expectNotifiedOnce(userId: string, caseId: string, kind: string) {
  const items = (await inboxRepository(t.deps.store).list(userId, undefined, 200)).items.filter(
    (n) => n.caseId === caseId && n.kind === kind,
  );
  expect(items, `${kind} notices to ${userId}`).toHaveLength(1);
  expect(deliveries.get(items[0]!.id), `deliveries of ${items[0]!.id}`).toBe(1);
}

/** The user's notification of `kind` about the customer: one, delivered exactly once. */
async function expectCustomerNoticeOnce(userId: string, customerId: string, kind: string) {
  const items = (await inboxRepository(t.deps.store).list(userId, undefined, 200)).items.filter(
    (n) => n.customerId === customerId && n.kind === kind,
  );
  expect(items, `${kind} notices to ${userId}`).toHaveLength(1);
  expect(deliveries.get(items[0]!.id), `deliveries of ${items[0]!.id}`).toBe(1);
}

/** The customer's messages for `purpose` (their outbound-contact log lines): one, delivered exactly once. */
async function expectMessagedOnce(customerId: string, purpose: 'acknowledgement' | 'reply') {
  const sent = (await partitionItems(t, keys.contactLogPartition(customerId))).filter((l) => l.purpose === purpose);
  expect(sent, `${purpose} messages to ${customerId}`).toHaveLength(1);
  expect(deliveries.get(String(sent[0]!.id)), `deliveries of ${purpose} ${String(sent[0]!.id)}`).toBe(1);
}

interface Scenario {
  name: string;
  /** A fresh customer (and what else the write needs) for one run; returns the write, repeatable as is. */
  prepare(): Promise<{ customer: CreatedCustomer; write: (app: TestContext['app']) => Promise<Response> }>;
  /** What exactly once means for it. */
  expectOnce(customer: CreatedCustomer): Promise<void>;
}

const complaint = { type: 'complaint', category: 'fees', title: 'Fee charged twice', description: 'Charged twice' };
const phoneOf = (c: CreatedCustomer) => (c.body.contactPoints as { value: string }[])[0]!.value;
const vip = (extra: Record<string, unknown> = {}) =>
  createCustomer(t, tk.admin, { level: 'vip', primaryManagerId: 'mgr-1', ...extra });

const scenarios: Scenario[] = [
  {
    name: 'a call that opens a case (POST /contacts)',
    async prepare() {
      const customer = await vip();
      const key = `crash-${randomBytes(4).toString('hex')}`;
      const json = callOpeningCase(customer.id, complaint);
      const write = async (app: TestContext['app']) =>
        app.request('/contacts', {
          method: 'POST',
          headers: { authorization: `Bearer ${tk.agent}`, 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify(json),
        });
      return { customer, write };
    },
    async expectOnce(customer) {
      const timeline = await timelineOf(t, customer.id);
      expect(fromCustomer(timeline)).toHaveLength(1);
      const cases = timeline.filter((e) => e.type === 'case');
      expect(cases).toHaveLength(1);
      await expectNotifiedOnce('mgr-1', (cases[0]!.links as { caseId: string }).caseId, 'case_created');
      await expectMessagedOnce(customer.id, 'acknowledgement');
    },
  },
  {
    name: 'a reply to the customer (the message and its records, then publishing it)',
    async prepare() {
      const customer = await vip();
      const caseId = await openCase(t, tk.agent, customer.id, complaint);
      const key = `crash-${randomBytes(4).toString('hex')}`;
      const write = async (app: TestContext['app']) =>
        app.request(`/cases/${caseId}/replies`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tk.mgr1}`, 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify({ text: 'We have refunded the second fee.' }),
        });
      return { customer, write };
    },
    async expectOnce(customer) {
      await expectMessagedOnce(customer.id, 'reply');
    },
  },
  {
    name: "approving an assignment (the decision, the customer's open cases following, then the notices)",
    async prepare() {
      const customer = await vip();
      for (const title of ['Fee charged twice', 'Nobody called back']) {
        await openCase(t, tk.agent, customer.id, { ...complaint, title });
      }
      const requested = await t.request('POST', `/customers/${customer.id}/change-requests`, {
        token: tk.mgr1,
        json: { kind: 'assignment', primaryManagerId: 'mgr-2', reason: 'mgr-2 covers the district' },
      });
      expect(requested.status, await requested.clone().text()).toBe(201);
      const { id } = (await requested.json()) as { id: string };
      const write = async (app: TestContext['app']) =>
        app.request(`/change-requests/${id}/decision`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tk.sup1}`, 'content-type': 'application/json' },
          body: JSON.stringify({ decision: 'approve', note: 'agreed' }),
        });
      return { customer, write };
    },
    async expectOnce(customer) {
      const open = (await partitionItems(t, keys.customerPartition(customer.id), 'OPENCASE#')).map(
        (m) => (m as { id: string }).id,
      );
      expect(open).toHaveLength(2);
      for (const id of open) expect((await t.services.cases.get(admin, id)).ownerId).toBe('mgr-2');
      await expectCustomerNoticeOnce('mgr-2', customer.id, 'cases_arrived');
      await expectCustomerNoticeOnce('mgr-1', customer.id, 'cases_left');
    },
  },
  {
    name: 'an SMS for an open case (the contact, then the message on the case)',
    async prepare() {
      const customer = await vip();
      await openCase(t, tk.agent, customer.id, complaint);
      const sms = smsWebhook(t, phoneOf(customer), 'Any news about my complaint?');
      return { customer, write: (app) => sms(app) };
    },
    async expectOnce(customer) {
      expect(fromCustomer(await timelineOf(t, customer.id)).filter((e) => e.channel === 'sms')).toHaveLength(1);
      const [caseId] = (await partitionItems(t, keys.customerPartition(customer.id), 'OPENCASE#')).map(
        (m) => (m as { id: string }).id,
      );
      expect(await partitionItems(t, keys.casePartition(caseId!), keys.caseMessagePrefix)).toHaveLength(1);
      await expectNotifiedOnce('mgr-1', caseId!, 'case_message');
    },
  },
  {
    name: 'an email that opens an inquiry (the contact, then the case)',
    async prepare() {
      const address = `crash.${randomBytes(4).toString('hex')}@example.com`;
      const customer = await vip({ contactPoints: [{ kind: 'email', value: address, verified: true }] });
      const email = await emailWebhook(t, { from: address, subject: 'Mortgage rates', text: 'What is the rate?' });
      return { customer, write: (app) => email(app) };
    },
    async expectOnce(customer) {
      const timeline = await timelineOf(t, customer.id);
      expect(fromCustomer(timeline).filter((e) => e.channel === 'email')).toHaveLength(1);
      const cases = timeline.filter((e) => e.type === 'case');
      expect(cases).toHaveLength(1);
      const caseId = (cases[0]!.links as { caseId: string }).caseId;
      expect(
        ((await t.services.cases.get({ userId: 'mgr-1', role: 'manager', branchId: 'BR-001' }, caseId)) as Case).type,
      ).toBe('inquiry');
      await expectNotifiedOnce('mgr-1', caseId, 'case_created');
    },
  },
  {
    name: 'the call that reaches ESCALATE_AFTER_CONTACTS unresolved contacts (the contact, then the escalation)',
    async prepare() {
      const customer = await vip();
      await openCase(t, tk.agent, customer.id, complaint);
      const call =
        (key?: string, startedAt = new Date().toISOString()) =>
        async (app: TestContext['app']) =>
          app.request('/contacts', {
            method: 'POST',
            headers: {
              authorization: `Bearer ${tk.agent}`,
              'content-type': 'application/json',
              ...(key && { 'idempotency-key': key }),
            },
            body: JSON.stringify({
              customerId: customer.id,
              direction: 'inbound',
              startedAt,
              outcome: 'follow_up',
            }),
          });
      for (let i = 1; i < t.config.ESCALATE_AFTER_CONTACTS; i++) expect((await call()(t.app)).status).toBe(201);
      return { customer, write: call(`crash-${randomBytes(4).toString('hex')}`) };
    },
    async expectOnce(customer) {
      const contacts = fromCustomer(await timelineOf(t, customer.id));
      expect(contacts).toHaveLength(t.config.ESCALATE_AFTER_CONTACTS);
      const [caseId] = (await partitionItems(t, keys.customerPartition(customer.id), 'OPENCASE#')).map(
        (m) => (m as { id: string }).id,
      );
      const history = await partitionItems(t, keys.casePartition(caseId!), keys.caseHistoryPrefix);
      expect(history.filter((h) => h.action === 'escalated')).toHaveLength(1);
      await expectNotifiedOnce('mgr-1', caseId!, 'case_escalated');
      await expectNotifiedOnce('sup-1', caseId!, 'case_escalated');
    },
  },
];

describe.each(scenarios)('a crash between any two steps of $name', (scenario) => {
  let steps = 0;

  it('without a crash: its steps, and the outcome', async () => {
    const { customer, write } = await scenario.prepare();
    const run = crashingAfter(Number.POSITIVE_INFINITY);
    expect((await write(run.app)).status).toBeLessThan(300);
    steps = run.steps();
    expect(steps).toBeGreaterThanOrEqual(2);
    await recover();
    await scenario.expectOnce(customer);
  });

  it('after a crash at each step, a retry and the sweeper give the same outcome, and the data is intact', async () => {
    for (let crashAt = 0; crashAt < steps; crashAt++) {
      const { customer, write } = await scenario.prepare();
      const run = crashingAfter(crashAt);
      await write(run.app);
      expect(run.steps(), `crash after step ${crashAt}`).toBe(crashAt);
      expect((await write(t.app)).status, `retry after a crash after step ${crashAt}`).toBeLessThan(300);
      await recover();
      await scenario.expectOnce(customer);
      await expectDataIntact(t.deps.store);
    }
  }, 120_000);
});
