import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { tmpdir } from 'node:os';
import { noticeService } from '@cc/services';
import type { Caller, Customer, Notification } from '@cc/core';
import {
  createSqsPublisher,
  inboxOnly,
  localMessageSenders,
  MAX_DELIVERY_ATTEMPTS,
  notificationDeliverer,
  republishUndelivered,
  type DeliveryAdapter,
  type DeliveryAdapters,
} from '@cc/messaging';
import {
  deliveryIdOf,
  inboxRepository,
  notificationRepository,
  transact,
  userRepository,
  type DeliveryRecord,
} from '@cc/store';
import { createTestContext, localCredentials, region, type TestContext } from '../support/harness';

let t: TestContext;
let customer: Customer;
const admin: Caller = { userId: 'admin-1', role: 'admin', branchId: 'BR-001' };

/** Records every delivery, so a test can count how often each notification was sent. */
function countingAdapters(failFirst = new Set<string>()): { adapters: DeliveryAdapters; sent: string[] } {
  const sent: string[] = [];
  const counting: DeliveryAdapter = {
    name: 'test',
    async deliver(n) {
      if (failFirst.delete(n.id)) throw new Error('gateway down');
      sent.push(n.id);
    },
  };
  return { adapters: { email: counting, sms: counting, webhook: counting, inbox: inboxOnly }, sent };
}

const deliveryRecord = async (id: string) =>
  (await notificationRepository(t.deps.store).listUndelivered(new Date(Date.now() + 60_000), 1000)).find(
    (r) => r.notification?.id === id,
  );
const pendingIds = async () =>
  (await notificationRepository(t.deps.store).listUndelivered(new Date(Date.now() + 60_000), 1000)).map((r) =>
    deliveryIdOf(r),
  );

async function queueDepth(url: string): Promise<number> {
  const { Attributes } = await t.deps.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/**
 * Plays Lambda's event source: receive, hand the batch over, delete what succeeded. Failures come back at once
 * (visibility 0).
 */
async function pollOnce(
  handle: (event: SQSEvent) => Promise<SQSBatchResponse>,
): Promise<{ received: string[]; failed: string[] }> {
  const { Messages = [] } = await t.deps.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: t.queues.notifications,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      VisibilityTimeout: 0,
    }),
  );
  if (Messages.length === 0) return { received: [], failed: [] };
  const event = {
    Records: Messages.map((m) => ({ messageId: m.MessageId!, body: m.Body!, receiptHandle: m.ReceiptHandle! })),
  } as unknown as SQSEvent;
  const { batchItemFailures } = await handle(event);
  const failed = batchItemFailures.map((f) => f.itemIdentifier);
  const done = Messages.filter((m) => !failed.includes(m.MessageId!));
  if (done.length)
    await t.deps.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: t.queues.notifications,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  return { received: Messages.map((m) => m.Body!), failed };
}

async function drain(handle: (event: SQSEvent) => Promise<SQSBatchResponse>, maxPolls = 20) {
  for (let i = 0; i < maxPolls && (await queueDepth(t.queues.notifications)) > 0; i++) await pollOnce(handle);
}

const viaDeliverer = (adapters: DeliveryAdapters) => {
  const deliver = notificationDeliverer({
    store: t.deps.store,
    adapters,
    senders: localMessageSenders(tmpdir()),
    log: t.deps.log,
    clock: () => new Date(),
  });
  return async (event: SQSEvent): Promise<SQSBatchResponse> => ({
    batchItemFailures: (await deliver(event.Records.map((r) => ({ messageId: r.messageId, body: r.body })))).failed.map(
      (itemIdentifier) => ({ itemIdentifier }),
    ),
  });
};

/** Writes `count` notifications for mgr-1 the way a cause would (committed, then published). */
async function notify(count: number): Promise<Notification[]> {
  const drafts = Array.from({ length: count }, (_, i) => ({
    recipientId: 'mgr-1',
    kind: 'case_created' as const,
    title: `n${i}`,
    excerpt: `notification ${i}`,
  }));
  const notices = noticeService({ ...t.deps, newId: t.services.context.newId });
  const { notifications, items } = notices.draft(
    drafts.map((d, i) => ({ ...d, recipientId: i === 0 ? 'mgr-1' : `mgr-x${i}` })),
    new Date(),
  );
  await transact(t.deps.store, items);
  await notices.publish(notifications);
  return notifications;
}

beforeAll(async () => {
  t = await createTestContext();
  const users = userRepository(t.deps.store);
  await users.put({
    id: 'mgr-1',
    name: 'Wang Wei',
    role: 'manager',
    branchId: 'BR-001',
    email: 'mgr-1@bank.example',
    notifyVia: 'email',
  });
  for (let i = 1; i < 10; i++)
    await users.put({
      id: `mgr-x${i}`,
      name: `Manager ${i}`,
      role: 'manager',
      branchId: 'BR-001',
      phone: `+861390000000${i}`,
      notifyVia: 'sms',
    });
  customer = await t.services.customers.create(admin, {
    customerNumber: 'N-1',
    name: 'Qian Hao',
    type: 'individual',
    level: 'vip',
    primaryManagerId: 'mgr-1',
    contactPoints: [],
    tags: [],
  });
});

describe('when the queue is unreachable at write time', () => {
  it(
    'still creates the case; nothing is lost: ' + 'the sweeper re-publishes after recovery and it is delivered',
    async () => {
      const deadSqs = new SQSClient({
        endpoint: 'http://127.0.0.1:9',
        region,
        credentials: localCredentials,
        maxAttempts: 1,
      });
      const deadPublisher = createSqsPublisher(deadSqs, t.queues.notifications);
      const created = await t
        .compose({ publisher: deadPublisher })
        .cases.create({ channel: 'web' }, { type: 'complaint', description: 'Queue is down', customerId: customer.id });
      expect(created.ownerId).toBe('mgr-1');
      expect(await queueDepth(t.queues.notifications)).toBe(0);
      const pending = await pendingIds();
      expect(pending).toHaveLength(1);

      // The sweeper leaves fresh notifications alone (their own publish may still be on its way)…
      expect((await republishUndelivered(t.deps, { graceMs: 60_000 })).republished).toBe(0);
      // …and re-publishes the ones still pending after the grace period; a dead queue leaves them pending.
      expect(await republishUndelivered({ ...t.deps, publisher: deadPublisher }, { graceMs: 0 })).toEqual({
        republished: 0,
        failed: 1,
      });
      expect(await republishUndelivered(t.deps, { graceMs: 0 })).toEqual({ republished: 1, failed: 0 });

      const { adapters, sent } = countingAdapters();
      await drain(viaDeliverer(adapters));
      expect(sent).toEqual(pending);
      expect(await pendingIds()).toEqual([]);
      expect(await queueDepth(t.queues.notifications)).toBe(0);
    },
  );
});

describe('the notifier', () => {
  it('delivers a duplicate SQS message once', async () => {
    const [n] = await notify(1);
    await t.deps.sqs.send(
      new SendMessageCommand({
        QueueUrl: t.queues.notifications,
        MessageBody: JSON.stringify({ notificationId: n!.id }),
      }),
    );
    expect(await queueDepth(t.queues.notifications)).toBe(2);
    const { adapters, sent } = countingAdapters();
    await drain(viaDeliverer(adapters));
    expect(sent).toEqual([n!.id]);
    expect(await queueDepth(t.queues.notifications)).toBe(0);
    expect(await queueDepth(t.queues.notificationsDlq)).toBe(0);
  });

  it('gives a failed delivery back and delivers it on the next receive', async () => {
    const [n] = await notify(1);
    const { adapters, sent } = countingAdapters(new Set([n!.id]));
    const handle = viaDeliverer(adapters);
    expect((await pollOnce(handle)).failed).toHaveLength(1);
    expect(await deliveryRecord(n!.id)).toMatchObject<Partial<DeliveryRecord>>({ status: 'pending', attempts: 1 });
    await drain(handle);
    expect(sent).toEqual([n!.id]);
    expect(await deliveryRecord(n!.id)).toBeUndefined();
  });

  it(
    'gives up on a channel that keeps refusing after MAX_DELIVERY_ATTEMPTS tries; ' +
      'the inbox keeps the notification',
    async () => {
      const [n] = await notify(1);
      const refusing: DeliveryAdapter = {
        name: 'test',
        deliver: async () => Promise.reject(new Error('mailbox full')),
      };
      const deliver = notificationDeliverer({
        store: t.deps.store,
        adapters: { email: refusing, sms: refusing, webhook: refusing, inbox: inboxOnly },
        senders: localMessageSenders(tmpdir()),
        log: t.deps.log,
        clock: () => new Date(),
      });
      const message = [{ messageId: `m-${n!.id}`, body: JSON.stringify({ notificationId: n!.id }) }];
      const outcomes: string[] = [];
      for (let i = 0; i < MAX_DELIVERY_ATTEMPTS + 1; i++)
        outcomes.push(...Object.values((await deliver(message)).outcomes));
      expect(outcomes).toEqual([
        ...Array<string>(MAX_DELIVERY_ATTEMPTS - 1).fill('failed'),
        'undeliverable',
        'duplicate',
      ]);
      expect(await pendingIds()).not.toContain(n!.id);
      expect(await republishUndelivered(t.deps, { graceMs: 0 })).toMatchObject({ failed: 0 });
      const [given] = (await notificationRepository(t.deps.store).listUndeliverable(100)).filter(
        (r) => r.notification?.id === n!.id,
      );
      expect(given).toMatchObject({
        status: 'undeliverable',
        attempts: MAX_DELIVERY_ATTEMPTS,
        lastError: 'mailbox full',
      });
      const inbox = await inboxRepository(t.deps.store).list('mgr-1', undefined, 100);
      expect(inbox.items.some((i) => i.id === n!.id && !i.read)).toBe(true);
      await drain(viaDeliverer(countingAdapters().adapters));
    },
  );

  it(
    'the Lambda handler delivers 9 of a 10-message batch at once ' +
      'and sends the 1 poison message to the DLQ after 5 receives',
    async () => {
      Object.assign(process.env, {
        TABLE_NAME: t.tableName,
        LOG_LEVEL: 'silent',
        AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
        AWS_REGION: region,
        AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      });
      const { handler } = await import('../../functions/notifier');
      const handle = (event: SQSEvent) => handler(event, {} as Context) as Promise<SQSBatchResponse>;

      const notifications = await notify(9);
      await t.deps.sqs.send(
        new SendMessageCommand({ QueueUrl: t.queues.notifications, MessageBody: 'this is not json' }),
      );
      expect(await queueDepth(t.queues.notifications)).toBe(10);

      const first = await pollOnce(handle);
      expect(first.received).toHaveLength(10);
      expect(first.failed).toHaveLength(1);
      expect(await pendingIds()).toEqual([]);

      let poisonReceives = 1;
      for (let i = 0; i < 10 && (await queueDepth(t.queues.notifications)) > 0; i++) {
        const { received, failed } = await pollOnce(handle);
        poisonReceives += received.filter((b) => b === 'this is not json').length;
        expect(failed.length).toBe(received.length);
      }
      expect(poisonReceives).toBe(5);
      const dlq = await t.deps.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: t.queues.notificationsDlq, MaxNumberOfMessages: 10 }),
      );
      expect(dlq.Messages?.map((m) => m.Body)).toEqual(['this is not json']);
      // Delivered once each: the records are delivered, and no message about them is left anywhere.
      for (const n of notifications) expect(await deliveryRecord(n.id)).toBeUndefined();
    },
  );

  it('treats a message naming an unknown notification as poison', async () => {
    const { adapters } = countingAdapters();
    await t.deps.sqs.send(
      new SendMessageCommand({
        QueueUrl: t.queues.notifications,
        MessageBody: JSON.stringify({ notificationId: '01UNKNOWN' }),
      }),
    );
    expect((await pollOnce(viaDeliverer(adapters))).failed).toHaveLength(1);
    await drain(viaDeliverer(adapters));
  });
});

describe('the inbox', () => {
  it(
    'lists unread first with date, excerpt, ' + 'customer number and name and the case; marks one or all read',
    async () => {
      const token = await t.token('mgr-1', 'manager', 'BR-001');
      const cases = t.services.cases;
      const first = await cases.create(
        { channel: 'sms' },
        { type: 'complaint', description: 'First complaint', customerId: customer.id },
      );
      const second = await cases.create(
        { channel: 'sms' },
        { type: 'complaint', description: 'Second complaint', customerId: customer.id },
      );
      type Page = {
        items: {
          id: string;
          caseId?: string;
          read: boolean;
          date: string;
          excerpt: string;
          customerNumber?: string;
          customerName?: string;
          link?: string;
        }[];
        nextCursor: string | null;
      };
      const list = async (query = '') =>
        (await (await t.request('GET', `/me/inbox${query}`, { token })).json()) as Page;

      let page = await list();
      const firstItem = page.items.find((i) => i.caseId === first.id)!;
      expect(firstItem).toMatchObject({
        read: false,
        excerpt: 'First complaint',
        customerNumber: 'N-1',
        customerName: 'Qian Hao',
        link: `/cases/${first.id}`,
      });
      expect(Date.parse(firstItem.date)).not.toBeNaN();
      expect(page.items[0]!.caseId).toBe(second.id);

      expect((await t.request('POST', `/me/inbox/${firstItem.id}/read`, { token })).status).toBe(204);
      expect((await t.request('POST', `/me/inbox/${firstItem.id}/read`, { token })).status).toBe(204);
      page = await list();
      expect(page.items.at(-1)).toMatchObject({ caseId: first.id, read: true });
      expect(page.items.slice(0, -1).every((i) => !i.read)).toBe(true);

      const paged = await list('?limit=1');
      expect(paged.items).toHaveLength(1);
      expect(paged.nextCursor).toBeTruthy();

      const otherToken = await t.token('mgr-2', 'manager', 'BR-001');
      expect((await t.request('POST', `/me/inbox/${firstItem.id}/read`, { token: otherToken })).status).toBe(404);

      const all = await t.request('POST', '/me/inbox/read-all', { token });
      expect(((await all.json()) as { marked: number }).marked).toBe(page.items.length - 1);
      expect((await list('?unread=true')).items).toEqual([]);
    },
  );
});
