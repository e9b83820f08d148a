/** Small, dependency-free statistics for latency samples (milliseconds). */

/** The p-th percentile (0..100) by linear interpolation between closest ranks; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 1) return sorted[0]!;
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export const median = (samples: readonly number[]) => percentile(samples, 50);

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
}

export function summarize(samples: readonly number[]): Summary {
  const mean = samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : Number.NaN;
  return { n: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99), mean };
}

export const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);

export const ms = (value: number, digits = 2) => (Number.isFinite(value) ? `${value.toFixed(digits)} ms` : 'n/a');
export const times = (value: number, digits = 2) => (Number.isFinite(value) ? `${value.toFixed(digits)}×` : 'n/a');
export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** A loop bound: stop at `maxCount` iterations or at `maxMs`, whichever comes first. */
export class Budget {
  private readonly started = performance.now();
  count = 0;
  constructor(
    readonly maxCount: number,
    readonly maxMs: number,
  ) {}
  /** True while another iteration is allowed; counts it. */
  next(): boolean {
    if (this.count >= this.maxCount || this.elapsedMs() >= this.maxMs) return false;
    this.count++;
    return true;
  }
  elapsedMs(): number {
    return performance.now() - this.started;
  }
  get timedOut(): boolean {
    return this.count < this.maxCount && this.elapsedMs() >= this.maxMs;
  }
}
