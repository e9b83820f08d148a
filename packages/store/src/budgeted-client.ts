import type { SdkBudget } from '@cc/core/budgets';
import { AdaptiveRetryStrategy, StandardRetryStrategy } from '@smithy/core/retry';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions, StandardRetryBackoffStrategy } from '@smithy/types';
import { DeadlineExceededError, timeLeftMs } from './deadline';

/** An attempt that would get less than this before the deadline is not started: it could only time out. */
const MIN_ATTEMPT_MS = 50;

/**
 * "Full jitter" (AWS Architecture Blog, Exponential Backoff and Jitter): the wait before retry n is uniform in
 * [0, min(cap, base × 2^n)]. The SDK sets the base (larger for throttling); the cap is the budget's.
 */
export function fullJitterBackoff(capMs: number): StandardRetryBackoffStrategy {
  let baseMs = 50;
  return {
    computeNextBackoffDelay: (retries: number) => Math.floor(Math.random() * Math.min(capMs, baseMs * 2 ** retries)),
    setDelayBase: (ms: number) => {
      baseMs = ms;
    },
  };
}

/**
 * The Node HTTP handler, held to the current deadline (withDeadline): each attempt's request timeout is the
 * budget's or the time left, whichever is shorter, and no attempt starts once the time is spent.
 */
class DeadlineBoundHandler extends NodeHttpHandler {
  constructor(private readonly budget: SdkBudget) {
    super({
      connectionTimeout: budget.connectTimeoutMs,
      requestTimeout: budget.requestTimeoutMs,
      // Without it the SDK only logs a request that overran its requestTimeout.
      throwOnRequestTimeout: true,
    });
  }

  override handle(request: Parameters<NodeHttpHandler['handle']>[0], options: HttpHandlerOptions = {}) {
    const left = timeLeftMs();
    if (left !== undefined && left < MIN_ATTEMPT_MS) return Promise.reject(new DeadlineExceededError());
    const wanted = options.requestTimeout ?? this.budget.requestTimeoutMs;
    return super.handle(request, { ...options, requestTimeout: Math.min(wanted, left ?? wanted) });
  }
}

/**
 * What an AWS SDK client needs to keep to its budget (@cc/core/budgets): connection and request timeouts per
 * attempt, at most `maxAttempts` attempts, full-jitter backoff capped at `backoffCapMs`, and the current
 * deadline. `adaptive` adds the SDK's client-side rate limiting after throttling: right for background work
 * that should slow down, not for a request that must answer within its deadline.
 */
export function budgetedClientConfig(budget: SdkBudget, options: { adaptive?: boolean } = {}) {
  const retry = { maxAttempts: budget.maxAttempts, backoff: fullJitterBackoff(budget.backoffCapMs) };
  return {
    maxAttempts: budget.maxAttempts,
    retryStrategy: options.adaptive
      ? new AdaptiveRetryStrategy(budget.maxAttempts, retry)
      : new StandardRetryStrategy(retry),
    requestHandler: new DeadlineBoundHandler(budget),
  };
}
