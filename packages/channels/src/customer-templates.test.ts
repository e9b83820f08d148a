import { describe, expect, it } from 'vitest';
import { headerSafe, renderCustomerMessage, type MessageFacts } from './customer-templates';
import { negotiateLocale } from './web-i18n';

const facts: MessageFacts = {
  purpose: 'acknowledgement',
  channel: 'email',
  locale: 'zh-CN',
  reference: 'C-2026-000123',
  caseType: 'complaint',
  title: 'Fee charged twice',
  statusUrl: 'https://care.bank.example/complaint/status?reference=C-2026-000123&lang=zh-CN',
};

describe('messages to customers', () => {
  it.each([
    ['zh-CN', 'acknowledgement', 'email', '[C-2026-000123] 我们已收到您的投诉：Fee charged twice'],
    ['en', 'acknowledgement', 'email', '[C-2026-000123] We have received your complaint: Fee charged twice'],
    ['zh-CN', 'outcome', 'email', '[C-2026-000123] 您的投诉已结案：Fee charged twice'],
    ['en', 'outcome', 'email', '[C-2026-000123] Your complaint is closed: Fee charged twice'],
    ['zh-CN', 'reply', 'email', '回复：[C-2026-000123] Fee charged twice'],
    ['en', 'reply', 'email', 'Re: [C-2026-000123] Fee charged twice'],
  ] as const)('%s %s subject', (locale, purpose, channel, subject) => {
    const rendered = renderCustomerMessage({ ...facts, locale, purpose, channel, status: 'closed', text: 'Hi' });
    expect(rendered.subject).toBe(subject);
    expect(rendered.text).toContain(facts.statusUrl);
  });

  it.each(['zh-CN', 'en'] as const)(
    'an SMS (%s) carries the reference and the status page, and no subject',
    (locale) => {
      const sms = renderCustomerMessage({ ...facts, locale, channel: 'sms' });
      expect(sms.subject).toBeUndefined();
      expect(sms.text).toContain('C-2026-000123');
      expect(sms.text).toContain(facts.statusUrl);
    },
  );

  it('the outcome carries the outcome note staff wrote', () => {
    const text = renderCustomerMessage({
      ...facts,
      purpose: 'outcome',
      status: 'resolved',
      outcome: '已退还重复收取的年费',
    }).text;
    expect(text).toContain('已处理完毕');
    expect(text).toContain('已退还重复收取的年费');
  });

  it('free text cannot add a header: line breaks and control characters become spaces', () => {
    const subject = renderCustomerMessage({ ...facts, title: 'Fee\r\nBcc: everyone@example.com\u0007' }).subject!;
    expect(subject).not.toMatch(/[\r\n\u0000-\u001f]/);
    expect(subject).toContain('Fee Bcc: everyone@example.com');
    expect(headerSafe('a\u2028b\u202Ec', 10)).toBe('a b c');
    expect(headerSafe('x'.repeat(300)).length).toBe(180);
  });
});

describe('the public pages’ language', () => {
  it.each([
    [undefined, undefined, 'zh-CN'],
    [undefined, 'en-US,en;q=0.9', 'en'],
    [undefined, 'zh-TW,zh;q=0.9,en;q=0.8', 'zh-CN'],
    [undefined, 'fr-FR,en;q=0.5,zh;q=0.7', 'zh-CN'],
    [undefined, 'fr-FR, de;q=0.5', 'zh-CN'],
    [undefined, 'en;q=0, zh-CN', 'zh-CN'],
    ['en', 'zh-CN', 'en'],
    ['xx', 'en', 'en'],
  ] as const)('lang %s, Accept-Language %s → %s', (lang, header, expected) => {
    expect(negotiateLocale(lang, header, 'zh-CN')).toBe(expected);
  });

  it('falls back to the configured default', () => {
    expect(negotiateLocale(undefined, 'fr', 'en')).toBe('en');
  });
});
