import { createHash } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, DependencyUnavailableError, DomainError, IdempotencyMismatchError } from '@cc/core';
import type { StoreContext } from './client';
import { keys } from './keys';
import { putNew, TransactionRefused, type LabelledItem } from './transact';

/** A creating request that may be retried: the same (scope, key) must give the same answer. */
export interface IdempotencyClaim {
  scope: string;
  key: string;
  /** Hash of what the request asked for; a replay with another fingerprint is refused (422). */
  fingerprint: string;
  expiresAt: number;
}

export interface StoredResponse<B = unknown> {
  status: number;
  body: B;
}

/** A claim on (scope, key) for a request, kept `keepSeconds` after `now`. */
export const idempotencyClaim = (
  scope: string,
  key: string,
  request: unknown,
  now: Date,
  keepSeconds: number,
): IdempotencyClaim => ({
  scope,
  key,
  fingerprint: fingerprintOf(request),
  expiresAt: Math.floor(now.getTime() / 1000) + keepSeconds,
});

export const fingerprintOf = (...parts: unknown[]) =>
  createHash('sha256').update(JSON.stringify(parts)).digest('base64url');

export const IDEMPOTENCY_LABEL = 'idempotency';
/** Attempts of one write that keeps meeting concurrent writers (the deadline usually ends it sooner). */
const MAX_ATTEMPTS = 8;
const BACKOFF_BASE_MS = 10;
const BACKOFF_CAP_MS = 250;

const isConcurrentWrite = (error: unknown) => error instanceof ConflictError && error.code === 'store.concurrent_write';

/** A refusal the state could explain (not an outage): a concurrent duplicate may have changed that state. */
const mayBeTheWinnersWork = (error: unknown) =>
  error instanceof DomainError && !(error instanceof DependencyUnavailableError);

/**
 * Runs `attempt` again, after a full-jitter pause, while it meets a concurrent writer (a transaction conflict, or
 * a retryable condition such as the next case number being taken). `attempt` must read what it writes afresh
 * each time; nothing of a refused attempt was written.
 */
export async function retryConcurrentWrites<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isConcurrentWrite(error) || tries >= MAX_ATTEMPTS) throw error;
      const pause = Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** tries);
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

export const isDuplicateClaim = (error: unknown) =>
  error instanceof TransactionRefused && error.failedLabels.includes(IDEMPOTENCY_LABEL);

/** Builds the idempotency record for the response a request is about to commit. */
export type RecordFor<B> = (response: StoredResponse<B>) => LabelledItem[];

export interface OnceOptions {
  /**
   * Look for a stored answer before attempting: for work that is expensive, has effects outside its
   * transaction, or would now be refused (a retry of a conversion that succeeded must replay, not 409).
   */
  replayFirst?: boolean;
}

/**
 * The one idempotency mechanism. Runs `attempt`, which must put `recordFor(itsResponse)` in the same
 * transaction as its own writes, so the record and the data exist together or not at all. A repeat of the
 * same request returns the stored response; concurrent repeats race on the record's condition and all but
 * one replay. An attempt that meets a concurrent writer is run again (claim or not). Repositories that
 * translate TransactionRefused must rethrow it when `isDuplicateClaim` holds.
 */
export async function withIdempotency<B>(
  ctx: StoreContext,
  claim: IdempotencyClaim | undefined,
  attempt: (recordFor: RecordFor<B>) => Promise<StoredResponse<B>>,
  options: OnceOptions = {},
): Promise<{ response: StoredResponse<B>; replayed: boolean }> {
  if (!claim) return { response: await retryConcurrentWrites(() => attempt(() => [])), replayed: false };
  if (options.replayFirst) {
    const stored = await findStoredResponse<B>(ctx, claim);
    if (stored) return { response: stored, replayed: true };
  }
  const recordFor: RecordFor<B> = (response) => [
    putNew(ctx, IDEMPOTENCY_LABEL, {
      ...keys.idempotency(claim.scope, claim.key),
      entity: 'idempotency',
      fingerprint: claim.fingerprint,
      response,
      expiresAt: claim.expiresAt,
    }),
  ];
  return retryConcurrentWrites(async () => {
    try {
      return { response: await attempt(recordFor), replayed: false };
    } catch (error) {
      if (isDuplicateClaim(error)) return { response: await storedResponse<B>(ctx, claim), replayed: true };
      if (mayBeTheWinnersWork(error)) {
        // Often a duplicate that met the winner's transaction in flight, or read what the winner had just changed
        // (a converted inquiry, a decided request): the winner's answer may be stored by now, and it is this one's.
        const stored = await findStoredResponse<B>(ctx, claim);
        if (stored) return { response: stored, replayed: true };
      }
      throw error;
    }
  });
}

/** Looks up an earlier answer for the claim before doing expensive work (e.g. parsing a large email). */
export async function findStoredResponse<B>(
  ctx: StoreContext,
  claim: IdempotencyClaim,
): Promise<StoredResponse<B> | undefined> {
  const { Item } = await ctx.doc.send(
    new GetCommand({ TableName: ctx.tableName, Key: keys.idempotency(claim.scope, claim.key), ConsistentRead: true }),
  );
  if (!Item) return undefined;
  if (Item.fingerprint !== claim.fingerprint) throw new IdempotencyMismatchError();
  return Item.response as StoredResponse<B>;
}

async function storedResponse<B>(ctx: StoreContext, claim: IdempotencyClaim): Promise<StoredResponse<B>> {
  const found = await findStoredResponse<B>(ctx, claim);
  if (!found) throw new ConflictError('idempotency.conflict', 'The idempotency record vanished; retry the request');
  return found;
}
