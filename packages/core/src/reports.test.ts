import { describe, expect, it } from 'vitest';
import { daysBetween, durationStep, localDay, percentile, percentileOf, previousMonth } from './reports';

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
