import { describe, expect, it } from 'vitest';
import { newPublicReference, parsePublicReference, publicReferencesIn } from './references';

describe('public references', () => {
  it('are 8 random symbols and a check symbol, all letters or digits a phone call can carry', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const reference = newPublicReference();
      expect(reference).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]$/);
      expect(parsePublicReference(reference)).toBe(reference);
      seen.add(reference);
    }
    expect(seen.size).toBe(2000);
  });

  it('are read the way people type them: any case, no hyphens, O for 0, I or L for 1, full-width', () => {
    const reference = newPublicReference(() => new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]));
    const typed = reference.toLowerCase().replace(/-/g, '').replace(/0/g, 'o').replace(/1/g, 'l');
    expect(parsePublicReference(typed)).toBe(reference);
    const fullWidth = [...reference].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('');
    expect(parsePublicReference(fullWidth.replace(/－/g, '-'))).toBe(reference);
  });

  it('refuse every single mistyped symbol and every swap of two neighbours', () => {
    const reference = newPublicReference();
    const symbols = reference.replace(/-/g, '');
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    for (let i = 0; i < symbols.length; i++) {
      for (const c of alphabet) {
        if (c === symbols[i]) continue;
        expect(parsePublicReference(symbols.slice(0, i) + c + symbols.slice(i + 1))).toBeUndefined();
      }
      if (i + 1 < symbols.length && symbols[i] !== symbols[i + 1]) {
        const swapped = symbols.slice(0, i) + symbols[i + 1] + symbols[i] + symbols.slice(i + 2);
        expect(parsePublicReference(swapped)).toBeUndefined();
      }
    }
  });

  it('are not sequential case ids, nor anything else', () => {
    for (const input of ['C-2026-000001', '', 'x'.repeat(100), 'ABCD-EFGH-', 'ABCD-EFGH-U*']) {
      expect(parsePublicReference(input)).toBeUndefined();
    }
  });

  it('are found in an email subject', () => {
    const reference = newPublicReference();
    expect(publicReferencesIn(`Re: [${reference}] my card`)).toEqual([reference]);
    const wrongCheck = reference.slice(0, -1) + (reference.endsWith('0') ? '1' : '0');
    expect(publicReferencesIn(`Re: C-2026-000001 and ${wrongCheck}`)).toEqual([]);
  });
});
