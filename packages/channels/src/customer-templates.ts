import type { CaseType, Locale, MessageChannel, MessagePurpose } from '@cc/core';

/** What a message to a customer says, whatever its language. */
export interface MessageFacts {
  purpose: MessagePurpose;
  channel: MessageChannel;
  locale: Locale;
  reference: string;
  caseType: CaseType;
  title: string;
  /** The HTML status page, with the reference filled in. */
  statusUrl: string;
  /** Outcome messages: the status the case reached, and the outcome text staff wrote for the customer. */
  status?: 'resolved' | 'closed';
  outcome?: string;
  /** Replies: what staff wrote. */
  text?: string;
}

/**
 * Anything that reaches a header (an email subject) loses line breaks and control characters, so free text
 * (a case title a customer typed) can never add a header or end the header block.
 */
export function headerSafe(value: string, max = 180): string {
  const flat = value
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

const SMS_TEXT_MAX = 300;
const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

interface Words {
  kind: Record<CaseType, string>;
  sms(f: MessageFacts): string;
  subject(f: MessageFacts): string;
  email(f: MessageFacts): string;
}

const zh: Words = {
  kind: { complaint: '投诉', inquiry: '咨询' },
  sms(f) {
    const kind = zh.kind[f.caseType];
    switch (f.purpose) {
      case 'acknowledgement':
        return (
          `【客户服务】您的${kind}已受理，编号 ${f.reference}。查询进度：${f.statusUrl}` +
          `（凭编号及您的手机号或邮箱）。如需补充，请直接回复本短信。`
        );
      case 'outcome':
        return (
          `【客户服务】您的${kind} ${f.reference} ${f.status === 'closed' ? '已结案' : '已处理完毕'}。` +
          `${f.outcome ? `处理结果：${clip(f.outcome, SMS_TEXT_MAX)}。` : ''}详情：${f.statusUrl}`
        );
      case 'reply':
        return `【客户服务】关于 ${f.reference}：${clip(f.text ?? '', SMS_TEXT_MAX)}（回复本短信即可继续沟通）`;
    }
  },
  subject(f) {
    const kind = zh.kind[f.caseType];
    switch (f.purpose) {
      case 'acknowledgement':
        return `[${f.reference}] 我们已收到您的${kind}：${f.title}`;
      case 'outcome':
        return `[${f.reference}] 您的${kind}${f.status === 'closed' ? '已结案' : '已处理完毕'}：${f.title}`;
      case 'reply':
        return `回复：[${f.reference}] ${f.title}`;
    }
  },
  email(f) {
    const kind = zh.kind[f.caseType];
    const body = {
      acknowledgement: `我们已收到您的${kind}“${f.title}”，编号为 ${f.reference}。我们会尽快处理，并在有进展时与您联系。`,
      outcome:
        `您的${kind}“${f.title}”（编号 ${f.reference}）${f.status === 'closed' ? '已结案' : '已处理完毕'}。` +
        `${f.outcome ? `\n\n处理结果：\n${f.outcome}` : ''}`,
      reply: f.text ?? '',
    }[f.purpose];
    return (
      `尊敬的客户：\n\n${body}\n\n` +
      `您可随时在 ${f.statusUrl} 查询进度，需提供编号 ${f.reference} 以及您的手机号或邮箱。` +
      `如需补充信息，请直接回复本邮件，并保留主题中的编号。\n\n客户服务中心`
    );
  },
};

const en: Words = {
  kind: { complaint: 'complaint', inquiry: 'inquiry' },
  sms(f) {
    const kind = en.kind[f.caseType];
    switch (f.purpose) {
      case 'acknowledgement':
        return (
          `Customer Care: we have received your ${kind}, reference ${f.reference}. Track it at ${f.statusUrl} ` +
          `with this reference and your phone or email. Reply to this SMS to add anything.`
        );
      case 'outcome':
        return (
          `Customer Care: your ${kind} ${f.reference} is ${f.status === 'closed' ? 'closed' : 'resolved'}.` +
          `${f.outcome ? ` Outcome: ${clip(f.outcome, SMS_TEXT_MAX)}` : ''} Details: ${f.statusUrl}`
        );
      case 'reply':
        return `Customer Care, about ${f.reference}: ${clip(f.text ?? '', SMS_TEXT_MAX)} (reply to this SMS to answer)`;
    }
  },
  subject(f) {
    const kind = en.kind[f.caseType];
    switch (f.purpose) {
      case 'acknowledgement':
        return `[${f.reference}] We have received your ${kind}: ${f.title}`;
      case 'outcome':
        return `[${f.reference}] Your ${kind} is ${f.status === 'closed' ? 'closed' : 'resolved'}: ${f.title}`;
      case 'reply':
        return `Re: [${f.reference}] ${f.title}`;
    }
  },
  email(f) {
    const kind = en.kind[f.caseType];
    const body = {
      acknowledgement:
        `We have received your ${kind} "${f.title}". Its reference is ${f.reference}. ` +
        'We will look into it and contact you when there is news.',
      outcome:
        `Your ${kind} "${f.title}" (reference ${f.reference}) is ${f.status === 'closed' ? 'closed' : 'resolved'}.` +
        `${f.outcome ? `\n\nOutcome:\n${f.outcome}` : ''}`,
      reply: f.text ?? '',
    }[f.purpose];
    return (
      `Dear customer,\n\n${body}\n\n` +
      `You can check the status at any time at ${f.statusUrl} with the reference ${f.reference} and your phone ` +
      'number or email address. To add anything, reply to this email and keep the reference in the subject.' +
      '\n\nCustomer Care'
    );
  },
};

const words: Record<Locale, Words> = { 'zh-CN': zh, en };

/** The message in the customer's language: SMS text, or an email subject (header-safe) and body. */
export function renderCustomerMessage(facts: MessageFacts): { subject?: string; text: string } {
  const w = words[facts.locale];
  const f = { ...facts, title: headerSafe(facts.title, 120) };
  if (facts.channel === 'sms') return { text: w.sms(f) };
  return { subject: headerSafe(w.subject(f)), text: w.email(f) };
}
