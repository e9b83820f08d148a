import { idempotencyClaim, type IdempotencyClaim } from '@cc/store';

/** A client's Idempotency-Key is honoured for a day. */
const KEEP_SECONDS = 24 * 60 * 60;

/** The claim for a creating request that sent an Idempotency-Key, scoped to who is asking and what. */
export const requestClaim = (scope: string, key: string, request: unknown, now: Date): IdempotencyClaim =>
  idempotencyClaim(scope, key, request, now, KEEP_SECONDS);
