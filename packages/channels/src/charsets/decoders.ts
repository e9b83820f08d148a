import { Buffer } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
import { TextDecoder } from 'node:util';

/**
 * Decoders that give what iconv-lite 0.7 gives, byte for byte, without its tables (see iconv-compatible.ts).
 * - Multi-byte charsets (GBK, GB18030, Big5-HKSCS, Shift_JIS, EUC-JP, EUC-KR/UHC) walk iconv-lite's own
 *   sequence structure (which bytes start a sequence, how long it runs) and take each complete sequence's
 *   character from Node's ICU `TextDecoder`, except where ICU and iconv-lite disagree: those sequences are
 *   listed in tables.json (written by `npm run charset-tables` from iconv-lite itself). Invalid input
 *   therefore turns into U+FFFD exactly where iconv-lite puts one (one per byte it skips).
 * - Single-byte charsets map through their 256 characters, copied from iconv-lite (a few KB in all), so
 *   they do not depend on the quirks of Node's own windows-1252 / latin-1 fast paths.
 * - UTF-16 (with iconv-lite's byte-order guess), UTF-16LE/BE, latin-1 and UTF-8 as iconv-lite's
 *   internal codecs do them: Node's StringDecoder, the byte order mark dropped.
 */

/** A streaming decoder, as iconv-lite's getDecoder() returns. */
export interface TextChunkDecoder {
  write(bytes: Uint8Array): string;
  end(): string | undefined;
}

/** tables.json, one entry per charset iconv-lite names (aliases resolve to these). */
export type CharsetTable =
  | {
      kind: 'dbcs';
      icu: string;
      nodes: NodeRanges[];
      single: string;
      overrides: OverrideRuns;
      /** GB18030's four-byte sequences, computed from iconv-lite's ranges as iconv-lite does (no ICU). */
      fourByte?: FourByteRanges;
    }
  | { kind: 'sbcs'; chars: string }
  | { kind: 'internal'; encoding: 'utf8' | 'utf16le' | 'latin1'; bom: boolean }
  | { kind: 'utf16be' }
  | { kind: 'utf16' };

/** For one trie node, the byte ranges that continue a sequence: [from, to, child node] (every other byte ends it). */
export type NodeRanges = [number, number, number][];

/** The trie nodes whose digits (0x30-0x39) end a four-byte sequence, and iconv-lite's gb18030-ranges.json. */
export interface FourByteRanges {
  nodes: number[];
  gbChars: number[];
  uChars: number[];
}

/**
 * Where iconv-lite's character for a complete sequence differs from ICU's, keyed by the sequence's bytes read as a
 * big-endian integer. `runs` give one code point per key from `start` on (U+FFFF: iconv-lite has no character
 * there, the sequence is invalid); `other` lists the values that are not one code point (empty, or several).
 */
export interface OverrideRuns {
  runs: [start: number, chars: string][];
  other: [key: number, value: string][];
}

const INVALID = '\uffff';
const REPLACEMENT = '\ufffd';
const BOM = '\ufeff';

/** The character ICU gives for exactly these bytes as one sequence, or null when it gives none. */
export function icuSequence(decoder: TextDecoder, bytes: Uint8Array): string | null {
  try {
    const text = decoder.decode(bytes);
    return text === '' ? null : text;
  } catch {
    return null;
  }
}

export const sequenceKey = (bytes: ArrayLike<number>, start: number, end: number): number => {
  let key = 0;
  for (let i = start; i < end; i++) key = key * 256 + bytes[i]!;
  return key;
};

/** A multi-byte charset: its trie, its overrides, and the characters looked up so far (one container, many mails). */
class MultiByteCharset {
  readonly children: Int16Array[];
  readonly known = new Map<number, string | null>();
  readonly fourByte: FourByteRanges | undefined;
  private readonly icu: TextDecoder;

  constructor(table: Extract<CharsetTable, { kind: 'dbcs' }>) {
    this.fourByte = table.fourByte;
    this.icu = new TextDecoder(table.icu, { fatal: true });
    this.children = table.nodes.map((ranges) => {
      const children = new Int16Array(256).fill(-1);
      for (const [from, to, child] of ranges) children.fill(child, from, to + 1);
      return children;
    });
    [...table.single].forEach((c, byte) => this.known.set(byte, c === INVALID ? null : c));
    for (const [start, chars] of table.overrides.runs)
      [...chars].forEach((c, i) => this.known.set(start + i, c === INVALID ? null : c));
    for (const [key, value] of table.overrides.other) this.known.set(key, value);
  }

  /** The character of the complete sequence bytes[start..end), or null when iconv-lite has none. */
  sequence(bytes: Uint8Array, start: number, end: number): string | null {
    const key = sequenceKey(bytes, start, end);
    let value = this.known.get(key);
    if (value === undefined) {
      value = icuSequence(this.icu, bytes.subarray(start, end));
      this.known.set(key, value);
    }
    return value;
  }

  /** The character of bytes[end-4..end) at a four-byte node: a listed one, else iconv-lite's arithmetic (digits). */
  fourByteSequence(bytes: Uint8Array, end: number): string | null {
    const listed = this.known.get(sequenceKey(bytes, end - 4, end));
    if (listed !== undefined) return listed;
    const ranges = this.fourByte!;
    const last = bytes[end - 1]!;
    if (last < 0x30 || last > 0x39) return null;
    const pointer =
      (bytes[end - 4]! - 0x81) * 12600 + (bytes[end - 3]! - 0x30) * 1260 + (bytes[end - 2]! - 0x81) * 10 + last - 0x30;
    let low = 0;
    let high = ranges.gbChars.length;
    while (low < high - 1) {
      const mid = low + ((high - low + 1) >> 1);
      if (ranges.gbChars[mid]! <= pointer) low = mid;
      else high = mid;
    }
    return utf16Of(ranges.uChars[low]! + pointer - ranges.gbChars[low]!);
  }
}

/** A code as iconv-lite writes it: above the BMP as a surrogate pair, each unit cut to 16 bits. */
const utf16Of = (code: number): string =>
  code >= 0x10000
    ? String.fromCharCode((0xd800 | ((code - 0x10000) >> 10)) & 0xffff, (0xdc00 | ((code - 0x10000) & 0x3ff)) & 0xffff)
    : String.fromCharCode(code & 0xffff);

/**
 * iconv-lite's DBCS decoding: follow the trie from a sequence's first byte; a complete sequence gives its
 * character, an invalid one gives U+FFFD and parsing starts again one byte after where that sequence began.
 * An unfinished sequence waits for the next chunk; at the end it is treated as invalid the same way.
 */
class MultiByteDecoder implements TextChunkDecoder {
  private pending: Uint8Array = new Uint8Array(0);

  constructor(private readonly charset: MultiByteCharset) {}

  write(chunk: Uint8Array): string {
    const bytes = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const { text, unfinished } = this.walk(bytes);
    this.pending = Uint8Array.from(bytes.subarray(unfinished));
    return text;
  }

  end(): string | undefined {
    let text = '';
    while (this.pending.length) {
      const rest = this.pending.subarray(1);
      this.pending = new Uint8Array(0);
      text += REPLACEMENT + this.write(rest);
    }
    return text;
  }

  private walk(bytes: Uint8Array): { text: string; unfinished: number } {
    const { children } = this.charset;
    let text = '';
    let start = 0;
    let node = 0;
    for (let i = 0; i < bytes.length; i++) {
      const child = children[node]![bytes[i]!]!;
      if (child >= 0) {
        node = child;
        continue;
      }
      const value = this.charset.fourByte?.nodes.includes(node)
        ? this.charset.fourByteSequence(bytes, i + 1)
        : this.charset.sequence(bytes, start, i + 1);
      if (value === null) {
        text += REPLACEMENT;
        i = start;
      } else text += value;
      node = 0;
      start = i + 1;
    }
    return { text, unfinished: start };
  }
}

class SingleByteDecoder implements TextChunkDecoder {
  constructor(private readonly chars: string[]) {}

  write(chunk: Uint8Array): string {
    let text = '';
    for (const byte of chunk) text += this.chars[byte]!;
    return text;
  }

  end(): undefined {
    return undefined;
  }
}

/** iconv-lite's internal codecs: Node's StringDecoder. */
class InternalDecoder implements TextChunkDecoder {
  private readonly decoder: StringDecoder;

  constructor(encoding: 'utf8' | 'utf16le' | 'latin1') {
    this.decoder = new StringDecoder(encoding);
  }

  write(chunk: Uint8Array): string {
    return this.decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }

  end(): string {
    return this.decoder.end();
  }
}

/** UTF-16BE: each pair swapped, then read as UTF-16LE, chunk by chunk (an odd byte waits for its partner). */
class Utf16BeDecoder implements TextChunkDecoder {
  private odd: number | null = null;

  write(chunk: Uint8Array): string {
    const bytes = this.odd === null ? Uint8Array.from(chunk) : Uint8Array.of(this.odd, ...chunk);
    const even = bytes.length - (bytes.length % 2);
    this.odd = even < bytes.length ? bytes[even]! : null;
    const swapped = Buffer.from(bytes.subarray(0, even));
    return swapped.swap16().toString('utf16le');
  }

  end(): undefined {
    this.odd = null;
    return undefined;
  }
}

/** UTF-16 without a byte order in the name: iconv-lite reads a BOM, or guesses from where the zero bytes are. */
class Utf16Decoder implements TextChunkDecoder {
  private head: Uint8Array[] | null = [];
  private headLength = 0;
  private decoder: TextChunkDecoder | null = null;

  write(chunk: Uint8Array): string {
    if (this.decoder) return this.decoder.write(chunk);
    this.head!.push(Uint8Array.from(chunk));
    this.headLength += chunk.length;
    // iconv-lite guesses as soon as it holds 16 bytes.
    return this.headLength < 16 ? '' : this.release();
  }

  end(): string | undefined {
    if (this.decoder) return this.decoder.end();
    const text = this.release();
    return text + (this.decoder!.end() ?? '');
  }

  private release(): string {
    const head = Buffer.concat(this.head!);
    this.head = null;
    this.decoder = stripBom(guessUtf16(head) === 'le' ? new InternalDecoder('utf16le') : new Utf16BeDecoder());
    return this.decoder.write(head);
  }
}

function guessUtf16(head: Uint8Array): 'le' | 'be' {
  if (head[0] === 0xff && head[1] === 0xfe) return 'le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'be';
  let le = 0;
  let be = 0;
  for (let i = 0; i + 1 < head.length && i < 200; i += 2) {
    if (head[i] === 0 && head[i + 1] !== 0) be++;
    if (head[i] !== 0 && head[i + 1] === 0) le++;
  }
  return be > le ? 'be' : 'le';
}

/** Drops a byte order mark at the very start of the text, as iconv-lite does for its BOM-aware codecs. */
function stripBom(decoder: TextChunkDecoder): TextChunkDecoder {
  let started = false;
  return {
    write(chunk) {
      const text = decoder.write(chunk);
      if (started || !text) return text;
      started = true;
      return text.startsWith(BOM) ? text.slice(1) : text;
    },
    end: () => decoder.end(),
  };
}

/** Builds the decoders of one charset; the multi-byte state (trie, characters looked up) is shared by them all. */
export function decoderFactory(table: CharsetTable): () => TextChunkDecoder {
  switch (table.kind) {
    case 'dbcs': {
      let charset: MultiByteCharset | undefined;
      return () => new MultiByteDecoder((charset ??= new MultiByteCharset(table)));
    }
    case 'sbcs': {
      const chars = [...table.chars];
      return () => new SingleByteDecoder(chars);
    }
    case 'internal':
      return () => (table.bom ? stripBom : (d: TextChunkDecoder) => d)(new InternalDecoder(table.encoding));
    case 'utf16be':
      return () => stripBom(new Utf16BeDecoder());
    case 'utf16':
      return () => new Utf16Decoder();
  }
}
