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
]);

/** SDK errors that are not the caller's fault become DependencyUnavailable; others pass through. */
export function translateStoreError(error: unknown): unknown {
  if (error instanceof ConflictError) return error;
  const name = (error as { name?: string; code?: string })?.name;
  const code = (error as { code?: string })?.code;
  if ((name && transientNames.has(name)) || code === 'ECONNREFUSED' || code === 'ECONNRESET') {
    return new DependencyUnavailableError('DynamoDB', error);
  }
  if (name === 'TransactionConflictException' || cancellationCodes(error)?.includes('TransactionConflict')) {
    return new ConflictError('store.concurrent_write', 'Another request changed the same data; retry');
  }
  return error;
}
