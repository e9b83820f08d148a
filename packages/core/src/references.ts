/**
 * Public case references: what a customer is given to follow a case up (the web receipt, the status page, an email
 * subject). Random, so one cannot be guessed from another (case ids, C-YYYY-NNNNNN, count up and stay staff-side);
 * Crockford base32, so they read out on the phone without 0/O or 1/I/L confusion; and checked, so a mistyped one is
 * refused without a lookup. 8 random symbols (40 bits) and a check symbol: `7KQ2-M9XD-T`.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_SYMBOLS = 8;
/** Crockford's check: the value modulo 37 (a prime, so every single substitution and adjacent swap changes it). */
const CHECK_MODULUS = 37;

const checkValue = (digits: readonly number[]) => digits.reduce((sum, d) => (sum * 32 + d) % CHECK_MODULUS, 0);
const format = (symbols: string) => `${symbols.slice(0, 4)}-${symbols.slice(4, 8)}-${symbols.slice(8)}`;

/**
 * A new reference. Crockford's check symbols 32–36 are punctuation (*~$=U); a draw whose check would need one is
 * drawn again (about one in seven), so every symbol of every reference is a letter or a digit.
 */
export function newPublicReference(random: (n: number) => Uint8Array = randomBytes): string {
  for (;;) {
    const digits = Array.from(random(RANDOM_SYMBOLS), (b) => b & 31);
    const check = checkValue(digits);
    if (check < 32) return format([...digits, check].map((d) => ALPHABET[d]).join(''));
  }
}

const randomBytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));

/** Crockford's reading rules: any case, O is 0, I and L are 1, hyphens and spaces ignored. */
const symbolValue = (c: string) => ALPHABET.indexOf(c === 'O' ? '0' : c === 'I' || c === 'L' ? '1' : c);

/** The canonical reference a person typed (any case, with or without hyphens), or undefined when it is not one. */
export function parsePublicReference(input: string): string | undefined {
  if (input.length > 40) return undefined;
  const symbols = input.normalize('NFKC').toUpperCase().replace(/[\s-]/g, '');
  if (symbols.length !== RANDOM_SYMBOLS + 1) return undefined;
  const values = [...symbols].map(symbolValue);
  if (values.some((v) => v < 0)) return undefined;
  const data = values.slice(0, RANDOM_SYMBOLS);
  if (checkValue(data) !== values[RANDOM_SYMBOLS]) return undefined;
  return format(values.map((v) => ALPHABET[v]).join(''));
}

/** Every reference-shaped token in a text (an email subject), canonical, in order. */
export function publicReferencesIn(text: string): string[] {
  const tokens = text.slice(0, 2000).match(/\b[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]\b/g) ?? [];
  return [...new Set(tokens.map(parsePublicReference).filter((r): r is string => !!r))];
}
