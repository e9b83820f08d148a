import { createHash, createHmac } from 'node:crypto';
import { simpleParser, type AddressObject, type HeaderLines, type Headers } from 'mailparser';
import { ValidationError } from '@cc/core';
import { tryNormaliseEmail } from './identity';
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

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

export interface EmailAttachment {
  filename: string;
  contentType: string;
  size: number;
  content: Buffer;
}

export interface RejectedAttachment {
  filename: string;
  size: number;
  reason: 'too_large' | 'too_many';
}

export interface InboundEmail {
  /** Message-ID without angle brackets, or `sha256:<hex of raw bytes>` when the message has none. */
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  from: { address: string; name: string };
  replyTo: string | null;
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string | null;
  /** ISO 8601, or null when the Date header is missing or unparseable. */
  date: string | null;
  autoSubmitted: boolean;
  isBounce: boolean;
  attachments: EmailAttachment[];
  rejectedAttachments: RejectedAttachment[];
}

export interface ParseInboundEmailOptions {
  maxAttachmentBytes: number;
  maxAttachments: number;
}

export async function parseInboundEmail(raw: Buffer, opts: ParseInboundEmailOptions): Promise<InboundEmail> {
  // keepCidLinks: otherwise inline images are inlined into `html` as data: URLs, bypassing the size limits.
  const mail = await simpleParser(raw, { keepCidLinks: true });

  const fromAddress = addresses(mail.from)[0];
  const from = fromAddress ? tryNormaliseEmail(fromAddress.address) : null;
  if (!fromAddress || from === null) {
    throw new ValidationError('The email has no valid From address', [{ path: 'from', message: 'A valid From address is required' }], 'email.from_invalid');
  }

  const attachments: EmailAttachment[] = [];
  const rejectedAttachments: RejectedAttachment[] = [];
  mail.attachments.forEach((a, i) => {
    const filename = a.filename || `attachment-${i + 1}`;
    const size = a.content.length;
    if (size > opts.maxAttachmentBytes) {
      rejectedAttachments.push({ filename, size, reason: 'too_large' });
    } else if (attachments.length >= opts.maxAttachments) {
      rejectedAttachments.push({ filename, size, reason: 'too_many' });
    } else {
      attachments.push({ filename, contentType: a.contentType, size, content: a.content });
    }
  });

  const references = ([] as string[]).concat(mail.references ?? []).map(stripAngles).filter((r) => r !== '');
  const contentType = mail.headers.get('content-type');

  return {
    messageId: stripAngles(mail.messageId ?? '') || `sha256:${createHash('sha256').update(raw).digest('hex')}`,
    inReplyTo: firstMessageId(mail.inReplyTo),
    references,
    from: { address: from, name: fromAddress.name },
    replyTo: addresses(mail.replyTo).map((a) => tryNormaliseEmail(a.address)).find((a) => a !== null) ?? null,
    to: normalisedAddresses(mail.to),
    cc: normalisedAddresses(mail.cc),
    subject: mail.subject ?? '',
    text: mail.text ?? '',
    html: typeof mail.html === 'string' ? mail.html : null,
    date: headerDate(mail.headerLines),
    autoSubmitted: isAutoSubmitted(mail.headers),
    isBounce: isBounce(from, contentType),
    attachments,
    rejectedAttachments,
  };
}

function addresses(header: AddressObject | AddressObject[] | undefined): { address: string; name: string }[] {
  const out: { address: string; name: string }[] = [];
  const visit = (entries: { name: string; address?: string; group?: typeof entries }[]) => {
    for (const e of entries) {
      if (e.group) visit(e.group);
      else if (e.address) out.push({ address: e.address, name: e.name });
    }
  };
  for (const obj of ([] as AddressObject[]).concat(header ?? [])) visit(obj.value);
  return out;
}

function normalisedAddresses(header: AddressObject | AddressObject[] | undefined): string[] {
  return addresses(header)
    .map((a) => tryNormaliseEmail(a.address))
    .filter((a): a is string => a !== null);
}

function stripAngles(id: string): string {
  return id.trim().replace(/^<+/, '').replace(/>+$/, '').trim();
}

function firstMessageId(value: string | undefined): string | null {
  if (!value) return null;
  const bracketed = /<([^<>\s]+)>/.exec(value);
  const id = bracketed ? bracketed[1]! : stripAngles(value.split(/\s+/)[0] ?? '');
  return id || null;
}

// mailparser substitutes "now" for an unparseable Date, which would misdate the message; read the raw line.
function headerDate(lines: HeaderLines): string | null {
  const line = lines.find((l) => l.key === 'date')?.line;
  if (!line) return null;
  const date = new Date(line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim());
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function headerText(headers: Headers, name: string): string | null {
  const value = headers.get(name);
  if (typeof value === 'string') return value.trim();
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0].trim();
  return null;
}

/** RFC 3834 Auto-Submitted plus the de-facto Precedence and X-Autoreply/X-Autorespond markers. */
function isAutoSubmitted(headers: Headers): boolean {
  const autoSubmitted = headerText(headers, 'auto-submitted');
  if (autoSubmitted !== null && autoSubmitted.toLowerCase() !== 'no') return true;
  const precedence = headerText(headers, 'precedence')?.toLowerCase();
  if (precedence === 'bulk' || precedence === 'junk' || precedence === 'auto_reply') return true;
  return headers.has('x-autoreply') || headers.has('x-autorespond');
}

function isBounce(fromAddress: string, contentType: unknown): boolean {
  const local = fromAddress.slice(0, fromAddress.lastIndexOf('@'));
  if (local === 'mailer-daemon' || local === 'postmaster') return true;
  if (contentType && typeof contentType === 'object' && 'value' in contentType && 'params' in contentType) {
    const { value, params } = contentType as { value: string; params: Record<string, string> };
    return value.toLowerCase() === 'multipart/report' && params['report-type']?.toLowerCase() === 'delivery-status';
  }
  return false;
}

// ---------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------

/** The first `C-YYYY-NNNNNN` reference in a subject line, e.g. "Re: [C-2026-000123] card blocked". */
export function extractCaseReference(subject: string): string | null {
  return /\bC-\d{4}-\d{6}\b/.exec(subject)?.[0] ?? null;
}

const REPLY_HEADER_LINES = [
  /^On\s.+\swrote:\s*$/, // Gmail, Apple Mail, Thunderbird
  /^-{2,}\s*Original Message\s*-{2,}\s*$/i, // Outlook
  /^在.+写道[:：]\s*$/, // Chinese-locale clients
];

/** Best effort: drops the quoted history under a reply header, or a trailing block of `>` lines. */
export function stripQuotedReply(text: string): string {
  const lines = text.split(/\r?\n/);
  const header = lines.findIndex((l) => REPLY_HEADER_LINES.some((re) => re.test(l.trim())));
  let end = header >= 0 ? header : lines.length;
  while (end > 0 && (lines[end - 1]!.trim() === '' || lines[end - 1]!.trimStart().startsWith('>'))) end--;
  return lines.slice(0, end).join('\n').trimEnd();
}
