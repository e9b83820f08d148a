/** A turn that is never ended (a bug, a lost promise) is ended after this, so the year's numbering never stops. */
const TURN_LIMIT_MS = 15_000;

export interface NumberTurn {
  /** The number to take: the next after the counter as read, or after the last this process committed. */
  sequence: number;
  /** Ends the turn once the transaction that takes the number has committed (true) or failed (false). */
  end(committed: boolean): void;
}

/**
 * Case references are gapless per year: a case takes the next number in its own transaction, on the condition
 * that the counter still holds the one before (caseSequenceItem). Concurrent creations in one process would only
 * refuse each other, so here they take turns, one at a time per year, from choosing the number until its
 * transaction has committed or failed. The number this process last committed is remembered, so the counter read
 * made before the turn came (alongside the customer's) needs no second round trip. Other processes (Lambda
 * instances) still race; the loser's attempt is run again with a fresh read (retryConcurrentWrites).
 */
export function caseNumbering() {
  const queues = new Map<number, Promise<void>>();
  const lastCommitted = new Map<number, number>();

  async function take(year: number, lastRead: number): Promise<NumberTurn> {
    const before = queues.get(year) ?? Promise.resolve();
    let finished!: () => void;
    const mine = new Promise<void>((resolve) => (finished = resolve));
    const queue = before.then(() => mine);
    queues.set(year, queue);
    await before;
    const sequence = Math.max(lastRead, lastCommitted.get(year) ?? 0) + 1;
    let open = true;
    const end = (committed: boolean) => {
      if (!open) return;
      open = false;
      clearTimeout(limit);
      if (committed) lastCommitted.set(year, Math.max(sequence, lastCommitted.get(year) ?? 0));
      if (queues.get(year) === queue) queues.delete(year);
      finished();
    };
    const limit = setTimeout(() => end(false), TURN_LIMIT_MS);
    limit.unref();
    return { sequence, end };
  }

  return { take };
}
