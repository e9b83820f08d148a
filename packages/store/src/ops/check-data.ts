/**
 * The data check behind `npm run check-data`: an operator's tool, never called on a request path, so it may
 * read the whole table with a Scan. It verifies the invariants the design relies on (./invariants.ts) and, asked
 * to, repairs what can be derived from the table, one small conditional transaction per fix.
 */
import { ConflictError } from '@cc/core';
import type { StoreContext } from '../client';
import { transact, TransactionRefused } from '../transact';
import { invariants, type Violation } from './invariants';
import { readSnapshot } from './snapshot';

export { invariants, type Invariant, type Violation } from './invariants';

export interface InvariantReport {
  name: string;
  description: string;
  checked: number;
  /** Violations seen by two consecutive reads of the table (after repairs: what is left). */
  violations: Violation[];
  repaired: number;
}

export interface DataCheck {
  scanned: number;
  reports: InvariantReport[];
  ok: boolean;
}

/**
 * An invariant of data the store keeps for a layer above it (report aggregates): it reads what it needs itself
 * and is checked after the store's own. It reports; its repairs, if any, are that layer's tool.
 */
export interface DerivedInvariant {
  name: string;
  description: string;
  check(now: Date): Promise<{ checked: number; violations: Violation[] }>;
}

export interface CheckDataOptions {
  /** How long a notification or follow-up may stay pending before the sweeper should have done it. */
  graceMs: number;
  repair?: boolean;
  now?: () => Date;
  /** Checked too, after the store's invariants. */
  derived?: DerivedInvariant[];
}

async function evaluate(store: StoreContext, now: Date, options: CheckDataOptions) {
  const snapshot = await readSnapshot(store);
  const reports = invariants.map((invariant) => ({
    name: invariant.name,
    description: invariant.description,
    ...invariant.check(snapshot, { store, now, graceMs: options.graceMs }),
    repaired: 0,
  }));
  for (const invariant of options.derived ?? [])
    reports.push({
      name: invariant.name,
      description: invariant.description,
      ...(await invariant.check(now)),
      repaired: 0,
    });
  return { scanned: snapshot.scanned, reports };
}

/**
 * Evaluates every invariant. A scan is no snapshot, so a write that lands while it reads can look like a
 * violation: only what a second read confirms is reported (or repaired).
 */
async function confirmed(store: StoreContext, now: () => Date, options: CheckDataOptions) {
  const first = await evaluate(store, now(), options);
  if (!first.reports.some((r) => r.violations.length)) return first;
  const again = await evaluate(store, now(), options);
  return {
    scanned: again.scanned,
    reports: again.reports.map((r, i) => {
      const seen = new Set(first.reports[i]!.violations.map((v) => v.key));
      return { ...r, violations: r.violations.filter((v) => seen.has(v.key)) };
    }),
  };
}

/** Checks every invariant; with `repair`, fixes what it can, then checks again and reports what is left. */
export async function checkData(store: StoreContext, options: CheckDataOptions): Promise<DataCheck> {
  const now = options.now ?? (() => new Date());
  let result = await confirmed(store, now, options);
  if (options.repair && result.reports.some((r) => r.violations.some((v) => v.repair))) {
    const repaired: number[] = [];
    for (const report of result.reports) {
      let count = 0;
      for (const violation of report.violations.filter((v) => v.repair)) {
        try {
          await transact(store, violation.repair!);
          count++;
        } catch (error) {
          // Changed since it was read: the check that follows says whether it still needs repair.
          if (!(error instanceof TransactionRefused || error instanceof ConflictError)) throw error;
        }
      }
      repaired.push(count);
    }
    const after = await confirmed(store, now, options);
    result = { ...after, reports: after.reports.map((r, i) => ({ ...r, repaired: repaired[i]! })) };
  }
  return { ...result, ok: result.reports.every((r) => r.violations.length === 0) };
}
