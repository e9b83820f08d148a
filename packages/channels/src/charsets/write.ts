import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { icuSequence, sequenceKey, type CharsetTable, type FourByteRanges, type OverrideRuns } from './decoders';
import type { NodeRanges } from './decoders';
import { packedFormat, type CharsetTables } from './iconv-compatible';

/**
 * `npm run charset-tables`: writes packages/channels/src/charsets/tables.json from iconv-lite itself (see decoders.ts).
 * For every charset iconv-compatible.ts decodes: iconv-lite's names for it, and either its sequence structure plus the
 * sequences where Node's ICU gives another character than iconv-lite (multi-byte), or its 256 characters
 * (single-byte). Run it again after upgrading iconv-lite or Node; the parity test says when it is due.
 */

/** iconv-lite's multi-byte codecs and the ICU TextDecoder label that decodes most of each. */
const multiByte: Record<string, string> = {
  cp936: 'gbk',
  gbk: 'gbk',
  gb18030: 'gb18030',
  cp950: 'big5',
  big5hkscs: 'big5',
  shiftjis: 'shift_jis',
  eucjp: 'euc-jp',
  cp949: 'euc-kr',
};

/**
 * The single-byte charsets mail is written in, every one the WHATWG Encoding Standard names (Latin-N, Cyrillic,
 * Greek, Hebrew, Arabic, Thai, Baltic, Vietnamese, the Mac ones). Others iconv-lite knows (the DOS code pages,
 * rarer Mac and Asian ones) are not mail charsets; the parser reads them as it reads an unknown one.
 */
const singleByte = [
  'IBM866',
  ...[2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16].map((n) => `ISO-8859-${n}`),
  'KOI8-R',
  'KOI8-U',
  'macintosh',
  'maccenteuro',
  'maccyrillic',
  'macukraine',
  'windows-874',
  ...[1250, 1251, 1252, 1253, 1254, 1255, 1256, 1257, 1258].map((n) => `windows-${n}`),
];

/** Names known but not decoded: UTF-7 and the transfer encodings (not charsets), and UTF-32, which mail never uses. */
const refused = ['utf7', 'utf7imap', 'base64', 'hex'];
const notDecoded = ['utf32', 'utf32le', 'utf32be'];

interface DbcsCodec {
  decodeTables: number[][];
  decodeTableSeq: number[][];
  gb18030?: { gbChars: number[]; uChars: number[] };
}
const UNASSIGNED = -1;
const GB18030_CODE = -2;
const SEQ_START = -10;
const NODE_START = -1000;
const INVALID = '\uffff';

const isDigit = (byte: number) => byte >= 0x30 && byte <= 0x39;

function multiByteTable(name: string, icuLabel: string): CharsetTable {
  const codec = iconv.getCodec(name) as unknown as DbcsCodec;
  const icu = new TextDecoder(icuLabel, { fatal: true });
  const nodes: NodeRanges[] = codec.decodeTables.map((table) => {
    const ranges: NodeRanges = [];
    table.forEach((value, byte) => {
      if (value > NODE_START) return;
      const child = NODE_START - value;
      const last = ranges.at(-1);
      if (last && last[1] === byte - 1 && last[2] === child) last[1] = byte;
      else ranges.push([byte, byte, child]);
    });
    return ranges;
  });

  const iconvValue = (value: number): string | null => {
    if (value >= 0) return String.fromCodePoint(value);
    if (value === UNASSIGNED) return null;
    const codes = codec.decodeTableSeq[SEQ_START - value]!;
    return String.fromCharCode(...codes.slice(0, -1)) + String.fromCodePoint(codes.at(-1)!);
  };

  let fourByte: FourByteRanges | undefined;
  const single: string[] = [];
  const differing = new Map<number, string | null>();
  const visit = (node: number, prefix: number[]) => {
    const table = codec.decodeTables[node]!;
    if (table.includes(GB18030_CODE)) {
      // Digits give a character by arithmetic (decoders.ts, fourByteSequence), other bytes none, bar listed ones.
      fourByte ??= { nodes: [], gbChars: codec.gb18030!.gbChars, uChars: codec.gb18030!.uChars };
      if (!fourByte.nodes.includes(node)) fourByte.nodes.push(node);
      table.forEach((value, byte) => {
        if (value >= 0) differing.set(sequenceKey([...prefix, byte], 0, prefix.length + 1), iconvValue(value));
        else if (value !== (isDigit(byte) ? GB18030_CODE : UNASSIGNED)) throw new Error(`${name}: node ${node}?`);
      });
      return;
    }
    table.forEach((value, byte) => {
      const seq = [...prefix, byte];
      if (value <= NODE_START) return visit(NODE_START - value, seq);
      const expected = iconvValue(value);
      if (prefix.length === 0) {
        const oneCodePoint = expected !== null && [...expected].length === 1;
        single[byte] = oneCodePoint ? expected : INVALID;
        if (expected !== null && !oneCodePoint) differing.set(byte, expected);
      } else if (icuSequence(icu, Uint8Array.from(seq)) !== expected) {
        differing.set(sequenceKey(seq, 0, seq.length), expected);
      }
    });
  };
  visit(0, []);
  for (let byte = 0; byte < 256; byte++) single[byte] ??= INVALID;
  const overrides = runsOf(differing);
  return { kind: 'dbcs', icu: icuLabel, nodes, single: single.join(''), overrides, ...(fourByte && { fourByte }) };
}

function runsOf(differing: Map<number, string | null>): OverrideRuns {
  const runs: OverrideRuns['runs'] = [];
  const other: OverrideRuns['other'] = [];
  let next = -1;
  for (const key of [...differing.keys()].sort((a, b) => a - b)) {
    const value = differing.get(key)!;
    if (value !== null && [...value].length !== 1) {
      other.push([key, value]);
      continue;
    }
    const char = value ?? INVALID;
    if (key === next) runs.at(-1)![1] += char;
    else runs.push([key, char]);
    next = key + 1;
  }
  return { runs, other };
}

function singleByteTable(name: string): CharsetTable {
  const chars = iconv.decode(Buffer.from(Array.from({ length: 256 }, (_, i) => i)), name);
  if ([...chars].length !== 256) throw new Error(`${name} is not a single-byte charset in iconv-lite`);
  return { kind: 'sbcs', chars };
}

const canonical = (name: string) => name.toLowerCase().replace(/:\d{4}$|[^0-9a-z]/g, '');
const codecId = new Map<unknown, string>();
const idOf = (name: string): string => {
  const codec = iconv.getCodec(name);
  if (!codecId.has(codec)) codecId.set(codec, canonical(name));
  return codecId.get(codec)!;
};

const charsets: CharsetTables['charsets'] = {};
for (const [name, icuLabel] of Object.entries(multiByte)) charsets[idOf(name)] = multiByteTable(name, icuLabel);
for (const name of singleByte) charsets[idOf(name)] = singleByteTable(name);
charsets[idOf('utf8')] = { kind: 'internal', encoding: 'utf8', bom: true };
charsets[idOf('ucs2')] = { kind: 'internal', encoding: 'utf16le', bom: true };
charsets[idOf('binary')] = { kind: 'internal', encoding: 'latin1', bom: false };
charsets[idOf('utf16be')] = { kind: 'utf16be' };
charsets[idOf('utf16')] = { kind: 'utf16' };
for (const name of refused) charsets[idOf(name)] = { kind: 'refused' };
for (const name of notDecoded) charsets[idOf(name)] = { kind: 'not-decoded' };

// Every name iconv-lite resolves to one of these, canonicalised as iconv-lite does (lower case, letters and digits).
const known = (iconv as unknown as { encodings: Record<string, unknown> }).encodings;
const aliases: Record<string, string> = {};
for (const name of Object.keys(known).sort()) {
  if (name.startsWith('_')) continue;
  const id = codecId.get(iconv.getCodec(name));
  if (id && id !== name) aliases[name] = id;
}

/** A string as the differences between its code points (the first from 0): CJK tables become small numbers. */
function deltas(text: string): number[] {
  let previous = 0;
  return [...text].map((char) => {
    const code = char.codePointAt(0)!;
    const delta = code - previous;
    previous = code;
    return delta;
  });
}

const tables: CharsetTables = { aliases, charsets };
const target = fileURLToPath(new URL('./tables.json', import.meta.url));
const packed = deflateRawSync(
  JSON.stringify(tables, (_key, value) => (typeof value === 'string' ? { t: deltas(value) } : value)),
  {
    level: 9,
  },
).toString('base64');
writeFileSync(target, JSON.stringify({ format: packedFormat, packed }) + '\n');
process.stdout.write(`wrote ${target}\n`);
