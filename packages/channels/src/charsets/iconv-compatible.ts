import { Buffer } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { decoderFactory, type CharsetTable, type TextChunkDecoder } from './decoders';
import tablesJson from './tables.json';

/**
 * Legacy charsets decoded as iconv-lite 0.7 decodes them, without its ~480 KB of tables (GBK, Big5-HKSCS, Shift_JIS,
 * EUC-JP, EUC-KR...): the same text for the same bytes, invalid ones included (decoders.ts). Node's ICU
 * `TextDecoder` supplies the multi-byte characters, tables.json the rest. The mail parser reaches it through
 * MailTextDecoder (text-decoder.ts); its interface is the part of iconv-lite's that decodes (getCodec,
 * encodingExists, getDecoder, decode), so that it can be tested against iconv-lite itself. A charset it does not
 * decode is "not recognized", as an unknown one is for iconv-lite.
 */

export interface CharsetTables {
  /** iconv-lite's canonical names (see canonicalName) of every alias, mapped to the charset's id. */
  aliases: Record<string, string>;
  charsets: Record<string, CharsetTable | { kind: 'refused' | 'not-decoded' }>;
}

/**
 * tables.json holds the tables deflated (raw) and in base64, every string written as the differences between its
 * code points: as plain JSON, esbuild's ASCII output would spell each CJK character as a 6-byte \\u escape.
 */
export const packedFormat = 'deflate-raw, base64; strings as code point deltas';

// Fail at start rather than mail by mail: a Node built without ICU's converters (small-icu) has no TextDecoder for
// these, and every Chinese, Japanese and Korean mail would then be misread without a word.
for (const label of ['gbk', 'gb18030', 'big5', 'shift_jis', 'euc-jp', 'euc-kr']) new TextDecoder(label);

let unpacked: CharsetTables | undefined;
/** The tables, unpacked on first use (a few milliseconds, once per container). */
const tables = (): CharsetTables =>
  (unpacked ??= JSON.parse(inflateRawSync(Buffer.from(tablesJson.packed, 'base64')).toString(), (_key, value) =>
    value && typeof value === 'object' && 't' in value ? fromDeltas(value.t as number[]) : value,
  ) as CharsetTables);

function fromDeltas(deltas: number[]): string {
  let code = 0;
  return deltas.map((delta) => String.fromCodePoint((code += delta))).join('');
}

export interface Codec {
  encodingName: string;
  /** Shared by every codec of one kind, as iconv-lite's decoder constructors are. */
  decoder?: unknown;
  /** Builds a streaming decoder; absent for the codecs only named, not decoded (UTF-7, UTF-32...). */
  create?: () => TextChunkDecoder;
}

/** iconv-lite's canonical form of a charset name: lower case, letters and digits only, no trailing `:1987`. */
const canonicalName = (encoding: unknown): string =>
  String(encoding)
    .toLowerCase()
    .replace(/:\d{4}$|[^0-9a-z]/g, '');

const kindMarkers = new Map<string, () => void>();
const markerOf = (kind: string) => {
  if (!kindMarkers.has(kind)) kindMarkers.set(kind, function decoder() {});
  return kindMarkers.get(kind);
};

const codecs = new Map<string, Codec>();

const isDecoded = (table: CharsetTables['charsets'][string]): table is CharsetTable =>
  table.kind !== 'refused' && table.kind !== 'not-decoded';

export function getCodec(encoding: string): Codec {
  const name = canonicalName(encoding);
  const id = tables().aliases[name] ?? name;
  const cached = codecs.get(id);
  if (cached) return cached;
  const table = Object.hasOwn(tables().charsets, id) ? tables().charsets[id] : undefined;
  if (!table) throw new Error(`Encoding not recognized: '${encoding}' (searched as: '${name}')`);
  const codec: Codec = isDecoded(table)
    ? { encodingName: id, decoder: markerOf(table.kind), create: decoderFactory(table) }
    : { encodingName: id, decoder: markerOf(id) };
  codecs.set(id, codec);
  return codec;
}

export function encodingExists(encoding: string): boolean {
  try {
    return Boolean(getCodec(encoding).create);
  } catch {
    return false;
  }
}

export function getDecoder(encoding: string): TextChunkDecoder {
  const codec = getCodec(encoding);
  if (!codec.create) throw new Error(`Encoding not recognized: '${encoding}' (named, not decoded)`);
  return codec.create();
}

export function decode(bytes: Uint8Array | string, encoding: string): string {
  // iconv-lite reads a string as binary.
  const input = typeof bytes === 'string' ? Buffer.from(bytes, 'binary') : bytes;
  const decoder = getDecoder(encoding);
  const text = decoder.write(input);
  const trail = decoder.end();
  return trail ? text + trail : text;
}

/** The ids of the charsets this module decodes (one per codec; `aliases` map the other names onto them). */
export const decodedCharsets = (): string[] =>
  Object.entries(tables().charsets)
    .filter(([, table]) => isDecoded(table))
    .map(([id]) => id);
