import { createHmac } from 'node:crypto';
import { safeEqual } from './safe-equal';

// ---------------------------------------------------------------------------
// Webhook signature: header `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>`
// ---------------------------------------------------------------------------

/** The hex HMAC-SHA256 of `${timestamp}.` followed by the raw body bytes. */
export function signEmailWebhook(secret: string, timestamp: number, body: Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest('hex');
}

/** The complete signature header value a sender attaches: `t=<timestamp>,v1=<hex>`. */
export function emailSignatureHeader(secret: string, timestamp: number, body: Buffer): string {
  return `t=${timestamp},v1=${signEmailWebhook(secret, timestamp, body)}`;
}

/**
 * Accepts the request when any `v1` matches (several may be sent while a secret is rotated)
 * and the timestamp is within `toleranceSeconds` of now, in either direction.
 */
export function verifyEmailWebhook(
  secret: string,
  headerValue: string | undefined,
  body: Buffer,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const parsed = parseSignatureHeader(headerValue);
  if (!parsed) return false;
  if (Math.abs(nowSeconds - parsed.timestamp) > toleranceSeconds) return false;
  const expected = signEmailWebhook(secret, parsed.timestamp, body);
  // Compare against every candidate so timing does not reveal which one matched.
  return parsed.signatures.map((sig) => safeEqual(expected, sig)).includes(true);
}

function parseSignatureHeader(header: string | undefined): { timestamp: number; signatures: string[] } | null {
  if (!header) return null;
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== null || !/^\d{1,12}$/.test(value)) return null;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/.test(value)) return null;
      signatures.push(value);
    }
    // Unknown keys (future scheme versions) are ignored.
  }
  return timestamp !== null && signatures.length > 0 ? { timestamp, signatures } : null;
}
