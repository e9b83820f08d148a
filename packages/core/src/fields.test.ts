import { describe, expect, it } from 'vitest';
import { clipText } from './fields';

describe('clipText', () => {
  it('keeps text within the limit as it is', () => {
    expect(clipText('short', 10)).toBe('short');
    expect(clipText('x'.repeat(100), 100)).toBe('x'.repeat(100));
  });

  it('cuts longer text to the limit, saying how long it was', () => {
    const cut = clipText('word '.repeat(2_000), 200);
    expect(cut.length).toBeLessThanOrEqual(200);
    expect(cut.startsWith('word word')).toBe(true);
    expect(cut.endsWith('\n\n[cut: the message was 10,000 characters long]')).toBe(true);
  });

  it('never cuts inside a character written as two UTF-16 units', () => {
    for (let max = 60; max < 70; max++) {
      const cut = clipText('😀'.repeat(100), max);
      expect(cut.length).toBeLessThanOrEqual(max);
      // A lone surrogate would not survive a round trip through UTF-8.
      expect(Buffer.from(cut, 'utf8').toString('utf8')).toBe(cut);
    }
  });
});
