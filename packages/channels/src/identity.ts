import { parsePhoneNumberFromString, type CountryCode, type MetadataJson } from 'libphonenumber-js/core';
import { ValidationError } from '@cc/core';
import plans from './phone-metadata.json';

/** Every country's numbering plan, without the formats the app never prints with (phone-metadata.ts). */
const metadata = plans as unknown as MetadataJson;

export type IdentityKind = 'phone' | 'email';

/** Returns the number in E.164 form, or throws `identity.phone_invalid`. */
export function normalisePhone(raw: string, defaultCountry: CountryCode = 'CN'): string {
  const e164 = tryNormalisePhone(raw, defaultCountry);
  if (e164 === null) {
    throw new ValidationError(
      'Not a valid phone number',
      [{ path: 'phone', message: 'Not a valid phone number' }],
      'identity.phone_invalid',
    );
  }
  return e164;
}

export function tryNormalisePhone(raw: string, defaultCountry: CountryCode = 'CN'): string | null {
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultCountry, metadata);
  return parsed && parsed.isValid() ? parsed.number : null;
}

// Deliberately shape-only: one @, non-empty local part, dotted domain without empty labels.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** Returns the address trimmed and lower-cased, or throws `identity.email_invalid`. */
export function normaliseEmail(raw: string): string {
  const email = tryNormaliseEmail(raw);
  if (email === null) {
    throw new ValidationError(
      'Not a valid email address',
      [{ path: 'email', message: 'Not a valid email address' }],
      'identity.email_invalid',
    );
  }
  return email;
}

export function tryNormaliseEmail(raw: string): string | null {
  if (typeof raw !== 'string') return null;
  const email = raw.trim().toLowerCase();
  return EMAIL_SHAPE.test(email) ? email : null;
}

/** The value under which a customer identity is stored and looked up. */
export function identityKey(kind: IdentityKind, value: string): string {
  return kind === 'phone' ? normalisePhone(value) : normaliseEmail(value);
}
