import { describe, expect, it } from 'vitest';
import {
  addDays,
  DailyReportQuery,
  dayCount,
  daysBetween,
  durationStep,
  localDay,
  percentile,
  percentileOf,
  previousMonth,
} from './reports';

describe('report days', () => {
  it.each([
    ['2026-11-23T15:59:59Z', 'Asia/Shanghai', '2026-11-23'],
    ['2026-11-23T16:00:00Z', 'Asia/Shanghai', '2026-11-24'],
    ['2026-11-23T16:00:00Z', 'UTC', '2026-11-23'],
    ['2026-03-01T02:00:00Z', 'America/New_York', '2026-02-28'],
  ])('%s in %s is %s', (at, zone, day) => {
    expect(localDay(at, zone)).toBe(day);
  });

  it('lists days across a month end, and steps months back across a year', () => {
    expect(daysBetween('2026-02-27', '2026-03-02')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    expect(previousMonth('2026-01')).toBe('2025-12');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
  });

  it('counts the days of a range without listing them', () => {
    expect(dayCount('2026-02-27', '2026-03-02')).toBe(4);
    expect(dayCount('2026-03-02', '2026-03-02')).toBe(1);
    expect(dayCount('2026-03-02', '2026-03-01')).toBe(0);
    expect(dayCount('0001-01-01', '9999-12-31')).toBe(3_652_059);
  });

  it.each([
    [{ from: '2025-01-01', to: '2025-12-31' }, true, undefined],
    [{ from: '2024-01-01', to: '2024-12-31' }, true, undefined], // a leap year: 366 days
    [{ from: '2025-01-01', to: '2026-01-01' }, true, undefined],
    [{ from: '2025-01-01', to: '2026-01-02' }, false, 'to'],
    [{ from: '2000-01-01', to: '2100-12-31' }, false, 'to'], // the widest the date fields allow, counted not listed
    [{ from: '2026-03-02', to: '2026-03-01' }, false, 'from'],
    [{ from: '2026-02-30', to: '2026-03-01' }, false, 'from'],
  ])('a report range %o is accepted: %s (else the issue is on %s)', (query, ok, field) => {
    const parsed = DailyReportQuery.safeParse(query);
    expect(parsed.success).toBe(ok);
    if (!ok) expect(parsed.error?.issues.map((i) => i.path[0])).toEqual([field]);
  });
});

describe('durations and percentiles', () => {
  it.each([
    [0, 0],
    [120, 120],
    [123, 120],
    [1_439, 1_435],
    [1_500, 1_500],
    [1_559, 1_500],
    [50_000, 48_960],
  ])('%i minutes count as %i', (minutes, step) => {
    expect(durationStep(minutes)).toBe(step);
  });

  it('nearest rank: the lower middle for an even count, the value at ⌈0.9·n⌉ for p90', () => {
    expect(percentile([120, 330], 0.5)).toBe(120);
    expect(percentile([120, 330], 0.9)).toBe(330);
    expect(percentile([5, 1, 3, 2, 4, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(
      percentileOf(
        new Map([
          [10, 3],
          [20, 1],
        ]),
        0.5,
      ),
    ).toBe(10);
    expect(percentile([], 0.5)).toBeNull();
  });
});
