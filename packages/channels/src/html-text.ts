import { withoutControls } from '@cc/core';
import { decodeEntities } from './html-entities';

/**
 * The text of an HTML email body, for mail that came without a text part: paragraphs and headings as blank-line
 * separated blocks, `<br>` and rows as line breaks, table cells separated by a tab, list items as ` * ` or ` 1. `,
 * quoted mail (`<blockquote>`) with `> ` in front of each line (so stripQuotedReply can drop it), links as
 * `text [https://...]`, character references decoded (html-entities.ts). Scripts, styles, titles and templates
 * are dropped, and so are control and bidirectional control characters (stored text has none, core fields.ts). It
 * only reads the markup, in one pass: nothing is run or fetched, and no input makes it slow. The text ends at
 * MAX_TEXT_LENGTH characters.
 */
export function htmlToText(html: string): string {
  const out = new TextWriter();
  const lists: { ordered: boolean; count: number; itemOpen: boolean }[] = [];
  /** Lists opened beyond MAX_LISTS: counted, not kept, so that no input makes the stack grow without bound. */
  let unkeptLists = 0;
  let link: { href: string; text: string } | null = null;
  let cells = 0;

  const closeItem = () => {
    const list = lists.at(-1);
    if (list?.itemOpen) {
      list.itemOpen = false;
      out.indents.pop();
    }
  };
  const closeLink = () => {
    const shown = link && shownHref(link.href, link.text.trim());
    if (shown) out.text(` [${shown}]`);
    link = null;
  };

  let i = 0;
  while (i < html.length && !out.full) {
    const lt = html.indexOf('<', i);
    const text = html.slice(i, lt < 0 ? html.length : lt);
    if (text) {
      const written = out.text(text);
      if (link) link.text += written;
    }
    if (lt < 0) break;
    const tag = readTag(html, lt);
    i = tag.end;
    if (!tag.name) continue;
    if (tag.name === '#text') {
      out.text('<');
      continue;
    }
    const { name, closing } = tag;

    if (!closing && SKIPPED.has(name)) {
      const end = new RegExp(`</${name}[\\s/>]`, 'gi');
      end.lastIndex = i;
      const found = end.exec(html);
      i = found ? readTag(html, found.index).end : html.length;
      continue;
    }
    if (name === 'br') out.lineBreak();
    else if (name === 'hr') {
      out.block(1);
      out.text('-----');
      out.block(1);
    } else if (name === 'img') {
      const alt = tag.attributes.get('alt')?.trim();
      if (alt) out.text(` ${alt} `);
    } else if (name === 'a') {
      closeLink();
      if (!closing) link = { href: tag.attributes.get('href')?.trim() ?? '', text: '' };
    } else if (name === 'ul' || name === 'ol') {
      if (closing && unkeptLists > 0) unkeptLists--;
      else if (closing) {
        closeItem();
        lists.pop();
      } else if (lists.length >= MAX_LISTS) unkeptLists++;
      else {
        out.block(lists.length ? 1 : 2);
        const start = Number(tag.attributes.get('start'));
        lists.push({ ordered: name === 'ol', count: Number.isInteger(start) ? start - 1 : 0, itemOpen: false });
      }
      // A list inside a list item is set off by a line, an outermost one by a blank line.
      if (closing) out.block(lists.length ? 1 : 2);
    } else if (name === 'li') {
      out.block(1);
      closeItem();
      if (!closing) {
        const list = lists.at(-1);
        const marker = list?.ordered ? ` ${++list.count}. ` : ' * ';
        if (list) {
          list.itemOpen = true;
          out.indents.push(' '.repeat(marker.length));
        }
        out.marker = marker;
      }
    } else if (name === 'blockquote') {
      out.block(2);
      out.quoteDepth = Math.max(0, out.quoteDepth + (closing ? -1 : 1));
    } else if (name === 'pre') {
      out.block(2);
      out.preDepth = Math.max(0, out.preDepth + (closing ? -1 : 1));
    } else if (name === 'tr') {
      out.block(1);
      cells = 0;
    } else if ((name === 'td' || name === 'th') && !closing) {
      if (cells++ > 0) out.cell();
    } else if (PARAGRAPHS.has(name)) out.block(2);
    else if (LINES.has(name)) out.block(1);
  }
  closeLink();
  return out.finish();
}

const MAX_LISTS = 100;

/**
 * Where the text ends: far more than anything keeps of a message (a case's description, 10,000 characters), and a
 * bound on what markup can make, which can be fifty times its own length (numbers of many digits on every list item).
 */
export const MAX_TEXT_LENGTH = 4_000_000;

/** Elements whose content is not text: skipped up to their end tag (to the end, as a browser does, if it has none). */
const SKIPPED = new Set(['script', 'style', 'title', 'template']);
const PARAGRAPHS = new Set([
  ...['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'dl', 'address', 'figure', 'form', 'fieldset'],
]);
const LINES = new Set([
  ...['div', 'dt', 'dd', 'article', 'aside', 'footer', 'header', 'section', 'nav', 'main', 'center', 'caption'],
  ...['details', 'summary', 'figcaption', 'body'],
]);

/** The link target worth printing after its text: web, mail and phone links that the text does not already say. */
function shownHref(href: string, text: string): string | null {
  if (!/^(https?:|mailto:|tel:)/i.test(href)) return null;
  const bare = href.replace(/^(mailto|tel):/i, '');
  return text === href || text === bare ? null : href;
}

interface Tag {
  /** Lower-case element name; '' for a comment, doctype or processing instruction; '#text' for a bare '<'. */
  name: string;
  closing: boolean;
  attributes: Map<string, string>;
  /** Index just past the tag. */
  end: number;
}

const ATTRIBUTE = /[\s/]*([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"?|'([^']*)'?|([^\s>]*)))?/y;

/** The markup starting at `html[start] === '<'`, read as an HTML tokenizer would (an unclosed tag runs to the end). */
function readTag(html: string, start: number): Tag {
  const none = (end: number): Tag => ({ name: '', closing: false, attributes: new Map(), end });
  if (html.startsWith('<!--', start)) {
    const close = html.indexOf('-->', start + 4);
    return none(close < 0 ? html.length : close + 3);
  }
  const next = html[start + 1] ?? '';
  if (next === '!' || next === '?') {
    const close = html.indexOf('>', start);
    return none(close < 0 ? html.length : close + 1);
  }
  const closing = next === '/';
  const nameMatch = /[A-Za-z][^\s/>]*/y;
  nameMatch.lastIndex = start + (closing ? 2 : 1);
  const name = nameMatch.exec(html)?.[0];
  if (!name && !closing) return { ...none(start + 1), name: '#text' };
  if (!name) {
    // `</` and no name: a bogus comment, up to the next '>'.
    const close = html.indexOf('>', start);
    return none(close < 0 ? html.length : close + 1);
  }

  const attributes = new Map<string, string>();
  let at = nameMatch.lastIndex;
  for (;;) {
    while (at < html.length && /[\s/]/.test(html[at]!)) at++;
    if (at >= html.length) return { name: name.toLowerCase(), closing, attributes, end: html.length };
    if (html[at] === '>') return { name: name.toLowerCase(), closing, attributes, end: at + 1 };
    ATTRIBUTE.lastIndex = at;
    const m = ATTRIBUTE.exec(html);
    if (!m) {
      at++; // a stray quote or '=' where a name should start
      continue;
    }
    const key = m[1]!.toLowerCase();
    if (!attributes.has(key)) attributes.set(key, decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
    at = ATTRIBUTE.lastIndex;
  }
}

/** Deeper quotes and lists are still marked, but no further indented: no input makes the output grow faster. */
const MAX_INDENT = 10;

/** Lines of text, with the breaks, quote marks and list indents the markup asks for. */
class TextWriter {
  quoteDepth = 0;
  preDepth = 0;
  /** One entry per open list item: the spaces its following lines are indented by. */
  indents: string[] = [];
  /** A list item's marker, written in front of its first line. */
  marker: string | null = null;
  private lines: string[] = [];
  private line: string | null = null;
  private breaks = 0;
  private gap = '';
  /** Characters in the lines ended so far, their line breaks included. */
  private written = 0;

  /** Enough text is written (MAX_TEXT_LENGTH). */
  get full(): boolean {
    return this.written + (this.line?.length ?? 0) >= MAX_TEXT_LENGTH;
  }

  /** Text as it appears in the markup: whitespace collapsed (except in <pre>), references decoded. */
  text(raw: string): string {
    if (this.preDepth > 0) {
      const decoded = decodeEntities(raw).split(/\r\n?|\n/);
      decoded.forEach((part, n) => {
        if (n > 0) this.lineBreak();
        this.write(part.replace(/\u00a0/g, ' '));
      });
      return decoded.join(' ');
    }
    const collapsed = raw.replace(/[\t\n\f\r ]+/g, ' ');
    const decoded = decodeEntities(collapsed).replace(/\u00a0/g, ' ');
    if (collapsed.startsWith(' ')) this.space();
    const content = decoded.trim();
    if (content) this.write(content);
    if (collapsed.length > 1 && collapsed.endsWith(' ')) this.space();
    return decoded;
  }

  /** Ends the current line here (<br>): two in a row leave a blank line (never more than one). */
  lineBreak(): void {
    if (this.line === null && this.lines.length === 0) return;
    if (this.line === null) this.breaks++;
    else this.endLine();
  }

  /** Starts a new line (1) or a new paragraph (2) before the next text, unless one is already started. */
  block(breaks: 1 | 2): void {
    if (this.line !== null) this.endLine();
    if (this.lines.length > 0) this.breaks = Math.max(this.breaks, breaks - 1);
  }

  cell(): void {
    if (this.line) this.gap = '\t';
  }

  finish(): string {
    if (this.line !== null) this.endLine();
    // Leading spaces are a list's indent: only blank lines are trimmed.
    const text = withoutControls(this.lines.join('\n').replace(/^\n+/, '')).slice(0, MAX_TEXT_LENGTH);
    return text.trimEnd();
  }

  private space(): void {
    if (this.line && !this.gap) this.gap = ' ';
  }

  private write(content: string): void {
    if (this.line === null) {
      const quote = '> '.repeat(Math.min(this.quoteDepth, MAX_INDENT));
      if (this.breaks > 0) this.lines.push(quote.trimEnd()); // one blank line at most
      this.breaks = 0;
      const indents = this.indents.slice(0, MAX_INDENT);
      if (this.marker !== null && indents.length > 0) indents[indents.length - 1] = this.marker;
      this.line = quote + indents.join('') + (this.marker !== null && this.indents.length === 0 ? this.marker : '');
      this.marker = null;
      this.gap = '';
    }
    this.line += this.gap + content;
    this.gap = '';
  }

  private endLine(): void {
    this.lines.push(this.line!.trimEnd());
    this.written += this.lines.at(-1)!.length + 1;
    this.line = null;
    this.gap = '';
  }
}
