import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { Logger } from '@cc/core';
import { localDeliveryAdapters, localMessageSenders, notificationDeliverer } from '@cc/messaging';
import { correlation, type Services } from '@cc/services';
import { reporterPoller } from './stream-poller';

export interface WorkerOptions {
  sqs: SQSClient;
  queueUrl: string;
  dataDir: string;
  sweepIntervalMs: number;
  log: Logger;
  /** The table's stream, for the reporter; absent: no report aggregates or archive. */
  stream?: { streams: DynamoDBStreamsClient; streamArn: string };
}

/**
 * In-process stand-ins for the notifier (SQS consumer), the scheduled sweeper and the reporter (stream
 * consumer), running the same cores as functions/notifier.ts, sweeper.ts and reporter.ts. Like Lambda, only
 * successes are deleted; failures come back after the visibility timeout and end in the DLQ after maxReceiveCount.
 */
export function startWorkers(
  services: Pick<Services, 'sweeper' | 'context' | 'reporter'>,
  options: WorkerOptions,
): { stop(): Promise<void> } {
  const { sqs, queueUrl, log } = options;
  const deliver = notificationDeliverer({
    store: services.context.store,
    adapters: localDeliveryAdapters(options.dataDir, log),
    senders: localMessageSenders(options.dataDir),
    log,
    clock: services.context.clock,
    within: (id, work) => correlation.run(id, work),
  });
  const abort = new AbortController();
  let stopped = false;

  async function pollOnce(): Promise<void> {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        WaitTimeSeconds: 1,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['correlationId'],
      }),
      { abortSignal: abort.signal },
    );
    if (Messages.length === 0) return;
    const records = Messages.map((m) => ({
      messageId: m.MessageId!,
      body: m.Body ?? '',
      correlationId: m.MessageAttributes?.correlationId?.StringValue,
    }));
    const { failed } = await deliver(records);
    const done = Messages.filter((m) => !failed.includes(m.MessageId!));
    if (done.length) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
  }

  const poller = (async () => {
    while (!stopped) {
      try {
        await pollOnce();
      } catch (error) {
        if (stopped) break;
        log.warn('notification poller error; retrying', { error: (error as Error).message });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  })();

  let sweeping: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    sweeping = sweeping
      .then(() => services.sweeper.runOnce(options.sweepIntervalMs))
      .catch((error) => log.warn('sweeper error', { error: (error as Error).message }));
  }, options.sweepIntervalMs);

  const reporter = options.stream && reporterPoller(services, { ...options.stream, log }).start();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      abort.abort();
      await Promise.all([poller, sweeping, reporter?.stop()]);
    },
  };
}
