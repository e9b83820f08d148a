import * as z from 'zod/mini';
import { en } from 'zod/locales';

/**
 * The field schemas every input schema is built from, so a rule about hostile text, numbers or dates is written
 * once. DynamoDB keys are at most 2 KB (sort keys 1 KB) and identifiers end up in keys, hence the short limits.
 *
 * Schemas are built with `zod/mini` (functions instead of methods, so a bundle carries only what it uses) and
 * zod is imported as a namespace. Unlike classic zod, mini loads no messages: the English ones, which problem
 * responses expose (`Too big: expected string to have <=80 characters`), are loaded here, with the fields.
 */
z.config(en());

/**
 * `schema.meta(...)` of classic zod: a copy of the schema carrying documentation (description, example, an `id`
 * that makes it a component of the OpenAPI document), so the original stays undocumented where it is reused.
 */
export function withMeta<T extends z.ZodMiniType>(schema: T, meta: z.core.GlobalMeta): T {
  const documented = schema.clone();
  z.globalRegistry.add(documented, meta);
  return documented;
}

/** C0 and C1 controls, DEL, and the line/paragraph separators: never in a single-line field (header injection). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** Controls other than tab, CR and LF: never in free text either. */
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
/** Bidirectional embeddings, overrides and isolates: they make text read differently from what it is. */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;
/** What renders as nothing: format characters, separators, controls, and the blank letters of Hangul and Braille. */
const INVISIBLE = /[\p{Cf}\p{Z}\p{Cc}\p{Mn}\p{Me}\u115f\u1160\u3164\uffa0\u2800]/gu;

export const hasControlCharacters = (s: string) => CONTROL.test(s);
export const hasBidiControls = (s: string) => BIDI_CONTROL.test(s);
/** True when something visible (a letter or a digit) is left once invisible characters are removed. */
export const hasVisibleText = (s: string) => /[\p{L}\p{N}]/u.test(s.replace(INVISIBLE, ''));

/** Text from a channel (an email subject) made fit for a single-line field: controls become spaces, bidi goes. */
export const asSingleLine = (s: string) =>
  s.replace(new RegExp(CONTROL, 'g'), ' ').replace(new RegExp(BIDI_CONTROL, 'g'), '').trim();
/** Text without the controls (other than tab and newlines) and bidi controls that free text may not hold. */
export const withoutControls = (s: string) =>
  s.replace(new RegExp(CONTROL_IN_TEXT, 'g'), '').replace(new RegExp(BIDI_CONTROL, 'g'), '');
/** Text from a channel made fit for a free-text field: controls other than tab and newlines go, bidi goes. */
export const asText = (s: string) => withoutControls(s).trim();

/** Free text of at most `max` characters: a longer one is cut, never inside a character, and says how long it was. */
export function clipText(s: string, max: number): string {
  if (s.length <= max) return s;
  const note = `\n\n[cut: the message was ${s.length.toLocaleString('en-US')} characters long]`;
  let end = max - note.length;
  if (/[\udc00-\udfff]/.test(s[end] ?? '')) end--;
  return s.slice(0, end).trimEnd() + note;
}

/** One line of text (titles, subjects, categories): trimmed, no control or bidirectional control characters. */
export const singleLineText = (max: number, min = 1) =>
  z.string().check(
    z.trim(),
    z.minLength(min),
    z.maxLength(max),
    z.refine((s) => !hasControlCharacters(s), 'must be one line without control characters'),
    z.refine((s) => !hasBidiControls(s), 'must not contain bidirectional control characters'),
  );

/** Free text (descriptions, notes): line breaks and tabs allowed, other control characters refused. */
export const multiLineText = (max: number, min = 1) =>
  z.string().check(
    z.trim(),
    z.minLength(min),
    z.maxLength(max),
    z.refine((s) => !CONTROL_IN_TEXT.test(s), 'must not contain control characters'),
    z.refine((s) => !hasBidiControls(s), 'must not contain bidirectional control characters'),
  );

/** A person's or a company's name: one line, and something in it must be visible. */
export const personName = (max = 200) =>
  singleLineText(max).check(z.refine((s) => s === '' || hasVisibleText(s), 'must contain a visible letter or digit'));

/** Ids of users, customers, cases, branches...: short, ASCII, safe in a key and in a URL. */
export const identifier = (max = 80) =>
  z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(max),
      z.regex(/^[A-Za-z0-9][A-Za-z0-9._:@+-]*$/, 'letters, digits and . _ : @ + - only'),
    );

/**
 * A customer number as the bank prints it. NFKC first, so a full-width copy (ＤＥＭＯ－０００１) is the same number
 * and cannot be registered twice.
 */
export const customerNumber = z
  .string()
  .check(
    z.normalize('NFKC'),
    z.trim(),
    z.minLength(1),
    z.maxLength(40),
    z.regex(/^[\p{L}\p{N}][\p{L}\p{N}._/-]*$/u, 'letters, digits and . _ / - only'),
  );

/** Emails and phones as people type them; services normalise them (NFKC, E.164, lower case) before any lookup. */
export const emailInput = singleLineText(254, 3);
export const phoneInput = singleLineText(40, 3);

/** A list of at most `max` items (ids, tags, contact points): a bound on what one request may write. */
export const listOf = <T extends z.ZodMiniType>(item: T, max: number) => z.array(item).check(z.maxLength(max));

/** Whole numbers JavaScript and DynamoDB both hold exactly. */
export const safeInteger = (min: number, max: number) => z.number().check(z.int(), z.gte(min), z.lte(max));

/** A whole number sent as text (a query parameter, an environment variable): converted, then checked. */
export const integerText = (min: number, max?: number) =>
  z.coerce.number().check(z.int(), z.gte(min), ...(max === undefined ? [] : [z.lte(max)]));

/**
 * An amount in major units with at most two decimals, checked as a whole number of minor units (cents) and
 * returned rounded to the cent, so 1e-300 or 0.1 + 0.2 never reaches the store as it was sent.
 */
export const amount = (min: number, max: number) =>
  z.pipe(
    z.number().check(
      z.gte(min),
      z.lte(max),
      z.refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, 'at most two decimals'),
    ),
    z.transform((n) => Math.round(n * 100) / 100),
  );

/** The years a date given by a person may fall in; anything else is a typo or a probe (year 0001 or 9999). */
export const PLAUSIBLE_YEARS = { from: 2000, to: 2100 } as const;
const plausibleYear = (iso: string) => {
  const year = Number(iso.slice(0, 4));
  return year >= PLAUSIBLE_YEARS.from && year <= PLAUSIBLE_YEARS.to;
};

const existingDate = (s: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)) && new Date(s).toISOString().slice(0, 10) === s;

/** A calendar date, YYYY-MM-DD, that exists (no 2026-02-30) and falls in the plausible years. */
export const isoDate = z.string().check(
  z.refine(existingDate, 'use an existing date as YYYY-MM-DD'),
  z.refine((s) => !existingDate(s) || plausibleYear(s), `a year from ${PLAUSIBLE_YEARS.from} to ${PLAUSIBLE_YEARS.to}`),
);

/** An instant with its offset, in the plausible years (services narrow it further where they know more). */
export const isoDateTime = z.iso.datetime({ offset: true }).check(
  z.refine(
    // Refinements run on a value the format already refused too: such a value is that check's to report.
    (s) => Number.isNaN(Date.parse(s)) || plausibleYear(new Date(s).toISOString()),
    `a year from ${PLAUSIBLE_YEARS.from} to ${PLAUSIBLE_YEARS.to}`,
  ),
);

/** How far ahead of our clock a client's clock may run. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Issues for an instant that must lie in the retention window: not before the records it would join expire, not
 * after now (plus clock skew). Such an instant moves the record's expiry with it, so year 0001 or 9999 must not pass.
 */
export function outsideRetention(
  at: string,
  now: Date,
  retentionDays: number,
  path: string,
): { path: string; message: string }[] {
  const time = Date.parse(at);
  if (time > now.getTime() + CLOCK_SKEW_MS) return [{ path, message: 'in the future' }];
  if (time < now.getTime() - retentionDays * 86_400_000)
    return [{ path, message: `more than ${retentionDays} days ago (the retention period)` }];
  return [];
}
