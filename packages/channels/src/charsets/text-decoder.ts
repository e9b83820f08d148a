import { TextDecoder as NodeTextDecoder } from 'node:util';
import type { TextChunkDecoder } from './decoders';
import { encodingExists, getDecoder } from './iconv-compatible';

/**
 * The mail parser (postal-mime) decodes every charset with the global `TextDecoder`, as the WHATWG Encoding Standard
 * defines it. Node's is ICU's and differs where bank mail is written: its windows-1252, which also reads the
 * iso-8859-1 and us-ascii labels, drops € and the curly quotes and dashes (0x80-0x9F) in Node 20.18.3 and later and in
 * 22.13 to 22.18 (nodejs/node#60888); its Big5 has no HKSCS (Hong Kong names and addresses); its EUC-KR no UHC (most
 * Korean mail); its GBK lacks ~80 characters; invalid bytes come out differently.
 *
 * MailTextDecoder is Node's TextDecoder except for those legacy charsets, which it decodes as iconv-lite does
 * (iconv-compatible.ts: ICU for most characters, tables.json where the two differ), byte for byte what mail was decoded
 * with before postal-mime. UTF-8, UTF-16, ISO-2022-JP (which iconv-lite does not decode) and a decoder asked to be
 * `fatal` stay Node's own.
 */
export class MailTextDecoder extends NodeTextDecoder {
  readonly #codec: string | null;
  #pending: TextChunkDecoder | null = null;

  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean }) {
    super(label, options);
    this.#codec = options?.fatal ? null : legacyCodec(this.encoding);
  }

  override decode(input?: NodeJS.ArrayBufferView | ArrayBuffer | null, options?: { stream?: boolean }): string {
    if (this.#codec === null) return super.decode(input, options);
    const decoder = (this.#pending ??= getDecoder(this.#codec));
    let text = decoder.write(bytesOf(input));
    if (!options?.stream) {
      text += decoder.end() ?? '';
      this.#pending = null;
    }
    return text;
  }
}

/** Makes MailTextDecoder the global TextDecoder, once, before the first message is parsed. */
export function useMailTextDecoder(): void {
  if (globalThis.TextDecoder !== MailTextDecoder) globalThis.TextDecoder = MailTextDecoder;
}

/** iconv-lite's codec for a WHATWG encoding name, where the two mean the same charset and Node's is not to be used. */
const ICONV_NAMES: Record<string, string | null> = {
  'utf-8': null,
  'utf-16le': null,
  'utf-16be': null,
  'iso-2022-jp': null,
  // WHATWG's Big5 is Big5-HKSCS, its EUC-KR is Microsoft's superset (UHC), its ISO-8859-8-I the same letters.
  big5: 'big5hkscs',
  'euc-kr': 'cp949',
  'iso-8859-8-i': 'iso-8859-8',
  'x-mac-cyrillic': 'maccyrillic',
};

function legacyCodec(encoding: string): string | null {
  const name = Object.hasOwn(ICONV_NAMES, encoding) ? ICONV_NAMES[encoding]! : encoding;
  return name !== null && encodingExists(name) ? name : null;
}

function bytesOf(input: NodeJS.ArrayBufferView | ArrayBuffer | null | undefined): Uint8Array {
  if (!input) return new Uint8Array(0);
  return ArrayBuffer.isView(input)
    ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
    : new Uint8Array(input);
}
