import { describe, expect, it } from 'vitest';
import { toCsv } from './csv';

describe('toCsv', () => {
  it('starts with a UTF-8 BOM, joins columns in first-seen order, ends rows with CRLF', () => {
    const csv = toCsv([
      { date: '2026-11-23', 客户: '张三', count: 2 },
      { date: '2026-11-24', count: 0, extra: 'x' },
    ]);
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv.slice(1)).toBe('date,客户,count,extra\r\n2026-11-23,张三,2,\r\n2026-11-24,,0,x\r\n');
  });

  it('quotes commas, quotes and line breaks, and defuses what a spreadsheet would run as a formula', () => {
    const csv = toCsv([{ a: 'x,y', b: 'say "hi"', c: 'two\nlines', d: '=SUM(A1)', e: -5, f: null }]);
    expect(csv.slice(1).split('\r\n')[1]).toBe(`"x,y","say ""hi""","two\nlines","'=SUM(A1)",-5,`);
  });
});
