import type { MiddlewareHandler } from 'hono';
import type { Logger } from '@cc/core';
import { withDeadline } from '@cc/services';
import { dependencyUnavailable } from './problems';

/**
 * Store and queue calls must be done this long before the answer is due, so that what the client hears is their
 * outcome (a committed write, or a 503 for one that was not made) rather than the backstop below.
 */
const CALLS_END_BEFORE_MS = 500;
/** The backstop answers this long before the deadline, leaving time to write the response. */
const ANSWER_BEFORE_MS = 100;

/**
 * Every request answers within `deadlineMs`: its DynamoDB and SQS calls get at most the time left (withDeadline),
 * and should anything else stall, the request is answered 503 `dependency.unavailable` with Retry-After anyway.
 */
export const answerWithin =
  (deadlineMs: number, log: Logger): MiddlewareHandler =>
  async (c, next) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), deadlineMs - ANSWER_BEFORE_MS);
    });
    const work = withDeadline(deadlineMs - CALLS_END_BEFORE_MS, () => next()).then(() => 'done' as const);
    const outcome = await Promise.race([work, late]).finally(() => clearTimeout(timer));
    if (outcome === 'late') {
      work.catch(() => undefined);
      log.warn('request overran its deadline; answered 503', { method: c.req.method, path: c.req.path });
      c.res = dependencyUnavailable(c, 'The request could not be completed in time; try again shortly');
    }
  };
