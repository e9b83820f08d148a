import * as z from 'zod/mini';
import { identifier, isoDate, withMeta, integerText } from './fields';

/** A branch without a time zone of its own reports its days in this one. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar date (YYYY-MM-DD) an instant falls on in a time zone: the day a branch counts it on. */
export function localDay(at: string | number | Date, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, format);
  }
  return format.format(new Date(at));
}

/** YYYY-MM of a YYYY-MM-DD. */
export const monthOf = (day: string) => day.slice(0, 7);

const DAY_MS = 86_400_000;

/** Every date from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS)
    days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** How many days from `from` to `to`, both included (0 when `to` is earlier): counted, not listed. */
export const dayCount = (from: string, to: string) =>
  Math.max(0, Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1);

/** The calendar date `by` days after (or, negative, before) a YYYY-MM-DD. */
export const addDays = (day: string, by: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + by * DAY_MS).toISOString().slice(0, 10);

/** The month before a YYYY-MM, and the one after. */
export const previousMonth = (month: string) => shiftMonth(month, -1);
export const nextMonth = (month: string) => shiftMonth(month, 1);
function shiftMonth(month: string, by: number): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(year, m - 1 + by, 1));
  return d.toISOString().slice(0, 7);
}

/**
 * The step a duration (whole minutes) is counted in, so an aggregate item holds a bounded number of distinct values
 * however busy the branch: to the minute up to 2 hours, to 5 minutes up to a day, to the hour up to 30 days, to the
 * day beyond. A duration counts as the start of its step.
 */
export function durationStep(minutes: number): number {
  if (minutes <= 120) return minutes;
  if (minutes <= 1_440) return Math.floor(minutes / 5) * 5;
  if (minutes <= 43_200) return Math.floor(minutes / 60) * 60;
  return Math.floor(minutes / 1_440) * 1_440;
}

/**
 * Nearest-rank percentile (p in 0..1) of a distribution given as value → how many times it occurs: the
 * smallest value with at least ⌈p·n⌉ occurrences at or below it. The median is p = 0.5 (the lower middle
 * for an even count). Null when empty.
 */
export function percentileOf(counts: ReadonlyMap<number, number>, p: number): number | null {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const value of [...counts.keys()].sort((a, b) => a - b)) {
    seen += counts.get(value)!;
    if (seen >= rank) return value;
  }
  return null;
}

/** The same rank rule over plain values (what a recount from base items computes). */
export function percentile(values: readonly number[], p: number): number | null {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return percentileOf(counts, p);
}

/** The longest range of days a report answers. */
export const MAX_REPORT_DAYS = 366;
const month = z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'use YYYY-MM'));
const branchId = z.optional(identifier(40));

/** A range of days, both ends included, at most a year. */
const dayRange = z.object({ from: isoDate, to: isoDate, branchId }).check(
  z.refine((q) => q.from <= q.to, { message: 'must not be after `to`', path: ['from'] }),
  z.refine((q) => dayCount(q.from, q.to) <= MAX_REPORT_DAYS, {
    message: `at most ${MAX_REPORT_DAYS} days`,
    path: ['to'],
  }),
);

export const DailyReportQuery = dayRange;
export type DailyReportQuery = z.infer<typeof DailyReportQuery>;
export const PipelineReportQuery = dayRange;
export type PipelineReportQuery = z.infer<typeof PipelineReportQuery>;
export const ManagerReportQuery = z.object({ month, branchId });
export type ManagerReportQuery = z.infer<typeof ManagerReportQuery>;
export const CustomerReportQuery = z.object({
  branchId,
  months: withMeta(z._default(integerText(1, 24), 12), {
    description: 'The window, in whole months up to this one, for complaints and contact-guard breaches',
  }),
});
export type CustomerReportQuery = z.infer<typeof CustomerReportQuery>;
