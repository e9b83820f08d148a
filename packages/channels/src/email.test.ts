import { describe, it, expect } from 'vitest';
import iconv from 'iconv-lite';
import MailComposer from 'nodemailer/lib/mail-composer';
import { ValidationError } from '@cc/core';
import {
  emailSignatureHeader,
  extractCaseReference,
  parseInboundEmail,
  signEmailWebhook,
  stripQuotedReply,
  verifyEmailWebhook,
} from './email';

type ComposerOptions = ConstructorParameters<typeof MailComposer>[0];
const build = (mail: ComposerOptions): Promise<Buffer> => new MailComposer(mail).compile().build();
const LIMITS = { maxAttachmentBytes: 1024, maxAttachments: 5 };

describe('email webhook signature', () => {
  const secret = 'whsec_test_secret';
  const body = Buffer.from('From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n');
  const t = 1_767_225_600;

  it('signs "<t>." + body with HMAC-SHA256 (independent vector)', () => {
    // Computed independently: printf "1767225600.%s" "$BODY" | openssl dgst -sha256 -hmac whsec_test_secret
    expect(signEmailWebhook(secret, t, body)).toBe('5194aa160485c5f0ab65fe3daf0d47dbc7501dfd9379923ed98674e3d510f825');
  });

  it('round-trips through the header', () => {
    const header = emailSignatureHeader(secret, t, body);
    expect(header).toBe(`t=${t},v1=${signEmailWebhook(secret, t, body)}`);
    expect(verifyEmailWebhook(secret, header, body, t)).toBe(true);
  });

  it('accepts timestamps within tolerance in both directions and rejects beyond', () => {
    const header = emailSignatureHeader(secret, t, body);
    expect(verifyEmailWebhook(secret, header, body, t + 300)).toBe(true);
    expect(verifyEmailWebhook(secret, header, body, t - 300)).toBe(true);
    expect(verifyEmailWebhook(secret, header, body, t + 301)).toBe(false);
    expect(verifyEmailWebhook(secret, header, body, t - 301)).toBe(false);
    expect(verifyEmailWebhook(secret, header, body, t + 50, 30)).toBe(false);
  });

  it('rejects a tampered body, wrong secret or re-stamped timestamp', () => {
    const header = emailSignatureHeader(secret, t, body);
    expect(verifyEmailWebhook(secret, header, Buffer.concat([body, Buffer.from('x')]), t)).toBe(false);
    expect(verifyEmailWebhook('other', header, body, t)).toBe(false);
    expect(verifyEmailWebhook(secret, header.replace(`t=${t}`, `t=${t + 1}`), body, t)).toBe(false);
  });

  it('signs the raw bytes, not a re-encoding of them', () => {
    const latin1 = Buffer.from([0x48, 0xe9, 0x0a]); // not valid UTF-8
    const header = emailSignatureHeader(secret, t, latin1);
    expect(verifyEmailWebhook(secret, header, Buffer.from([0x48, 0xef, 0xbf, 0xbd, 0x0a]), t)).toBe(false);
    expect(verifyEmailWebhook(secret, header, latin1, t)).toBe(true);
  });

  it('accepts any of several v1 signatures (secret rotation)', () => {
    const good = signEmailWebhook(secret, t, body);
    const old = signEmailWebhook('old-secret', t, body);
    expect(verifyEmailWebhook(secret, `t=${t},v1=${old},v1=${good}`, body, t)).toBe(true);
    expect(verifyEmailWebhook(secret, `t=${t},v1=${old}`, body, t)).toBe(false);
  });

  it.each([
    undefined,
    '',
    'garbage',
    `v1=${'a'.repeat(64)}`,
    `t=${t}`,
    `t=abc,v1=${'a'.repeat(64)}`,
    `t=${t},v1=nothex`,
    `t=${t},t=${t},v1=${'a'.repeat(64)}`,
    `t=${t},v1=${'A'.repeat(64)}`,
    `t=-5,v1=${'a'.repeat(64)}`,
  ])('rejects malformed header %j', (header) => {
    expect(verifyEmailWebhook(secret, header, body, t)).toBe(false);
  });
});

describe('parseInboundEmail', () => {
  it('parses a text+html reply with threading headers and attachments', async () => {
    const raw = await build({
      from: '"Li Wei" <Li.Wei@Example.CN>',
      to: ['Customer Care <care@bank.example>', 'Ops <OPS@bank.example>'],
      cc: 'audit@bank.example',
      replyTo: 'li.wei+reply@example.cn',
      subject: 'Re: [C-2026-000123] card blocked',
      messageId: '<CAFx1.ABC@mail.example.cn>',
      inReplyTo: '<case-C-2026-000123.1@bank.example>',
      references: ['<case-C-2026-000123.0@bank.example>', '<case-C-2026-000123.1@bank.example>'],
      date: new Date('2026-03-01T08:30:00Z'),
      text:
        'My card is still blocked.\n\n' +
        'On Sat, 28 Feb 2026 at 10:00, Customer Care <care@bank.example> wrote:\n> We are looking into it.\n',
      html: '<p>My card is still blocked.</p><blockquote>We are looking into it.</blockquote>',
      attachments: [
        { filename: 'statement.pdf', content: Buffer.alloc(600, 1), contentType: 'application/pdf' },
        { filename: 'photo.jpg', content: Buffer.alloc(5000, 2), contentType: 'image/jpeg' },
        { filename: 'note.txt', content: 'card ending 4242' },
      ],
    });

    const mail = await parseInboundEmail(raw, LIMITS);

    expect(mail.messageId).toBe('CAFx1.ABC@mail.example.cn');
    expect(mail.inReplyTo).toBe('case-C-2026-000123.1@bank.example');
    expect(mail.references).toEqual(['case-C-2026-000123.0@bank.example', 'case-C-2026-000123.1@bank.example']);
    expect(mail.from).toEqual({ address: 'li.wei@example.cn', name: 'Li Wei' });
    expect(mail.replyTo).toBe('li.wei+reply@example.cn');
    expect(mail.to).toEqual(['care@bank.example', 'ops@bank.example']);
    expect(mail.cc).toEqual(['audit@bank.example']);
    expect(mail.subject).toBe('Re: [C-2026-000123] card blocked');
    expect(extractCaseReference(mail.subject)).toBe('C-2026-000123');
    expect(mail.text).toContain('My card is still blocked.');
    expect(stripQuotedReply(mail.text)).toBe('My card is still blocked.');
    expect(mail.html).toContain('<p>My card is still blocked.</p>');
    expect(mail.date).toBe('2026-03-01T08:30:00.000Z');
    expect(mail.autoSubmitted).toBe(false);
    expect(mail.isBounce).toBe(false);

    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ['statement.pdf', 'application/pdf', 600],
      ['note.txt', 'text/plain', 16],
    ]);
    expect(mail.attachments[0]!.content.equals(Buffer.alloc(600, 1))).toBe(true);
    expect(mail.attachments[1]!.content.toString()).toBe('card ending 4242');
    expect(mail.rejectedAttachments).toEqual([{ filename: 'photo.jpg', size: 5000, reason: 'too_large' }]);
  });

  it('keeps inline images out of the html so they stay subject to the limits', async () => {
    const raw = await build({
      from: 'a@example.com',
      to: 'care@bank.example',
      subject: 'screenshot',
      html: '<p>See this:</p><img src="cid:shot@example.com">',
      attachments: [
        { filename: 'shot.png', cid: 'shot@example.com', content: Buffer.alloc(4000, 7), contentType: 'image/png' },
      ],
    });
    const mail = await parseInboundEmail(raw, LIMITS);
    expect(mail.html).toContain('src="cid:shot@example.com"');
    expect(mail.html).not.toContain('data:');
    expect(mail.rejectedAttachments).toEqual([{ filename: 'shot.png', size: 4000, reason: 'too_large' }]);
  });

  it('caps the number of attachments', async () => {
    const raw = await build({
      from: 'a@example.com',
      to: 'care@bank.example',
      subject: 'docs',
      text: 'see attached',
      attachments: ['1', '2', '3'].map((n) => ({ filename: `doc${n}.txt`, content: `doc ${n}` })),
    });
    const mail = await parseInboundEmail(raw, { maxAttachmentBytes: 1024, maxAttachments: 2 });
    expect(mail.attachments.map((a) => a.filename)).toEqual(['doc1.txt', 'doc2.txt']);
    expect(mail.rejectedAttachments).toEqual([{ filename: 'doc3.txt', size: 5, reason: 'too_many' }]);
  });

  it('returns html null and empty threading for a plain new message', async () => {
    const raw = await build({ from: 'a@example.com', to: 'care@bank.example', subject: 'Question', text: 'Hello' });
    const mail = await parseInboundEmail(raw, LIMITS);
    expect(mail.html).toBeNull();
    expect(mail.text.trim()).toBe('Hello');
    expect(mail.inReplyTo).toBeNull();
    expect(mail.references).toEqual([]);
    expect(mail.replyTo).toBeNull();
    expect(mail.attachments).toEqual([]);
  });

  it('derives a stable sha256 id when Message-ID is missing, and null date when Date is missing', async () => {
    const built = await build({ from: 'a@example.com', to: 'care@bank.example', subject: 'x', text: 'y' });
    const raw = Buffer.from(built.toString('latin1').replace(/^(Message-ID|Date): .*\r\n/gim, ''), 'latin1');
    expect(raw.toString()).not.toMatch(/Message-ID/i);

    const first = await parseInboundEmail(raw, LIMITS);
    const second = await parseInboundEmail(Buffer.from(raw), LIMITS);
    expect(first.messageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(second.messageId).toBe(first.messageId);
    expect(first.date).toBeNull();

    const other = await parseInboundEmail(Buffer.concat([raw, Buffer.from('more\r\n')]), LIMITS);
    expect(other.messageId).not.toBe(first.messageId);
  });

  it('reports null, not "now", for an unparseable Date', async () => {
    const built = await build({ from: 'a@example.com', to: 'care@bank.example', subject: 'x', text: 'y' });
    const raw = Buffer.from(built.toString('latin1').replace(/^Date: .*$/im, 'Date: not a date'), 'latin1');
    expect((await parseInboundEmail(raw, LIMITS)).date).toBeNull();
  });

  it('flags an out-of-office reply as auto-submitted', async () => {
    const raw = await build({
      from: 'Zhang San <zhang.san@example.cn>',
      to: 'care@bank.example',
      subject: 'Automatic reply: [C-2026-000777] your complaint',
      text: 'I am out of the office until Monday.',
      headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
    });
    const mail = await parseInboundEmail(raw, LIMITS);
    expect(mail.autoSubmitted).toBe(true);
    expect(mail.isBounce).toBe(false);
  });

  it.each([
    [{ 'Auto-Submitted': 'no' }, false],
    [{ 'Auto-Submitted': 'auto-generated' }, true],
    [{ Precedence: 'bulk' }, true],
    [{ Precedence: 'junk' }, true],
    [{ Precedence: 'auto_reply' }, true],
    [{ Precedence: 'list' }, false],
    [{ 'X-Autoreply': 'yes' }, true],
    [{ 'X-Autorespond': 'Out of office' }, true],
  ])('headers %j -> autoSubmitted %s', async (headers, expected) => {
    const raw = await build({ from: 'a@example.com', to: 'care@bank.example', subject: 's', text: 't', headers });
    expect((await parseInboundEmail(raw, LIMITS)).autoSubmitted).toBe(expected);
  });

  it('flags a MAILER-DAEMON bounce', async () => {
    const raw = await build({
      from: 'Mail Delivery System <MAILER-DAEMON@mx1.example.cn>',
      to: 'care@bank.example',
      subject: 'Undelivered Mail Returned to Sender',
      text:
        'This is the mail system at host mx1.example.cn.\n\n' +
        "I'm sorry to have to inform you that your message could not be delivered.",
    });
    const mail = await parseInboundEmail(raw, LIMITS);
    expect(mail.isBounce).toBe(true);
    expect(mail.from.address).toBe('mailer-daemon@mx1.example.cn');
  });

  it('flags a postmaster sender as a bounce', async () => {
    const raw = await build({
      from: 'postmaster@bank.example',
      to: 'care@bank.example',
      subject: 'Delivery failure',
      text: 'failed',
    });
    expect((await parseInboundEmail(raw, LIMITS)).isBounce).toBe(true);
  });

  it('flags a multipart/report delivery-status message from any sender', async () => {
    // Shape of an Exchange non-delivery report (RFC 3464 DSN).
    const raw = Buffer.from(
      [
        'From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@bank.example>',
        'To: <care@bank.example>',
        'Subject: Undeliverable: Your complaint C-2026-000123',
        'Date: Sun, 1 Mar 2026 09:00:00 +0000',
        'Message-ID: <ndr-1@bank.example>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain; charset=us-ascii',
        '',
        'Delivery has failed to these recipients: li.wei@example.cn',
        '--b1',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns;mail.bank.example',
        '',
        'Final-Recipient: rfc822;li.wei@example.cn',
        'Action: failed',
        'Status: 5.1.1',
        '--b1--',
        '',
      ].join('\r\n'),
    );
    const mail = await parseInboundEmail(raw, LIMITS);
    expect(mail.isBounce).toBe(true);
    expect(mail.messageId).toBe('ndr-1@bank.example');
  });

  it('does not treat a read receipt (disposition-notification report) as a bounce', async () => {
    const raw = Buffer.from(
      [
        'From: li.wei@example.cn',
        'To: care@bank.example',
        'Subject: Read: complaint',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="b2"',
        '',
        '--b2',
        'Content-Type: text/plain',
        '',
        'Your message was read.',
        '--b2--',
        '',
      ].join('\r\n'),
    );
    expect((await parseInboundEmail(raw, LIMITS)).isBounce).toBe(false);
  });

  it('rejects a message without a usable From', async () => {
    const raw = Buffer.from('To: care@bank.example\r\nSubject: anon\r\n\r\nhello\r\n');
    await expect(parseInboundEmail(raw, LIMITS)).rejects.toBeInstanceOf(ValidationError);
    await expect(parseInboundEmail(raw, LIMITS)).rejects.toMatchObject({ code: 'email.from_invalid' });
  });
});

/** A message written line by line, as a mail program or an attacker sends it. */
const message = (...lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');
/** A multipart/mixed message (boundary x) from a@example.com whose first part is the text/plain `text`, then `rest`. */
const mixedStartingWith = (text: string, ...rest: string[]) =>
  message(
    'From: a@example.com',
    'Content-Type: multipart/mixed; boundary=x',
    '',
    '--x',
    'Content-Type: text/plain',
    '',
    text,
    ...rest,
  );
/** An RFC 2047 encoded word: the text in `charset`, base64. */
const word = (charset: string, text: string, encoding = charset) =>
  `=?${charset}?B?${iconv.encode(text, encoding).toString('base64')}?=`;

describe('parseInboundEmail: names, subjects and bodies in the charsets customers write', () => {
  it.each([
    ['gb2312', 'gbk', '李伟', '信用卡被冻结'],
    ['big5', 'big5hkscs', '陳大文', '香港九龍 𨋢 旁'], // 𨋢: Big5-HKSCS, a lift in Hong Kong addresses
    ['shift_jis', 'shift_jis', '山田太郎', '口座の残高（ｶﾀｶﾅ）'],
    ['euc-jp', 'euc-jp', '山田花子', '口座の残高'],
    ['ks_c_5601-1987', 'cp949', '김철수', '똠방각하 카드'], // 똠: UHC, beyond EUC-KR proper
    ['windows-1252', 'windows-1252', 'Zoë O’Neil', 'Card fee — €25 “twice”'],
    ['iso-8859-1', 'windows-1252', 'José', 'Cargo de 25 € – “dos veces”'], // cp1252 bytes under a Latin-1 label
    ['koi8-r', 'koi8-r', 'Иван', 'Карта заблокирована'],
  ])('%s: the From name, the subject and the text as written', async (charset, encoding, name, subject) => {
    const raw = message(
      `From: ${word(charset, name, encoding)} <sender@example.com>`,
      `Subject: ${word(charset, subject, encoding)}`,
      `Content-Type: text/plain; charset=${charset}`,
      'Content-Transfer-Encoding: base64',
      '',
      iconv.encode(`${subject}\n${name}`, encoding).toString('base64'),
    );
    const mail = await parseInboundEmail(raw, LIMITS);
    expect(mail.from).toEqual({ address: 'sender@example.com', name });
    expect(mail.subject).toBe(subject);
    expect(mail.text.trim()).toBe(`${subject}\n${name}`);
  });

  it('decodes ISO-2022-JP (JIS X 0208 between escapes), quoted-printable words and adjacent words', async () => {
    const raw = message(
      'From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>',
      'To: =?utf-8?Q?Caf=C3=A9_=E2=82=AC?= <cafe@example.fr>, Team: a@example.com, "Odd, Name" <b@example.com>;',
      'Subject: =?utf-8?B?5Lit?= =?utf-8?B?5paH?= and =?iso-8859-1?Q?caf=E9?=',
      'Content-Type: text/plain; charset=iso-2022-jp',
      '',
      Buffer.from('1b2442387d3a42244e3b4439621b2842', 'hex').toString('latin1'),
    );
    const mail = await parseInboundEmail(raw, LIMITS);
    expect(mail.from.name).toBe('山田');
    expect(mail.to).toEqual(['cafe@example.fr', 'a@example.com', 'b@example.com']);
    expect(mail.subject).toBe('中文 and café');
    expect(mail.text.trim()).toBe('口座の残高');
  });

  it('replaces invalid bytes with U+FFFD and an unknown charset with its best reading, never failing', async () => {
    const invalid = Buffer.concat([
      message('From: a@example.com', 'Subject: bad \xff byte', 'Content-Type: text/plain; charset=utf-8', '', 'ab'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('cd'),
    ]);
    expect((await parseInboundEmail(invalid, LIMITS)).text.trim()).toBe('ab\ufffd\ufffd\ufffdcd');
    const unknown = message('From: a@example.com', 'Content-Type: text/plain; charset=x-no-such-charset', '', 'plain');
    expect((await parseInboundEmail(unknown, LIMITS)).text.trim()).toBe('plain');
  });
});

describe('parseInboundEmail: parts', () => {
  it('names attachments as RFC 2231 and RFC 2047 write them, keeping content ids and exact bytes', async () => {
    const pdf = Buffer.from('%PDF-1.4 \x00\x01\xff binary', 'latin1');
    const raw = message(
      'From: a@example.com',
      'Subject: files',
      'Content-Type: multipart/mixed; boundary="B"',
      '',
      '--B',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'see files',
      '--B',
      'Content-Type: application/pdf',
      "Content-Disposition: attachment; filename*=UTF-8''%E5%AF%B9%E8%B4%A6%E5%8D%95.pdf",
      'Content-Transfer-Encoding: base64',
      '',
      pdf.toString('base64'),
      '--B',
      'Content-Type: application/pdf',
      "Content-Disposition: attachment; filename*0*=gbk''%B6%D4%D5%CB; filename*1*=%B5%A5.pdf",
      'Content-Transfer-Encoding: base64',
      '',
      pdf.toString('base64'),
      '--B',
      `Content-Type: image/png; name="${word('utf-8', '截图.png')}"`,
      'Content-ID: <shot@example.com>',
      'Content-Disposition: inline',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('PNG').toString('base64'),
      '--B',
      'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('no name').toString('base64'),
      '--B--',
      '',
    );
    const mail = await parseInboundEmail(raw, LIMITS);
    expect(mail.text.trim()).toBe('see files');
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ['对账单.pdf', 'application/pdf', pdf.length],
      ['对账单.pdf', 'application/pdf', pdf.length],
      ['截图.png', 'image/png', 3],
      ['attachment-4', 'application/octet-stream', 7],
    ]);
    expect(mail.attachments[0]!.content.equals(pdf)).toBe(true);
  });

  it('turns HTML-only mail into text, and uses the text part when there is one', async () => {
    const html =
      '<html><head><style>p{color:red}</style></head><body><p>My card is <b>blocked</b> &amp; I&#8217;m abroad.</p>' +
      '<ul><li>Card ending 4242</li><li>Since <a href="https://bank.example/status">Monday</a></li></ul>' +
      '<div class="gmail_quote">On Mon, 2 Mar 2026, Care &lt;care@bank.example&gt; wrote:<br>' +
      '<blockquote>We are looking into it.</blockquote></div><script>alert(1)</script></body></html>';
    const htmlOnly = await parseInboundEmail(
      await build({ from: 'a@example.com', to: 'care@bank.example', subject: 'card', html }),
      LIMITS,
    );
    expect(htmlOnly.html?.trim()).toBe(html);
    expect(htmlOnly.text).toBe(
      'My card is blocked & I’m abroad.\n\n * Card ending 4242\n * Since Monday [https://bank.example/status]\n\n' +
        'On Mon, 2 Mar 2026, Care <care@bank.example> wrote:\n>\n> We are looking into it.',
    );
    expect(stripQuotedReply(htmlOnly.text)).toBe(
      'My card is blocked & I’m abroad.\n\n * Card ending 4242\n * Since Monday [https://bank.example/status]',
    );

    const both = await parseInboundEmail(
      await build({ from: 'a@example.com', to: 'care@bank.example', subject: 'card', html, text: 'Plain words.' }),
      LIMITS,
    );
    expect(both.text.trim()).toBe('Plain words.');
  });

  it("reads a delivery report's status as text, and keeps the returned message as an attachment", async () => {
    const raw = message(
      'From: Mail Delivery System <MAILER-DAEMON@mx.example.cn>',
      'Subject: Undelivered Mail',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="r"',
      '',
      '--r',
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      '--r',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.cn',
      '',
      'Final-Recipient: rfc822; li.wei@example.cn',
      'Status: 5.1.1',
      '--r',
      'Content-Type: message/rfc822',
      '',
      'From: care@bank.example',
      'Subject: Your case',
      '',
      'original',
      '--r--',
    );
    const mail = await parseInboundEmail(raw, LIMITS);
    expect(mail.isBounce).toBe(true);
    expect(mail.text).toContain('Your message could not be delivered.');
    expect(mail.text).toContain('Final-Recipient: rfc822; li.wei@example.cn');
    expect(mail.attachments.map((a) => [a.filename, a.contentType])).toEqual([['attachment-1', 'message/rfc822']]);
  });

  it('keeps a forwarded message as an attachment, unless it is marked inline (then its text is read)', async () => {
    const forwarded = (disposition: string[]) =>
      mixedStartingWith(
        'see below',
        '--x',
        'Content-Type: message/rfc822',
        ...disposition,
        '',
        'From: b@example.com',
        'Subject: inner',
        '',
        'inner body',
        '--x--',
      );
    const attached = await parseInboundEmail(forwarded([]), LIMITS);
    expect(attached.attachments.map((a) => a.contentType)).toEqual(['message/rfc822']);
    expect(attached.text).not.toContain('inner body');
    const inline = await parseInboundEmail(forwarded(['Content-Disposition: inline']), LIMITS);
    expect(inline.attachments).toEqual([]);
    expect(inline.text).toContain('inner body');
  });

  it('reads Message-ID lists with or without angle brackets, comments dropped', async () => {
    const raw = message(
      'From: a@example.com',
      'Message-ID:   <m@example.com>  ',
      'In-Reply-To: <x@example.com> (sent by Care)',
      'References: <a@example.com>',
      '  <b@example.com> <c@example.com>',
      '',
      'x',
    );
    const mail = await parseInboundEmail(raw, LIMITS);
    expect(mail.messageId).toBe('m@example.com');
    expect(mail.inReplyTo).toBe('x@example.com');
    expect(mail.references).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    const bare = await parseInboundEmail(message('From: a@example.com', 'References: a@b c@d (old)', '', 'x'), LIMITS);
    expect(bare.references).toEqual(['a@b', 'c@d']);
  });
});

describe('parseInboundEmail: hostile mail is read or refused as bad input, never an unexpected failure', () => {
  const nested = (depth: number) =>
    message(
      'From: a@example.com',
      ...Array.from({ length: depth }, (_, i) => `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}`),
      'Content-Type: text/plain',
      '',
      'deep',
    );

  it.each([
    ['no boundary parameter', message('From: a@example.com', 'Content-Type: multipart/mixed', '', '--x', '', 'hi')],
    ['a boundary never closed', mixedStartingWith('hello')],
    [
      'boundaries that never occur',
      message('From: a@example.com', 'Content-Type: multipart/mixed; boundary=x', '', 'hello', '--y--'),
    ],
    [
      'bad base64',
      message(
        'From: a@example.com',
        'Content-Type: text/plain',
        'Content-Transfer-Encoding: base64',
        '',
        '!!!*** SGVsbG8=',
        '@@@',
      ),
    ],
    [
      'bad quoted-printable',
      message(
        'From: a@example.com',
        'Content-Type: text/plain',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'a=ZZb=',
        '=',
      ),
    ],
    ['multiparts 200 deep', nested(200)],
    [
      'forwarded messages 30 deep',
      message(
        'From: a@example.com',
        ...Array.from(
          { length: 30 },
          () => 'Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\nFrom: b@example.com',
        ),
        '',
        'x',
      ),
    ],
    ['200,000 header lines', message('From: a@example.com', 'X-H: v\r\n'.repeat(200_000), 'body')],
    ['a header line of 1 MB', message('From: a@example.com', `Subject: ${'s'.repeat(1024 * 1024)}`, '', 'body')],
    ['NUL bytes and no line ends', Buffer.from(`From: a@example.com\r\n\r\n${'\x00'.repeat(1000)}`)],
  ])('%s: read', async (_what, raw) => {
    const mail = await parseInboundEmail(raw, LIMITS);
    expect(mail.from.address).toBe('a@example.com');
    expect(typeof mail.text).toBe('string');
  });

  it.each([
    ['multiparts 300 deep', nested(300)],
    ['headers over 2 MiB', message('From: a@example.com', `X-Big: ${'a'.repeat(3 * 1024 * 1024)}`, '', 'body')],
    ['300,000 empty lines', message('From: a@example.com', '', '\n'.repeat(300_000))],
    ['2 MB of lines of one letter', message('From: a@example.com', '', 'x\r\n'.repeat(700_000))],
  ])('%s: refused as email.mime_invalid', async (_what, raw) => {
    await expect(parseInboundEmail(raw, LIMITS)).rejects.toMatchObject({
      name: ValidationError.name,
      code: 'email.mime_invalid',
    });
  });

  it.each([
    ['an empty message', Buffer.alloc(0)],
    ['no headers at all', Buffer.from('just text\r\n')],
    ['a From with no address', message('From: not an address', 'To: undisclosed-recipients:;', '', 'x')],
    ['a From group', message('From: Team:;', '', 'x')],
  ])('%s: refused as email.from_invalid', async (_what, raw) => {
    await expect(parseInboundEmail(raw, LIMITS)).rejects.toMatchObject({ code: 'email.from_invalid' });
  });
});

describe('extractCaseReference', () => {
  it.each([
    ['Re: [C-2026-000123] card blocked', 'C-2026-000123'],
    ['C-2026-000001', 'C-2026-000001'],
    ['Fwd: RE: about case C-2025-999999, again', 'C-2025-999999'],
    ['Re: card blocked', null],
    ['Re: [C-2026-00012] short', null],
    ['Re: [C-2026-0001234] long', null],
    ['XC-2026-000123', null],
    ['c-2026-000123', null],
  ])('%j -> %s', (subject, expected) => {
    expect(extractCaseReference(subject)).toBe(expected);
  });
});

describe('stripQuotedReply', () => {
  it('cuts at an "On ... wrote:" line', () => {
    expect(
      stripQuotedReply('Thanks, resolved.\n\nOn Mon, 2 Mar 2026, Care <care@bank.example> wrote:\n> Hello\n> there\n'),
    ).toBe('Thanks, resolved.');
  });

  it('cuts at an Outlook original-message separator and a Chinese attribution line', () => {
    expect(stripQuotedReply('Please call me.\r\n\r\n-----Original Message-----\r\nFrom: Care\r\nSent: ...')).toBe(
      'Please call me.',
    );
    expect(stripQuotedReply('好的，谢谢。\n\n在 2026年3月2日 星期一，Care <care@bank.example> 写道：\n> 您好')).toBe(
      '好的，谢谢。',
    );
  });

  it('drops a trailing > block but keeps inline quotes followed by an answer', () => {
    expect(stripQuotedReply('Yes please.\n\n> Do you want a new card?\n> Reply yes or no.\n\n')).toBe('Yes please.');
    expect(stripQuotedReply('> Which branch?\nThe one on Nanjing Road.')).toBe(
      '> Which branch?\nThe one on Nanjing Road.',
    );
  });

  it('leaves unquoted text alone', () => {
    expect(stripQuotedReply('Line one\nLine two')).toBe('Line one\nLine two');
  });
});
