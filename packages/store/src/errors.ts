import { ConflictError, DependencyUnavailableError } from '@cc/core';

interface CancellationReason {
  Code?: string;
}

/**
 * For a cancelled TransactWriteItems, the reason codes in the order the items were sent,
 * so callers can tell which condition failed ("None" for the items that were fine).
 */
export function cancellationCodes(error: unknown): string[] | undefined {
  if (error && typeof error === 'object' && (error as { name?: string }).name === 'TransactionCanceledException') {
    const reasons = (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
    return reasons.map((r) => r.Code ?? 'None');
  }
  return undefined;
}

export const isConditionalCheckFailed = (error: unknown): boolean =>
  !!error && typeof error === 'object' && (error as { name?: string }).name === 'ConditionalCheckFailedException';

const transientNames = new Set([
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ThrottlingException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'DeadlineExceededError',
]);

const transientCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * The dependency, not the request, failed: throttled or timed out after the retry budget, unreachable, a 5xx,
 * or no time left before the deadline. The client may retry later (503 with Retry-After).
 */
export function isDependencyFailure(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { name, code, $metadata } = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  return (
    (!!name && transientNames.has(name)) ||
    (!!code && transientCodes.has(code)) ||
    ($metadata?.httpStatusCode ?? 0) >= 500
  );
}

/** SDK errors that are not the caller's fault become DependencyUnavailable; others pass through. */
export function translateStoreError(error: unknown): unknown {
  if (error instanceof ConflictError || error instanceof DependencyUnavailableError) return error;
  if (isDependencyFailure(error)) return new DependencyUnavailableError('DynamoDB', error);
  const name = (error as { name?: string } | undefined)?.name;
  if (name === 'TransactionConflictException' || cancellationCodes(error)?.includes('TransactionConflict')) {
    return new ConflictError('store.concurrent_write', 'Another request changed the same data; retry');
  }
  return error;
}
