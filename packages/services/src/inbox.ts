import { NotFoundError, type Caller } from '@cc/core';
import { inboxRepository, type InboxItem } from '@cc/store';
import type { ServiceContext } from './context';

/** Read-all moves at most this many per request; the answer says whether more remain. */
const READ_ALL_MAX = 1000;

/** The caller's home-page reminders: unread first, newest first. */
export function inboxService(ctx: ServiceContext) {
  const inbox = inboxRepository(ctx.store);

  const list = (
    caller: Caller,
    unreadOnly: boolean,
    startKey: Record<string, unknown> | undefined,
    limit: number,
  ): Promise<{ items: InboxItem[]; lastKey?: Record<string, unknown> }> =>
    inbox.list(caller.userId, startKey, limit, unreadOnly);

  /** Marking an item read twice is harmless; an item that is not the caller's is not found. */
  async function markRead(caller: Caller, notificationId: string): Promise<void> {
    const moved = await inbox.markRead(caller.userId, notificationId, ctx.clock());
    if (!moved && !(await inbox.exists(caller.userId, notificationId))) {
      throw new NotFoundError('notification', notificationId);
    }
  }

  async function markAllRead(caller: Caller): Promise<{ marked: number; more: boolean }> {
    const now = ctx.clock();
    let marked = 0;
    // Each pass re-reads the head of the unread range, which shrinks as items move to the read range.
    for (;;) {
      const page = await inbox.list(caller.userId, undefined, 100, true);
      if (page.items.length === 0) return { marked, more: false };
      if (marked >= READ_ALL_MAX) return { marked, more: true };
      const results = await Promise.all(page.items.map((item) => inbox.markRead(caller.userId, item.id, now)));
      marked += results.filter(Boolean).length;
      if (!results.some(Boolean)) return { marked, more: false };
    }
  }

  return { list, markRead, markAllRead };
}

export type InboxService = ReturnType<typeof inboxService>;
