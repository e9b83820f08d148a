import { describe, expect, it } from 'vitest';
import { maskPii } from './log';

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
