import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AppDeps } from '@cc/api';
import { localDeliveryAdapters, notificationDeliverer } from '@cc/messaging';
import { sweepOnce } from '@cc/api';

export interface WorkerOptions {
  queueUrl: string;
  dataDir: string;
  sweepIntervalMs: number;
}

/**
 * In-process stand-ins for the notifier (SQS consumer) and the scheduled sweeper, running the same
 * cores as functions/notifier.ts and functions/sweeper.ts. Like Lambda, only successes are deleted;
 * failures come back after the visibility timeout and end in the DLQ after maxReceiveCount.
 */
export function startWorkers(deps: AppDeps & { sqs: SQSClient }, options: WorkerOptions): { stop(): Promise<void> } {
  const deliver = notificationDeliverer({
    store: deps.store,
    adapters: localDeliveryAdapters(options.dataDir, deps.log),
    log: deps.log,
    clock: deps.clock,
  });
  const abort = new AbortController();
  let stopped = false;

  async function pollOnce(): Promise<void> {
    const { Messages = [] } = await deps.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: options.queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }),
      { abortSignal: abort.signal },
    );
    if (Messages.length === 0) return;
    const { failed } = await deliver(Messages.map((m) => ({ messageId: m.MessageId!, body: m.Body ?? '' })));
    const done = Messages.filter((m) => !failed.includes(m.MessageId!));
    if (done.length) {
      await deps.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
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
        deps.log.warn('notification poller error; retrying', { error: (error as Error).message });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  })();

  let sweeping: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    sweeping = sweeping
      .then(() => sweepOnce(deps, options.sweepIntervalMs))
      .catch((error) => deps.log.warn('sweeper error', { error: (error as Error).message }));
  }, options.sweepIntervalMs);

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      abort.abort();
      await Promise.all([poller, sweeping]);
    },
  };
}
