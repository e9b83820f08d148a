import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { userRepository } from '@cc/store';
import { keys } from '@cc/store/keys';
import { startWorkers } from '@cc/local/workers';
import { createTestContext, type TestContext } from '../support/harness';

let t: TestContext;
let dataDir: string;
let workers: { stop(): Promise<void> };

beforeAll(async () => {
  t = await createTestContext();
  dataDir = await mkdtemp(join(tmpdir(), 'cc-e2e-'));
  await userRepository(t.deps.store).put({
    id: 'mgr-1',
    name: 'Wang Wei',
    role: 'manager',
    branchId: 'BR-001',
    email: 'mgr-1@bank.example',
    notifyVia: 'email',
  });
  // The same workers `npm start` runs: the queue poller and the sweeper.
  workers = startWorkers(t.services, {
    sqs: t.deps.sqs,
    queueUrl: t.queues.notifications,
    dataDir,
    sweepIntervalMs: 60_000,
    log: t.deps.log,
  });
});

afterAll(async () => {
  await workers?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a complaint submitted on the web reaches the owning manager', () => {
  it(
    "creates the case for the customer's primary manager, " +
      'shows it in their inbox, and delivers it through the queue',
    async () => {
      const customer = await t.services.customers.create(
        { userId: 'admin-1', role: 'admin', branchId: 'BR-001' },
        {
          customerNumber: 'E2E-0001',
          name: 'Zhao Lei',
          type: 'individual',
          level: 'vip',
          primaryManagerId: 'mgr-1',
          contactPoints: [],
          tags: [],
        },
      );

      // What the public web form does with a submission it has matched to a customer.
      const submitted = await t.services.cases.create(
        { channel: 'web' },
        {
          type: 'complaint',
          category: 'service',
          description: 'The ATM at the Pudong branch kept my card and nobody called me back.',
          customerId: customer.id,
        },
        { submitterContact: { email: 'zhao.lei@example.com' } },
      );

      const manager = t.client(await t.token('mgr-1', 'manager', 'BR-001'));
      const read = await manager.GET('/cases/{id}', { params: { path: { id: submitted.id } } });
      expect(read.response.status).toBe(200);
      expect(read.data).toMatchObject({
        id: submitted.id,
        ownerId: 'mgr-1',
        origin: 'web',
        createdBy: { kind: 'channel', channel: 'web' },
        status: 'new',
      });

      const { data: inbox } = await manager.GET('/me/inbox');
      expect(inbox?.items).toHaveLength(1);
      const item = inbox!.items[0]!;
      expect(item).toMatchObject({
        kind: 'case_created',
        read: false,
        excerpt: 'The ATM at the Pudong branch kept my card and nobody called me back.',
        customerNumber: 'E2E-0001',
        customerName: 'Zhao Lei',
        caseId: submitted.id,
        link: `/cases/${submitted.id}`,
      });
      expect(Math.abs(Date.parse(item.date) - Date.now())).toBeLessThan(60_000);

      // The notifier consumed the SQS message and recorded the delivery through the manager's channel.
      const record = await eventually(async () => {
        const { Item } = await t.deps.store.doc.send(
          new GetCommand({ TableName: t.tableName, Key: keys.notification(item.id), ConsistentRead: true }),
        );
        return Item?.status === 'delivered' ? Item : undefined;
      });
      expect(record).toMatchObject({ deliveredVia: 'outbox:email', attempts: 1 });
      // The manager's notification and the customer's acknowledgement, both through the queue.
      const outbox = await eventually(async () => {
        const lines = (await readFile(join(dataDir, 'outbox', 'email.jsonl'), 'utf8')).trim().split('\n');
        return lines.length >= 2 ? lines.map((l) => JSON.parse(l) as Record<string, unknown>) : undefined;
      });
      expect(outbox).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            notificationId: item.id,
            to: 'mgr-1@bank.example',
            caseId: submitted.id,
            customerNumber: 'E2E-0001',
            customerName: 'Zhao Lei',
          }),
          expect.objectContaining({
            audience: 'customer',
            purpose: 'acknowledgement',
            to: 'zhao.lei@example.com',
            caseId: submitted.id,
          }),
        ]),
      );
      expect(outbox).toHaveLength(2);
      // The poller deletes each message once its delivery is recorded: the queue drains.
      const drained = await eventually(async () => {
        const { Attributes } = await t.deps.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: t.queues.notifications,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        const left =
          Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
        return left === 0 ? true : undefined;
      });
      expect(drained).toBe(true);
    },
  );

  it('stops the workers cleanly', async () => {
    const started = Date.now();
    await workers.stop();
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
