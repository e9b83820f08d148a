import { timingSafeEqual } from 'node:crypto';

/** Constant-time string comparison; unequal lengths are rejected up front (length is not secret). */
export function safeEqual(expected: string, actual: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(actual, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
