import { describe, it, expect } from 'vitest';
import { ValidationError } from '@cc/core';
import { identityKey, normaliseEmail, normalisePhone, tryNormaliseEmail, tryNormalisePhone } from './identity';

describe('normalisePhone', () => {
  it.each([
    ['+86 138 0000 0001', '+8613800000001'],
    ['13800000001', '+8613800000001'],
    ['138-0000-0001', '+8613800000001'],
    ['+1 415 555 2671', '+14155552671'],
    ['+44 20 7946 0018', '+442079460018'],
  ])('normalises %s to %s', (raw, expected) => {
    expect(normalisePhone(raw)).toBe(expected);
  });

  it('uses the default country for national numbers', () => {
    expect(normalisePhone('(415) 555-2671', 'US')).toBe('+14155552671');
  });

  it.each(['', '   ', 'hello', '123', '+86 123', '+1 000 000 0000'])('rejects %j', (raw) => {
    let error: unknown;
    try {
      normalisePhone(raw);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('identity.phone_invalid');
    expect(tryNormalisePhone(raw)).toBeNull();
  });
});

describe('normaliseEmail', () => {
  it('trims and lower-cases', () => {
    expect(normaliseEmail('  Li.Wei@Example.COM ')).toBe('li.wei@example.com');
    expect(tryNormaliseEmail('a+tag@mail.example.cn')).toBe('a+tag@mail.example.cn');
  });

  it.each([
    '',
    'plain',
    '@example.com',
    'a@',
    'a@b',
    'a@@b.com',
    'a@b@c.com',
    'a b@c.com',
    'a@b..com',
    'a@.com',
    'a@b.',
  ])('rejects %j', (raw) => {
    expect(tryNormaliseEmail(raw)).toBeNull();
    expect(() => normaliseEmail(raw)).toThrow(expect.objectContaining({ code: 'identity.email_invalid' }));
  });
});

describe('identityKey', () => {
  it('normalises by kind', () => {
    expect(identityKey('phone', '138 0000 0001')).toBe('+8613800000001');
    expect(identityKey('email', 'X@Y.ORG')).toBe('x@y.org');
  });
  it('throws for invalid values', () => {
    expect(() => identityKey('phone', 'nope')).toThrow(ValidationError);
  });
});
