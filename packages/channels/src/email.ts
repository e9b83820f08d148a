import { createHash } from 'node:crypto';
import PostalMime, {
  type Address,
  type Attachment,
  type Email,
  type Header,
  type HeaderLine,
  type Mailbox,
} from 'postal-mime';
import { ValidationError } from '@cc/core';
import { useMailTextDecoder } from './charsets/text-decoder';
import { htmlToText } from './html-text';
import { tryNormaliseEmail } from './identity';

// Webhook signature: kept apart (no parser) so the API can verify without loading it.
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
  const mail = await parsed(raw);

  const fromAddress = mailboxes(mail.from)[0];
  const from = fromAddress ? tryNormaliseEmail(fromAddress.address) : null;
  if (!fromAddress || from === null) {
    throw new ValidationError(
      'The email has no valid From address',
      [{ path: 'from', message: 'A valid From address is required' }],
      'email.from_invalid',
    );
  }

  // A delivery report's status part is read as text (which recipient failed, and why), not kept as a file.
  const reports = mail.attachments.filter((a) => DELIVERY_STATUS.has(a.mimeType));
  const attachments: EmailAttachment[] = [];
  const rejectedAttachments: RejectedAttachment[] = [];
  mail.attachments
    .filter((a) => !DELIVERY_STATUS.has(a.mimeType))
    .forEach((a, i) => {
      const filename = a.filename || `attachment-${i + 1}`;
      const content = contentOf(a);
      const size = content.length;
      if (size > opts.maxAttachmentBytes) {
        rejectedAttachments.push({ filename, size, reason: 'too_large' });
      } else if (attachments.length >= opts.maxAttachments) {
        rejectedAttachments.push({ filename, size, reason: 'too_many' });
      } else {
        attachments.push({ filename, contentType: a.mimeType, size, content });
      }
    });

  const html = mail.html ?? null;
  const text = [mail.text ?? (html === null ? '' : htmlToText(html)), ...reports.map((r) => contentOf(r).toString())]
    .filter((part) => part !== '')
    .join('\n');

  return {
    messageId: stripAngles(mail.messageId ?? '') || `sha256:${createHash('sha256').update(raw).digest('hex')}`,
    inReplyTo: messageIdsIn(mail.inReplyTo)[0] ?? null,
    references: messageIdsIn(mail.references),
    from: { address: from, name: fromAddress.name },
    replyTo:
      mailboxes(mail.replyTo)
        .map((a) => tryNormaliseEmail(a.address))
        .find((a) => a !== null) ?? null,
    to: normalisedAddresses(mail.to),
    cc: normalisedAddresses(mail.cc),
    subject: mail.subject ?? '',
    text,
    html,
    date: headerDate(mail.headerLines),
    autoSubmitted: isAutoSubmitted(mail.headers),
    isBounce: isBounce(from, headerValue(mail.headers, 'content-type')),
    attachments,
    rejectedAttachments,
  };
}

/**
 * The parsed message, or `email.mime_invalid` (400 at the webhook) when postal-mime refuses it: MIME nested deeper
 * than 256 levels, more than 2 MiB of headers, or more lines than it reads in time (see MAX_SHORT_LINES). A forwarded
 * message (message/rfc822) is kept as an attachment unless it is marked inline, as mail programs show it.
 */
async function parsed(raw: Buffer): Promise<Email> {
  const refused = (reason: string) =>
    new ValidationError('The email could not be parsed', [{ path: 'message', message: reason }], 'email.mime_invalid');
  const lines = lineCount(raw);
  if (lines > Math.max(MAX_SHORT_LINES, raw.length / MIN_AVERAGE_LINE_BYTES)) {
    throw refused(`${lines} lines, most of them nearly empty`);
  }
  useMailTextDecoder(); // postal-mime decodes charsets with the global TextDecoder: see charsets/text-decoder.ts
  try {
    return await PostalMime.parse(raw, { rfc822Attachments: true });
  } catch (cause) {
    throw refused(cause instanceof Error ? cause.message : 'Not a MIME message');
  }
}

/**
 * postal-mime keeps each line of a part as a piece of a Blob, and Node 20 reads a Blob back at ~10 µs a piece however
 * short: 4 MB of bare line breaks took 44 s, far past the webhook's deadline and the email function's. Mail is read
 * up to this many lines, and beyond it only if its lines average MIN_AVERAGE_LINE_BYTES (base64 and quoted-printable
 * lines are 76 bytes, text paragraphs longer): the largest mail SES takes (40 MB) is then read in seconds.
 */
const MAX_SHORT_LINES = 250_000;
const MIN_AVERAGE_LINE_BYTES = 32;

function lineCount(raw: Buffer): number {
  let lines = 0;
  for (let at = raw.indexOf(0x0a); at >= 0; at = raw.indexOf(0x0a, at + 1)) lines++;
  return lines;
}

const DELIVERY_STATUS = new Set(['message/delivery-status', 'message/global-delivery-status']);

const contentOf = (a: Attachment): Buffer =>
  typeof a.content === 'string'
    ? Buffer.from(a.content, a.encoding === 'base64' ? 'base64' : 'utf8')
    : a.content instanceof ArrayBuffer
      ? Buffer.from(a.content)
      : Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength);

/** The mailboxes in an address header, group members included. */
function mailboxes(header: Address | Address[] | undefined): Mailbox[] {
  return ([] as Address[])
    .concat(header ?? [])
    .flatMap((a) => (a.group ? a.group : [a]))
    .filter((a) => a.address);
}

function normalisedAddresses(header: Address[] | undefined): string[] {
  return mailboxes(header)
    .map((a) => tryNormaliseEmail(a.address))
    .filter((a): a is string => a !== null);
}

function stripAngles(id: string): string {
  return id.trim().replace(/^<+/, '').replace(/>+$/, '').trim();
}

/** The ids in a Message-ID list header (In-Reply-To, References): those in <>, else the words, comments dropped. */
function messageIdsIn(value: string | undefined): string[] {
  if (!value) return [];
  const bracketed = [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!);
  if (bracketed.length) return bracketed;
  return value
    .replace(/\([^()]*\)/g, ' ')
    .split(/\s+/)
    .map(stripAngles)
    .filter((id) => id !== '');
}

// postal-mime passes an unparseable Date through as it is written; read the raw line so that the rule is ours.
function headerDate(lines: HeaderLine[]): string | null {
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

/** The first value of a header, trimmed, or null when the message has none. */
function headerValue(headers: Header[], name: string): string | null {
  return headers.find((h) => h.key === name)?.value.trim() ?? null;
}

/** RFC 3834 Auto-Submitted plus the de-facto Precedence and X-Autoreply/X-Autorespond markers. */
function isAutoSubmitted(headers: Header[]): boolean {
  const autoSubmitted = headerValue(headers, 'auto-submitted');
  if (autoSubmitted !== null && autoSubmitted.toLowerCase() !== 'no') return true;
  const precedence = headerValue(headers, 'precedence')?.toLowerCase();
  if (precedence === 'bulk' || precedence === 'junk' || precedence === 'auto_reply') return true;
  return headers.some((h) => h.key === 'x-autoreply' || h.key === 'x-autorespond');
}

function isBounce(fromAddress: string, contentType: string | null): boolean {
  const local = fromAddress.slice(0, fromAddress.lastIndexOf('@'));
  if (local === 'mailer-daemon' || local === 'postmaster') return true;
  if (!contentType) return false;
  const [type, ...params] = contentType.split(';');
  const reportType = params
    .map((p) => /^\s*report-type\s*=\s*"?([^"]*)"?\s*$/i.exec(p)?.[1])
    .find((v) => v !== undefined);
  return type!.trim().toLowerCase() === 'multipart/report' && reportType?.trim().toLowerCase() === 'delivery-status';
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
