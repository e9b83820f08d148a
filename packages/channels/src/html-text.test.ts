import { describe, expect, it } from 'vitest';
import { decodeEntities } from './html-entities';
import { htmlToText, MAX_TEXT_LENGTH } from './html-text';

describe('htmlToText', () => {
  it('gives paragraphs, line breaks, headings and rows their lines, and drops what is not text', () => {
    const html =
      '<html><head><title>Statement</title><style>p { color: red }</style></head><body>' +
      '<h1>Hello &amp; welcome</h1><p>Line one<br>Line   two</p><div>A div</div>' +
      '<table><tr><th>Date</th><td>Amount</td></tr><tr><td>1 March</td><td>&yen;120</td></tr></table>' +
      '<script>document.write("never")</script><template><p>never</p></template><!-- <p>never</p> -->' +
      '<hr><p>end</p></body></html>';
    expect(htmlToText(html)).toBe(
      'Hello & welcome\n\nLine one\nLine two\n\nA div\n\nDate\tAmount\n1 March\t¥120\n\n-----\n\nend',
    );
  });

  it('writes lists as items, numbered from their start, nested lists indented', () => {
    const html =
      '<ul><li>first</li><li>second<ul><li>inner one<li>inner two</ul></li></ul>' +
      '<ol start="3"><li>three</li><li>four<br>continued</li></ol><li>stray item</li>';
    expect(htmlToText(html)).toBe(
      ' * first\n * second\n    * inner one\n    * inner two\n\n 3. three\n 4. four\n    continued\n\n * stray item',
    );
  });

  it('prints a link target after its text unless the text says it, and only web, mail and phone links', () => {
    expect(htmlToText('<a href="https://bank.example/help?a=1&amp;b=2">our help pages</a>')).toBe(
      'our help pages [https://bank.example/help?a=1&b=2]',
    );
    expect(htmlToText('<a href="https://bank.example">https://bank.example</a>')).toBe('https://bank.example');
    expect(htmlToText('Write to <a href="mailto:care@bank.example">care@bank.example</a>.')).toBe(
      'Write to care@bank.example.',
    );
    expect(htmlToText('<a href="javascript:alert(1)">click</a> <a href="#top">top</a> <a href=cid:x>x</a>')).toBe(
      'click top x',
    );
    expect(htmlToText('<a href = "https://e.example" title=">">text</a>')).toBe('text [https://e.example]');
  });

  it('marks quoted mail with "> ", so the quoted history can be told from the answer', () => {
    const gmail =
      '<div dir="ltr">Thanks, resolved.</div><br><div class="gmail_quote">' +
      '<div class="gmail_attr">On Mon, 2 Mar 2026 at 10:00, Care &lt;care@bank.example&gt; wrote:<br></div>' +
      '<blockquote class="gmail_quote"><div>Hello<br>there</div><blockquote>older</blockquote></blockquote></div>';
    const text = htmlToText(gmail);
    expect(text.split('\n')).toEqual([
      'Thanks, resolved.',
      '',
      'On Mon, 2 Mar 2026 at 10:00, Care <care@bank.example> wrote:',
      '>',
      '> Hello',
      '> there',
      '> >',
      '> > older',
    ]);
  });

  it('keeps the lines of <pre>, shows images by their alt text, and collapses empty paragraphs', () => {
    expect(htmlToText('<pre>  amount\n  120.00</pre><img src="cid:logo" alt="Bank logo">')).toBe(
      '  amount\n  120.00\n\nBank logo',
    );
    expect(htmlToText('<p>a</p><p>&nbsp;</p><p> </p><br><br><br><p>b</p>')).toBe('a\n\nb');
  });

  it('reads broken markup as a browser would: stray "<", unclosed tags, comments and scripts', () => {
    expect(htmlToText('1 < 2 and a <= b')).toBe('1 < 2 and a <= b');
    expect(htmlToText('before <!-- never closed')).toBe('before');
    expect(htmlToText('<p>before<script>x = "<p>not text</p>"')).toBe('before');
    expect(htmlToText('<p title="never closed>text')).toBe('');
    expect(htmlToText('a </> b <!doctype html> c <?xml?> d')).toBe('a b c d');
  });

  it('keeps its output in proportion to its input, however deep the nesting', () => {
    const deep = htmlToText('<ul><li>x'.repeat(20_000) + '<blockquote>y<br>'.repeat(20_000));
    const lines = deep.split('\n');
    expect(lines).toHaveLength(60_000); // an item each, and a line and a blank line for each quote
    // Ten levels of quote marks and list indents at most, then the text.
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(10 * 2 + 10 * 3 + 1);
  });

  it('stops at MAX_TEXT_LENGTH characters, however many lines long list numbers would make of short markup', () => {
    const numbered = '<ol start="100000000000000000000"><li>'.repeat(10) + '<li>x'.repeat(100_000);
    const text = htmlToText(numbered);
    expect(text.length).toBeLessThanOrEqual(MAX_TEXT_LENGTH);
    expect(text.split('\n')[0]).toMatch(/^ {200,} 100000000000000000000\. x$/);
    expect(htmlToText(`<p>${'x'.repeat(MAX_TEXT_LENGTH)}<br>y`)).toHaveLength(MAX_TEXT_LENGTH);
  });

  it('leaves out control and bidirectional control characters, written or referenced, as stored text has none', () => {
    expect(htmlToText('<p>a&#1;b&#x202E;c&#x81;d&#127;e\u0007f\u2066g&#0;h</p><pre>i\tj\u0000k</pre>')).toBe(
      'abcdefg\ufffdh\n\ni\tjk',
    );
  });
});

describe('decodeEntities', () => {
  it('decodes the names mail programs write, numeric references as the WHATWG rules read them', () => {
    expect(decodeEntities('&lt;&gt;&amp;&quot;&apos;&nbsp;&eacute;&Uuml;&szlig;&euro;&mdash;&hellip;&trade;')).toBe(
      '<>&"\'\u00a0éÜß€—…™',
    );
    expect(decodeEntities('&alpha;&Omega;&rarr;&le;&infin;&hearts;&lang;')).toBe('αΩ→≤∞♥⟨');
    expect(decodeEntities('&#20013;&#x6587;&#X1F600;&#150;&#0;&#xD800;&#1114112;')).toBe('中文😀–\ufffd\ufffd\ufffd');
  });

  it('accepts the Latin-1 names without ";" (as browsers do), and leaves unknown names as written', () => {
    expect(decodeEntities('&copy 2026 &amp co')).toBe('© 2026 & co');
    expect(decodeEntities('&bogus; &euro &NotNestedGreaterGreater; & &;')).toBe(
      '&bogus; &euro &NotNestedGreaterGreater; & &;',
    );
  });
});
