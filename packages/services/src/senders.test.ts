import { describe, expect, it } from 'vitest';
import { normaliseEmailSender, normaliseSender } from './senders';

describe('sender normalisers', () => {
  it('take phones and emails as their identities are kept', () => {
    expect(normaliseSender('phone', '139 1234 5678')).toBe('+8613912345678');
    expect(normaliseSender('email', ' Wang.Wei@Example.CN ')).toBe('wang.wei@example.cn');
    expect(normaliseSender('phone', 'not a number')).toBeNull();
  });

  it("the email function's take addresses the same way, and refuse to be asked for a phone", () => {
    expect(normaliseEmailSender('email', ' Wang.Wei@Example.CN ')).toBe(
      normaliseSender('email', 'wang.wei@example.cn'),
    );
    expect(normaliseEmailSender('email', 'no-at-sign')).toBeNull();
    expect(() => normaliseEmailSender('phone', '139 1234 5678')).toThrow(/email senders only/);
  });
});
