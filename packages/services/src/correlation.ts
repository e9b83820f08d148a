import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The correlation id of the work in progress: set where work enters (an HTTP request, a queue message, a
 * stream record), read by the log (every line carries it), by the publisher (SQS messages carry it to the
 * notifier) and by the store (items written carry it to the stream consumer).
 */
const scope = new AsyncLocalStorage<string>();

/** An id safe to carry in logs, headers and items; anything else is replaced. */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const correlation = {
  run: <T>(id: string, work: () => T): T => scope.run(id, work),
  current: (): string | undefined => scope.getStore(),
  /** The given id when it is safe to carry, else undefined (the caller mints one). */
  accept: (id: string | undefined): string | undefined => (id && SAFE_ID.test(id) ? id : undefined),
  /** Log fields for the current work. */
  fields: (): Record<string, string> => {
    const id = scope.getStore();
    return id ? { correlationId: id } : {};
  },
};
