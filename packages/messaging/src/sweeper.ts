import type { Logger } from '@cc/core';
import { deliveryIdOf, notificationRepository, type StoreContext } from '@cc/store';
import type { MessagePublisher } from './publisher';

export interface SweeperDeps {
  store: StoreContext;
  publisher: MessagePublisher;
  log: Logger;
  clock: () => Date;
}

/**
 * Re-publishes notifications that are still not delivered `graceMs` after they were written:
 * a publish that failed (queue down), or a delivery that never finished. Re-publishing is safe
 * because the notifier delivers each notification id once.
 */
export async function republishUndelivered(
  deps: SweeperDeps,
  options: { graceMs: number; limit?: number },
): Promise<{ republished: number; failed: number }> {
  const olderThan = new Date(deps.clock().getTime() - options.graceMs);
  const pending = await notificationRepository(deps.store).listUndelivered(olderThan, options.limit ?? 500);
  if (pending.length === 0) return { republished: 0, failed: 0 };
  const { sent, failed } = await deps.publisher.publish(
    pending.map((r) => ({ id: deliveryIdOf(r), body: { notificationId: deliveryIdOf(r) } })),
  );
  if (failed.length)
    deps.log.warn('sweeper could not re-publish notifications; next sweep retries', { count: failed.length });
  if (sent.length) deps.log.info('sweeper re-published undelivered notifications', { count: sent.length });
  return { republished: sent.length, failed: failed.length };
}
