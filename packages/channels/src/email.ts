import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type HeaderLines, type Headers } from 'mailparser';
import { ValidationError } from '@cc/core';
import { tryNormaliseEmail } from './identity';

// Webhook signature: kept apart (no mailparser) so the API can verify without loading the parser.
export { emailSignatureHeader, signEmailWebhook, verifyEmailWebhook } from './email-signature';

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
    throw new ValidationError(
      'The email has no valid From address',
      [{ path: 'from', message: 'A valid From address is required' }],
      'email.from_invalid',
    );
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

  const references = ([] as string[])
    .concat(mail.references ?? [])
    .map(stripAngles)
    .filter((r) => r !== '');
  const contentType = mail.headers.get('content-type');

  return {
    messageId: stripAngles(mail.messageId ?? '') || `sha256:${createHash('sha256').update(raw).digest('hex')}`,
    inReplyTo: firstMessageId(mail.inReplyTo),
    references,
    from: { address: from, name: fromAddress.name },
    replyTo:
      addresses(mail.replyTo)
        .map((a) => tryNormaliseEmail(a.address))
        .find((a) => a !== null) ?? null,
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
  const date = new Date(
    line
      .slice(line.indexOf(':') + 1)
      .replace(/\r?\n[ \t]+/g, ' ')
      .trim(),
  );
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
