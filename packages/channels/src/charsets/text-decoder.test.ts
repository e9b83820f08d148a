import { TextDecoder as NodeTextDecoder } from 'node:util';
import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { MailTextDecoder, useMailTextDecoder } from './text-decoder';

// The mail parser decodes with the global TextDecoder; MailTextDecoder gives iconv-lite's text where Node's differs.

describe('MailTextDecoder', () => {
  it.each([
    ['windows-1252', 'windows-1252', 'Fee — €25 “twice” ‘once’ Œuvre ™'],
    ['iso-8859-1', 'windows-1252', 'Fee — €25 “twice”'], // WHATWG reads the Latin-1 labels as windows-1252
    ['big5', 'big5hkscs', '香港九龍 𨋢 旁 — 謝謝'],
    ['ks_c_5601-1987', 'cp949', '똠방각하 쀍 카드'],
    ['gb2312', 'gbk', '您好，信用卡被冻结 €'],
    ['shift_jis', 'shift_jis', '口座の残高（ｶﾀｶﾅ）'],
  ])('%s: decodes as iconv-lite does, where Node does not', (label, encoding, text) => {
    const bytes = iconv.encode(text, encoding);
    expect(new MailTextDecoder(label).decode(bytes)).toBe(text);
    expect(new MailTextDecoder(label).encoding).toBe(new NodeTextDecoder(label).encoding);
  });

  it("shows why it exists: ICU's Big5 has no HKSCS, its EUC-KR no UHC", () => {
    expect(new NodeTextDecoder('big5').decode(iconv.encode('𨋢', 'big5hkscs'))).not.toBe('𨋢');
    expect(new NodeTextDecoder('euc-kr').decode(iconv.encode('똠', 'cp949'))).not.toBe('똠');
  });

  it('decodes a stream cut anywhere as the whole, and starts afresh after a final call', () => {
    const text = '香港九龍 𨋢 旁 — 謝謝'.repeat(5);
    const bytes = iconv.encode(text, 'big5hkscs');
    const decoder = new MailTextDecoder('big5');
    for (const size of [1, 3, 7]) {
      let streamed = '';
      for (let at = 0; at < bytes.length; at += size)
        streamed += decoder.decode(bytes.subarray(at, at + size), { stream: true });
      streamed += decoder.decode();
      expect(streamed, `chunks of ${size}`).toBe(text);
    }
    expect(decoder.decode(new Uint8Array([0xa4]).buffer)).toBe('\ufffd'); // half a character, then the end
  });

  it("leaves UTF-8, UTF-16, ISO-2022-JP and fatal decoders to Node's own", () => {
    const utf8 = Buffer.from('中文 €');
    expect(new MailTextDecoder().decode(utf8)).toBe('中文 €');
    expect(new MailTextDecoder('utf-16le').decode(Buffer.from('中文', 'utf16le'))).toBe('中文');
    const jis = Buffer.from('1b2442387d3a42244e3b4439621b2842', 'hex');
    expect(new MailTextDecoder('iso-2022-jp').decode(jis)).toBe('口座の残高');
    expect(() => new MailTextDecoder('windows-1252', { fatal: true }).decode(Buffer.from([0x81]))).not.toThrow();
    expect(() => new MailTextDecoder('utf-8', { fatal: true }).decode(Buffer.from([0xff]))).toThrow();
    expect(() => new MailTextDecoder('x-no-such-charset')).toThrow(RangeError);
  });

  it('becomes the global TextDecoder once asked, and stays a TextDecoder', () => {
    const before = globalThis.TextDecoder;
    try {
      useMailTextDecoder();
      useMailTextDecoder();
      expect(globalThis.TextDecoder).toBe(MailTextDecoder);
      expect(new globalThis.TextDecoder('big5')).toBeInstanceOf(NodeTextDecoder);
    } finally {
      globalThis.TextDecoder = before;
    }
  });
});
