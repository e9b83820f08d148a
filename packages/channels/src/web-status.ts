import type { CaseStatus, CaseType, FieldIssue, Locale } from '@cc/core';
import { errorSummary, escapeHtml, publicPage } from './web-form';
import { translateMessage } from './web-i18n';

/** What the status page shows the person who sent a request: never more than this. */
export interface PublicCaseStatus {
  reference: string;
  type: CaseType;
  status: CaseStatus;
  lastUpdatedAt: string;
  /** Once resolved or closed: the outcome staff wrote for the customer. */
  outcome?: string;
}

export interface StatusPageOptions {
  locale: Locale;
  /** Where the lookup form posts (the reference and phone/email stay out of URLs and logs). */
  action: string;
  /** Filled in from the receipt's or the message's link. */
  reference?: string;
  contact?: string;
  errors?: FieldIssue[];
  /** No request matches what was entered (one answer for every miss, so references cannot be probed). */
  notFound?: boolean;
  result?: PublicCaseStatus;
  /** For the last-update date, e.g. Asia/Shanghai. */
  timeZone: string;
}

const STATUS_WORDS: Record<Locale, Record<CaseStatus, string>> = {
  'zh-CN': {
    new: '已受理',
    acknowledged: '已确认，等待处理',
    in_progress: '处理中',
    resolved: '已解决',
    closed: '已结案',
    converted: '已转交您的客户经理跟进',
  },
  en: {
    new: 'Received',
    acknowledged: 'Acknowledged',
    in_progress: 'In progress',
    resolved: 'Resolved',
    closed: 'Closed',
    converted: 'Passed to your relationship manager',
  },
};

const T = {
  'zh-CN': {
    title: '查询进度',
    intro: '请输入编号，以及您提交时留下（或在本行登记）的手机号或电子邮箱。',
    reference: '编号',
    referenceHint: '例如 C-2026-000123，见确认短信、邮件或提交后的页面。',
    contact: '手机号或电子邮箱',
    submit: '查询',
    notFound: '没有找到与该编号和手机号或邮箱相符的诉求。请检查后重试。',
    result: '您的诉求',
    type: { complaint: '投诉', inquiry: '咨询' },
    status: '状态',
    updated: '最近更新',
    outcome: '处理结果',
    noOutcome: '已处理完毕。如有疑问，请回复我们的短信或邮件。',
    again: '查询另一项',
    form: '提交新的投诉或咨询',
  },
  en: {
    title: 'Check the status',
    intro: 'Enter the reference number and the phone number or email address you gave us (or that we hold for you).',
    reference: 'Reference number',
    referenceHint: 'For example C-2026-000123: it is in our SMS, our email, or the page you saw after sending.',
    contact: 'Phone number or email address',
    submit: 'Check',
    notFound: 'No request matches this reference with that phone number or email address. Please check and try again.',
    result: 'Your request',
    type: { complaint: 'Complaint', inquiry: 'Inquiry' },
    status: 'Status',
    updated: 'Last update',
    outcome: 'Outcome',
    noOutcome: 'This is done. If anything is unclear, reply to our SMS or email.',
    again: 'Check another',
    form: 'Send a new complaint or inquiry',
  },
} as const;

function resultBlock(locale: Locale, r: PublicCaseStatus, timeZone: string): string {
  const t = T[locale];
  const updated = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone }).format(new Date(r.lastUpdatedAt));
  const finished = r.status === 'resolved' || r.status === 'closed';
  const outcome = finished
    ? `<dt>${t.outcome}</dt>\n<dd id="outcome">${escapeHtml(r.outcome ?? t.noOutcome).replace(/\n/g, '<br>')}</dd>`
    : '';
  return `<h2>${t.result}${locale === 'zh-CN' ? '：' : ': '}${escapeHtml(r.reference)}</h2>
<dl class="status" id="result">
<dt>${t.type[r.type]}</dt>
<dd>${escapeHtml(r.reference)}</dd>
<dt>${t.status}</dt>
<dd id="status">${STATUS_WORDS[locale][r.status]}</dd>
<dt>${t.updated}</dt>
<dd id="updated"><time datetime="${escapeHtml(r.lastUpdatedAt)}">${escapeHtml(updated)}</time></dd>
${outcome}
</dl>`;
}

/** The status page: the lookup form, and the answer (status, last update, outcome) when one was asked for. */
export function renderStatusPage(opts: StatusPageOptions): string {
  const { locale } = opts;
  const t = T[locale];
  const errors = opts.errors ?? [];
  const errorFor = (id: string) => {
    const message = errors.find((e) => e.path === id)?.message;
    return message
      ? `<p class="error" id="${id}-error" role="alert">${escapeHtml(translateMessage(locale, message))}</p>\n`
      : '';
  };
  const input = (id: 'reference' | 'contact', attrs: string) =>
    `<input id="${id}" name="${id}" type="text" required ${attrs} value="${escapeHtml(opts[id] ?? '')}"` +
    `${errors.some((e) => e.path === id) ? ` aria-invalid="true" aria-describedby="${id}-error"` : ''}>`;
  const body = `<h1>${t.title}</h1>
${opts.result ? resultBlock(locale, opts.result, opts.timeZone) : ''}
${opts.notFound ? `<p class="summary" id="not-found" role="alert">${t.notFound}</p>` : ''}
${errorSummary(locale, errors, new Set(['reference', 'contact']))}
${opts.result ? `<h2>${t.again}</h2>` : `<p>${t.intro}</p>`}
<form method="post" action="${escapeHtml(opts.action)}" enctype="application/x-www-form-urlencoded">
<div class="field">
<label for="reference">${t.reference} <span aria-hidden="true">*</span></label>
<span class="hint" id="reference-hint">${t.referenceHint}</span>
${input('reference', 'maxlength="40" autocomplete="off"')}
${errorFor('reference')}</div>
<div class="field">
<label for="contact">${t.contact} <span aria-hidden="true">*</span></label>
${input('contact', 'maxlength="254" autocomplete="email"')}
${errorFor('contact')}</div>
<button type="submit">${t.submit}</button>
</form>
<p><a href="/complaint?lang=${locale}">${t.form}</a></p>`;
  return publicPage(
    locale,
    t.title,
    body,
    (l) => `/complaint/status?lang=${l}${opts.reference ? `&reference=${encodeURIComponent(opts.reference)}` : ''}`,
  );
}
