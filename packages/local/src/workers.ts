import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { Logger } from '@cc/core';
import { budgets } from '@cc/core/budgets';
import {
  isQueueMissing,
  localDeliveryAdapters,
  localMessageSenders,
  notificationDeliverer,
  queueLocator,
  type QueueLocator,
} from '@cc/messaging';
import { correlation, withDeadline, type Services } from '@cc/services';
import { reporterPoller } from './stream-poller';

export type WorkerOptions = {
  sqs: SQSClient;
  dataDir: string;
  sweepIntervalMs: number;
  log: Logger;
  /** The table's stream, for the reporter; absent: no report aggregates or archive. */
  stream?: { streams: DynamoDBStreamsClient; streamArn: string };
} & (
  | {
      /** The notification queue, shared with the publisher: one that disappears is recreated through it. */
      queue: QueueLocator;
    }
  | { queueUrl: string }
);

/** Long-poll wait of one receive; the call may take that plus a second before it counts as stalled. */
const WAIT_SECONDS = 1;
const RECEIVE_TIMEOUT_MS = WAIT_SECONDS * 1000 + 1000;
const RETRY_PAUSE_MS = 1000;

/**
 * In-process stand-ins for the notifier (SQS consumer), the scheduled sweeper and the reporter (stream
 * consumer), running the same cores as functions/notifier.ts, sweeper.ts and reporter.ts. Like Lambda, only
 * successes are deleted; failures come back after the visibility timeout and end in the DLQ after maxReceiveCount.
 */
export function startWorkers(
  services: Pick<Services, 'sweeper' | 'context' | 'reporter'>,
  options: WorkerOptions,
): { stop(): Promise<void> } {
  const { sqs, log } = options;
  const queue = 'queue' in options ? options.queue : queueLocator(options.queueUrl);
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
        QueueUrl: queue.url(),
        WaitTimeSeconds: WAIT_SECONDS,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['correlationId'],
      }),
      { abortSignal: abort.signal, requestTimeout: RECEIVE_TIMEOUT_MS },
    );
    if (Messages.length === 0) return;
    const records = Messages.map((m) => ({
      messageId: m.MessageId!,
      body: m.Body ?? '',
      correlationId: m.MessageAttributes?.correlationId?.StringValue,
    }));
    const { failed } = await withDeadline(budgets.notifier.deadlineMs, () => deliver(records));
    const done = Messages.filter((m) => !failed.includes(m.MessageId!));
    if (done.length) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.url(),
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
        // The queue went away (the emulator restarted empty): get it back, then poll again at once.
        if (
          isQueueMissing(error) &&
          (await queue.recover().then(
            () => true,
            () => false,
          ))
        )
          continue;
        log.warn('notification poller error; retrying', { error: (error as Error).message });
        await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
      }
    }
  })();

  let sweeping: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    sweeping = sweeping
      .then(() => withDeadline(budgets.sweeper.deadlineMs, () => services.sweeper.runOnce(options.sweepIntervalMs)))
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
