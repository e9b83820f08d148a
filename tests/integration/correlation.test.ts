import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createLogger } from '@cc/core';
import { inboxOnly, notificationDeliverer } from '@cc/messaging';
import { correlation } from '@cc/services';
import { userRepository } from '@cc/store';
import { keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';

/** Structured log lines the way they reach CloudWatch: the real logger, its stdout captured. */
function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  const capture = (chunk: unknown) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  const stop = () => spies.forEach((s) => s.mockRestore());
  return { log: createLogger({ stage: 'test', context: correlation.fields }), lines, stop };
}

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  // Queued cases (no customer, so no owner) are announced to the branch's supervisors.
  await userRepository(t.deps.store).put({
    id: 'sup-1',
    name: 'Liu Yang',
    role: 'supervisor',
    branchId: 'BR-001',
    notifyVia: 'inbox',
  });
});
afterEach(() => vi.restoreAllMocks());

describe('a correlation id', () => {
  it('follows a request into its log lines, its metric, the items it writes and the queue message', async () => {
    const captured = capturedLog();
    const app = t.appWith({ log: captured.log }, { log: captured.log });
    const res = await app.request('/cases', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await t.token('agent-1', 'agent')}`,
        'content-type': 'application/json',
        'x-correlation-id': 'crm-4711.call-9',
      },
      body: JSON.stringify({ type: 'complaint', description: 'Charged twice' }),
    });
    captured.stop();
    expect(res.status).toBe(201);
    expect(res.headers.get('x-correlation-id')).toBe('crm-4711.call-9');
    const { id } = (await res.json()) as { id: string };

    const metric = captured.lines.find((l) => 'CasesOpened' in l);
    expect(metric).toMatchObject({ CasesOpened: 1, Stage: 'test', correlationId: 'crm-4711.call-9' });
    expect(metric!._aws).toMatchObject({
      CloudWatchMetrics: [{ Namespace: 'ContactCenter', Dimensions: [['Stage']] }],
    });

    const { Item } = await t.deps.store.doc.send(new GetCommand({ TableName: t.tableName, Key: keys.case(id) }));
    expect(Item?.correlationId).toBe('crm-4711.call-9');

    const { Messages = [] } = await t.deps.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: t.queues.notifications,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['correlationId'],
      }),
    );
    expect(Messages.map((m) => m.MessageAttributes?.correlationId?.StringValue)).toContain('crm-4711.call-9');
  });

  it('is minted when the caller sends none, and replaced when what it sends is not safe to carry', async () => {
    const token = await t.token('agent-1', 'agent');
    const minted = await t.request('GET', '/me', { token });
    expect(minted.headers.get('x-correlation-id')).toMatch(/^[0-9A-Z]{26}$/);
    const unsafe = await t.request('GET', '/me', { token, headers: { 'x-correlation-id': 'x"; drop' } });
    expect(unsafe.headers.get('x-correlation-id')).toMatch(/^[0-9A-Z]{26}$/);
    const problem = await t.request('GET', '/me', { headers: { 'x-correlation-id': 'support-ticket-1' } });
    expect(problem.status).toBe(401);
    expect(problem.headers.get('x-correlation-id')).toBe('support-ticket-1');
  });

  it('is carried by the notifier into its log lines and delivery metric', async () => {
    const captured = capturedLog();
    const deliver = notificationDeliverer({
      store: t.deps.store,
      adapters: { email: inboxOnly, sms: inboxOnly, webhook: inboxOnly, inbox: inboxOnly },
      log: captured.log,
      clock: () => new Date(),
      within: (id, work) => correlation.run(id, work),
    });
    const created = await correlation.run('notify-me-1', () =>
      t.services.cases.create({ channel: 'web' }, { type: 'complaint', description: 'Queue me' }),
    );
    expect(created.id).toBeTruthy();
    const { Messages = [] } = await t.deps.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: t.queues.notifications,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['correlationId'],
      }),
    );
    const records = Messages.map((m) => ({
      messageId: m.MessageId!,
      body: m.Body!,
      correlationId: m.MessageAttributes?.correlationId?.StringValue,
    })).filter((r) => r.correlationId === 'notify-me-1');
    await deliver(records);
    captured.stop();
    expect(records.length).toBeGreaterThan(0);
    const delivered = captured.lines.filter((l) => 'NotificationsDelivered' in l);
    expect(delivered.length).toBe(records.length);
    for (const line of delivered) expect(line).toMatchObject({ correlationId: 'notify-me-1', Channel: 'inbox' });
  });
});
