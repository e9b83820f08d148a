import { parsePhoneNumberFromString, type CountryCode, type MetadataJson } from 'libphonenumber-js/core';
import { hasBidiControls, hasControlCharacters, ValidationError } from '@cc/core';
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

/**
 * Text as a person may have typed it, folded before it becomes an identity: NFKC (full-width digits and letters,
 * compatibility forms), trimmed; null when it is too long to be one or hides control characters.
 */
function folded(raw: unknown, maxLength: number): string | null {
  if (typeof raw !== 'string' || raw.length > maxLength * 4) return null;
  const value = raw.normalize('NFKC').trim();
  return value !== '' && value.length <= maxLength && !hasControlCharacters(value) && !hasBidiControls(value)
    ? value
    : null;
}

export function tryNormalisePhone(raw: string, defaultCountry: CountryCode = 'CN'): string | null {
  const value = folded(raw, 40);
  if (value === null) return null;
  const parsed = parsePhoneNumberFromString(value, defaultCountry, metadata);
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
  const email = folded(raw, 254)?.toLowerCase();
  return email && EMAIL_SHAPE.test(email) ? email : null;
}

/** The value under which a customer identity is stored and looked up. */
export function identityKey(kind: IdentityKind, value: string): string {
  return kind === 'phone' ? normalisePhone(value) : normaliseEmail(value);
}
