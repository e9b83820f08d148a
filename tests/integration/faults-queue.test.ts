import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { connectAws } from '@cc/services';
import { inboxRepository, userRepository } from '@cc/store';
import { keys } from '@cc/store/keys';
import { ensureQueues } from '@cc/local/provision';
import { freePort, startSqsEmulator, type RunningService } from '@cc/local/services';
import { startWorkers } from '@cc/local/workers';
import { createTestContext, localCredentials, localServicesBudget, region, type TestContext } from '../support/harness';
import { expectDataIntact } from '../support/faults';

/**
 * The SQS endpoint goes away and comes back empty (the local emulator restarted): the publisher and the poller
 * get their queue back by themselves, what could not be published meanwhile is re-published by the sweeper, and
 * every notification is delivered exactly once.
 */
let t: TestContext;
let dataDir: string;
let port: number;
let sqs: RunningService;
let aws: ReturnType<typeof connectAws>;
let workers: { stop(): Promise<void> };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cc-queue-'));
  t = await createTestContext({ DATA_DIR: dataDir });
  // The manager hears by email: each delivery is a line in DATA_DIR/outbox/email.jsonl.
  await userRepository(t.deps.store).put({
    id: 'mgr-1',
    name: 'Wang Wei',
    role: 'manager',
    branchId: 'BR-001',
    email: 'mgr-1@bank.example',
    notifyVia: 'email',
  });
  port = await freePort();
  sqs = await startSqsEmulator({ port });
  aws = connectAws(t.config, '', {
    endpoints: { dynamodb: inject('dynamoEndpoint'), sqs: sqs.endpoint },
    region,
    credentials: localCredentials,
    budget: localServicesBudget,
    resolveQueue: async () => (await ensureQueues(aws.sqs)).notifications,
  });
  await aws.queue.recover();
  const services = t.compose({ publisher: aws.publisher });
  workers = startWorkers(services, {
    sqs: aws.sqs,
    queue: aws.queue,
    dataDir,
    sweepIntervalMs: 3_600_000,
    log: t.deps.log,
  });
});
afterAll(async () => {
  await workers?.stop();
  await sqs?.stop();
});

const customerOf = async () =>
  (
    await t.services.customers.create(
      { userId: 'admin-1', role: 'admin', branchId: 'BR-001' },
      {
        customerNumber: `Q-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`,
        name: 'Queue Customer',
        type: 'individual',
        level: 'vip',
        primaryManagerId: 'mgr-1',
        contactPoints: [],
        tags: [],
      },
    )
  ).id;

/** An agent opens a case for a customer of mgr-1: one notification to mgr-1, published at once if it can be. */
async function openCase(customerId: string): Promise<string> {
  const res = await t.appWith({ publisher: aws.publisher }).request('/cases', {
    method: 'POST',
    headers: { authorization: `Bearer ${await t.token('agent-1', 'agent')}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'complaint',
      category: 'fees',
      title: 'Fee',
      description: 'Charged twice',
      customerId,
    }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const statusOf = async (notificationId: string) =>
  (
    await t.deps.store.doc.send(
      new GetCommand({ TableName: t.tableName, Key: keys.notification(notificationId), ConsistentRead: true }),
    )
  ).Item?.status as string | undefined;

/** Waits (bounded) until every notification is delivered; answers the ones that are not. */
async function undeliveredAfterWaiting(ids: string[], waitMs = 30_000): Promise<string[]> {
  const until = Date.now() + waitMs;
  for (;;) {
    const statuses = await Promise.all(ids.map(statusOf));
    const left = ids.filter((_, i) => statuses[i] !== 'delivered');
    if (!left.length || Date.now() > until) return left;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the SQS endpoint removed and restored empty', () => {
  it('recovers the queue, re-publishes what was left pending, and delivers every notification once', async () => {
    const customerId = await customerOf();
    const cases = [await openCase(customerId), await openCase(customerId)];

    await sqs.stop();
    const whileDown = [await openCase(customerId), await openCase(customerId), await openCase(customerId)];

    sqs = await startSqsEmulator({ port });
    cases.push(...whileDown, await openCase(customerId), await openCase(customerId));
    // The sweeper's next run, past the grace period: what could not be published goes out now.
    const { failed } = await t
      .compose({ publisher: aws.publisher, clock: () => new Date(Date.now() + 10 * 60_000) })
      .sweeper.runOnce(60_000);
    expect(failed).toBe(0);

    const notices = (await inboxRepository(t.deps.store).list('mgr-1', undefined, 100)).items.filter(
      (n) => n.caseId && cases.includes(n.caseId),
    );
    expect(notices).toHaveLength(cases.length);
    const ids = notices.map((n) => n.id);
    expect(await undeliveredAfterWaiting(ids)).toEqual([]);

    const outbox = join(dataDir, 'outbox', 'email.jsonl');
    expect(existsSync(outbox)).toBe(true);
    const sent = readFileSync(outbox, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { notificationId: string }).notificationId);
    for (const id of ids)
      expect(
        sent.filter((s) => s === id),
        `emails for ${id}`,
      ).toHaveLength(1);
    await expectDataIntact(t.deps.store);
  }, 90_000);
});
