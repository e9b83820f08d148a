import { describe, expect, it } from 'vitest';
import { maskPii, repeatedWarningFilter } from './log';

describe('maskPii', () => {
  it('masks emails and phone numbers but leaves timestamps readable', () => {
    const line = maskPii(
      '{"time":"2026-11-23T09:32:34.139Z","from":"+8613800000001","email":"demo1@example.com","alt":"138 0000 0001"}',
    );
    expect(line).toContain('2026-11-23T09:32:34.139Z');
    expect(line).not.toContain('13800000001');
    expect(line).not.toContain('demo1@');
    expect(line).toContain('d***@example.com');
    expect(line).not.toContain('138 0000 0001');
  });
});

describe('repeatedWarningFilter', () => {
  it('passes the first of identical warnings, holds the rest for a window, then reports how many it held', () => {
    let now = 0;
    const filter = repeatedWarningFilter(60_000, () => now);
    const passed: unknown[] = [];
    for (let second = 0; second < 150; second++) {
      now = second * 1000;
      const fields = filter('queue down', { error: 'connect ECONNREFUSED' });
      if (fields) passed.push(fields);
    }
    expect(passed).toEqual([
      { error: 'connect ECONNREFUSED' },
      { error: 'connect ECONNREFUSED', repeated: 59 },
      { error: 'connect ECONNREFUSED', repeated: 59 },
    ]);
  });

  it('treats warnings with other fields as different', () => {
    const filter = repeatedWarningFilter(60_000, () => 0);
    expect(filter('failed', { id: 'a' })).toEqual({ id: 'a' });
    expect(filter('failed', { id: 'b' })).toEqual({ id: 'b' });
    expect(filter('failed', { id: 'a' })).toBeUndefined();
  });
});

describe('createLogger', () => {
  it('writes one JSON line per event, masking PII in strings but never breaking numbers', async () => {
    const { vi } = await import('vitest');
    const { createLogger } = await import('./log');
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => lines.push(String(chunk)) > 0);
    const log = createLogger({
      stage: 'prod',
      now: () => new Date(1_764_000_000_123),
      context: () => ({ requestId: 'r1' }),
    });
    log.info('sent', { to: '+8613800000001', count: 12345678 });
    log.metric('CasesOpened', 2, { channel: 'sms' });
    spy.mockRestore();
    const [info, metric] = lines.map((l) => JSON.parse(l));
    expect(info).toMatchObject({ message: 'sent', to: '***01', count: 12345678, requestId: 'r1' });
    expect(metric).toEqual({
      _aws: {
        Timestamp: 1_764_000_000_123,
        CloudWatchMetrics: [
          {
            Namespace: 'ContactCenter',
            Dimensions: [['Stage'], ['Stage', 'Channel']],
            Metrics: [{ Name: 'CasesOpened', Unit: 'Count' }],
          },
        ],
      },
      Stage: 'prod',
      Channel: 'sms',
      CasesOpened: 2,
      requestId: 'r1',
    });
  });
});
