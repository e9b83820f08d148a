import { AsyncLocalStorage } from 'node:async_hooks';

/** When the current unit of work (an HTTP request, a sweep, a queue batch) must be done, in epoch milliseconds. */
const current = new AsyncLocalStorage<number>();

/**
 * Runs `work` within a deadline `ms` from now: every DynamoDB and SQS call made inside it (however deep) gets at
 * most the time left, and none starts once it is spent (see budgetedClientConfig). A nested deadline never extends
 * the one around it.
 */
export function withDeadline<T>(ms: number, work: () => Promise<T>): Promise<T> {
  const outer = current.getStore();
  const at = Math.min(Date.now() + ms, outer ?? Number.POSITIVE_INFINITY);
  return current.run(at, work);
}

/** Milliseconds left in the current unit of work; undefined outside any. */
export function timeLeftMs(): number | undefined {
  const at = current.getStore();
  return at === undefined ? undefined : at - Date.now();
}

/** A call the deadline left no time for. Not retried by the SDK; the store reports it as a dependency failure. */
export class DeadlineExceededError extends Error {
  override name = 'DeadlineExceededError';
  constructor() {
    super('The time budget of this unit of work is spent; the call was not started');
  }
}
