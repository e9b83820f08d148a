import type { Logger } from '@cc/core';

/**
 * Where the notification queue is, and how to get it back when it disappears (an emulator restarted empty).
 * The publisher and the local poller share one locator, so a recovery by either serves both.
 */
export interface QueueLocator {
  url(): string;
  /** Re-resolves (or recreates) the queue; concurrent callers share one attempt. Rejects when that fails. */
  recover(): Promise<string>;
}

/** SQS says the queue named by the URL does not exist. */
export const isQueueMissing = (error: unknown): boolean => {
  const { name, Code } = (error ?? {}) as { name?: string; Code?: string };
  return name === 'QueueDoesNotExist' || Code === 'AWS.SimpleQueueService.NonExistentQueue';
};

/**
 * `resolve` finds or recreates the queue and answers its URL: locally the runtime's `ensureQueues`. Without one
 * (AWS: the stack owns the queue and its URL never changes) recovery just keeps the URL it has.
 */
export function queueLocator(initialUrl: string, resolve?: () => Promise<string>, log?: Logger): QueueLocator {
  let url = initialUrl;
  let recovering: Promise<string> | undefined;
  return {
    url: () => url,
    recover() {
      if (!resolve) return Promise.resolve(url);
      recovering ??= resolve()
        .then((found) => {
          if (found !== url) log?.info('notification queue re-resolved', { queueUrl: found });
          else log?.info('notification queue recreated', { queueUrl: found });
          url = found;
          return found;
        })
        .finally(() => {
          recovering = undefined;
        });
      return recovering;
    },
  };
}
