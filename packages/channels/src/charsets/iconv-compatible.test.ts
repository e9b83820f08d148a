import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import * as shim from './iconv-compatible';
import { decodedCharsets } from './iconv-compatible';

// Mail in legacy charsets is decoded with iconv-compatible.ts (through MailTextDecoder, text-decoder.ts). It must give
// what iconv-lite gives for the same bytes, invalid ones included.

const samples: Record<string, string> = {
  chinese: '您好，我的信用卡被冻结了，请尽快处理。账户尾号 8866，谢谢！',
  traditional: '您好，我的信用卡被凍結了，請盡快處理。香港銀行 𨋢 邨 — 謝謝',
  japanese: '口座の残高を確認したいです。カードが使えません（ｶﾀｶﾅ）。',
  korean: '안녕하세요, 카드가 정지되었습니다. 똠방각하 쀍',
  cyrillic: 'Здравствуйте, моя карта заблокирована. Ёё Її Ґґ',
  latin: 'Grüße aus Köln — çà où l’été? Zażółć gęślą jaźń. Œuvre € ™',
  greek: 'Καλημέρα, η κάρτα μου μπλοκαρίστηκε.',
};

const decodedWithIconv = (bytes: Buffer, charset: string) => iconv.decode(bytes, charset);

/** A small deterministic generator, so a failure names bytes that can be replayed. */
function randomBytes(seed: number, count: number, length: number): Buffer[] {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  return Array.from({ length: count }, () =>
    Buffer.from(
      Array.from({ length: 1 + Math.floor(next() * length) }, () =>
        // Plenty of digits, so GB18030's four-byte sequences are hit too.
        next() < 0.3 ? 0x30 + Math.floor(next() * 10) : Math.floor(next() * 256),
      ),
    ),
  );
}

describe('the iconv-compatible decoders', () => {
  const charsets = decodedCharsets();

  it('decodes the charsets mail is written in: Chinese, Japanese, Korean, Cyrillic, Latin-N, Greek, UTF-16', () => {
    for (const name of ['GBK', 'gb2312', 'GB18030', 'Big5', 'Big5-HKSCS', 'Shift_JIS', 'EUC-JP', 'EUC-KR'])
      expect(shim.encodingExists(name), name).toBe(true);
    for (const name of ['KOI8-R', 'windows-1251', 'ISO-8859-2', 'windows-1252', 'ISO-8859-7', 'UTF-16', 'UTF-16BE'])
      expect(shim.encodingExists(name), name).toBe(true);
  });

  it('gives what iconv-lite gives for text written in each charset', () => {
    let compared = 0;
    for (const charset of charsets)
      for (const text of Object.values(samples)) {
        const bytes = iconv.encode(text, charset);
        if (charset !== 'utf16' && iconv.decode(bytes, charset) !== text) continue; // not writable in it
        expect(shim.decode(bytes, charset), `${charset}: ${text}`).toBe(decodedWithIconv(bytes, charset));
        compared++;
      }
    expect(compared).toBeGreaterThanOrEqual(charsets.length);
    // The texts bank customers write, checked by value, not only against iconv-lite.
    expect(shim.decode(iconv.encode(samples.chinese!, 'gbk'), 'gb2312')).toBe(samples.chinese);
    expect(shim.decode(iconv.encode(samples.traditional!, 'big5hkscs'), 'Big5')).toBe(samples.traditional);
    expect(shim.decode(iconv.encode(samples.japanese!, 'shift_jis'), 'Shift_JIS')).toBe(samples.japanese);
    expect(shim.decode(iconv.encode(samples.korean!, 'cp949'), 'ks_c_5601-1987')).toBe(samples.korean);
  });

  it('gives what iconv-lite gives for every one- and two-byte sequence (valid or not) and for random bytes', () => {
    for (const charset of charsets) {
      for (let first = 0; first < 256; first++)
        for (let second = 0; second < 256; second += charset.startsWith('utf') ? 17 : 1) {
          const bytes = Buffer.from([first, second, 0x41]);
          const expected = decodedWithIconv(bytes, charset);
          if (shim.decode(bytes, charset) !== expected)
            expect(shim.decode(bytes, charset), `${charset} ${bytes.toString('hex')}`).toBe(expected);
        }
      for (const bytes of randomBytes(charset.length, 400, 40))
        expect(shim.decode(bytes, charset), `${charset} ${bytes.toString('hex')}`).toBe(
          decodedWithIconv(bytes, charset),
        );
    }
  });

  it('decodes a stream cut anywhere as the whole (a character split across chunks included)', () => {
    const text = Object.values(samples).join('\n').repeat(3);
    for (const charset of ['gbk', 'gb18030', 'big5hkscs', 'shiftjis', 'eucjp', 'cp949', 'utf16', 'utf16be']) {
      const bytes = iconv.encode(text, charset);
      for (const size of [1, 2, 3, 7, 64]) {
        const decoder = shim.getDecoder(charset);
        let streamed = '';
        for (let at = 0; at < bytes.length; at += size) streamed += decoder.write(bytes.subarray(at, at + size));
        streamed += decoder.end() ?? '';
        expect(streamed, `${charset} in chunks of ${size}`).toBe(decodedWithIconv(bytes, charset));
      }
    }
  });

  it('names codecs as iconv-lite does: aliases resolve to one codec, unknown names throw', () => {
    expect(shim.getCodec('unicode-1-1-utf-7')).toBe(shim.getCodec('UTF-7'));
    expect(shim.getCodec('CP936')).not.toBe(shim.getCodec('GBK'));
    expect(shim.getCodec('ks_c_5601-1987')).toBe(shim.getCodec('windows-949'));
    expect(() => shim.getCodec('x-no-such-charset')).toThrow(/Encoding not recognized/);
    expect(shim.encodingExists('x-no-such-charset')).toBe(false);
  });

  it('names but does not decode UTF-7, the transfer encodings and UTF-32', () => {
    for (const name of ['UTF-7', 'utf-7-imap', 'base64', 'hex', 'UTF-32', 'UTF-32LE'])
      expect(shim.getCodec(name).encodingName).toBeTruthy();
    expect(shim.encodingExists('UTF-32')).toBe(false);
    expect(() => shim.decode(Buffer.from('abc'), 'UTF-32')).toThrow(/not recognized/);
    expect(shim.encodingExists('cp437')).toBe(false);
  });
});
