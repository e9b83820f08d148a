import * as z from 'zod/mini';
import {
  hasBidiControls,
  hasControlCharacters,
  hasVisibleText,
  ValidationError,
  type FieldIssue,
  type Locale,
} from '@cc/core';
import { tryNormaliseEmail, tryNormalisePhone } from './identity';
import { languageSwitch, translateMessage } from './web-i18n';
import { toFieldIssues } from './zod-issues';

export const COMPLAINT_KINDS = ['complaint', 'inquiry'] as const;
export const COMPLAINT_CATEGORIES = [
  'card',
  'account',
  'loan',
  'deposit',
  'online_banking',
  'branch_service',
  'fees',
  'other',
] as const;
export type ComplaintCategory = (typeof COMPLAINT_CATEGORIES)[number];

const CATEGORY_LABELS: Record<Locale, Record<ComplaintCategory, string>> = {
  en: {
    card: 'Cards',
    account: 'Accounts',
    loan: 'Loans and mortgages',
    deposit: 'Deposits and savings',
    online_banking: 'Online and mobile banking',
    branch_service: 'Branch service',
    fees: 'Fees and charges',
    other: 'Something else',
  },
  'zh-CN': {
    card: '银行卡',
    account: '账户',
    loan: '贷款',
    deposit: '存款与储蓄',
    online_banking: '网上银行与手机银行',
    branch_service: '网点服务',
    fees: '收费',
    other: '其他',
  },
};

// Browsers submit untouched inputs as "", which means "not given" for optional fields.
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
/** What classic zod calls `z.preprocess`: blanks become undefined before the schema sees them. */
const blankAsMissing = <T extends z.ZodMiniType>(schema: T) => z.pipe(z.transform(blankToUndefined), schema);
const optionalText = (schema: z.ZodMiniType<string, string>) => blankAsMissing(z.optional(schema));
/** One line as a person types it: no line breaks or invisible direction changes (they would reach email subjects). */
const oneLine = (schema: z.ZodMiniString<string>) =>
  schema.check(
    z.refine((v) => !hasControlCharacters(v), 'Use a single line without special characters'),
    z.refine((v) => !hasBidiControls(v), 'Remove the text direction characters'),
  );

/** The form's fields; the API documents these (less the honeypot) as its public complaint body. */
export const complaintFormFields = z.object({
  kind: blankAsMissing(z._default(z.enum(COMPLAINT_KINDS, 'Choose complaint or inquiry'), 'complaint')),
  name: oneLine(
    z
      .string('Enter your name')
      .check(z.trim(), z.minLength(1, 'Enter your name'), z.maxLength(120, 'Use at most 120 characters')),
  ).check(z.refine((v) => v === '' || hasVisibleText(v), 'Enter your name')),
  phone: optionalText(
    z.string().check(
      z.trim(),
      z.refine((v) => tryNormalisePhone(v) !== null, 'Enter a valid phone number, e.g. +86 138 0000 0001'),
    ),
  ),
  email: optionalText(
    z.string().check(
      z.trim(),
      z.refine((v) => tryNormaliseEmail(v) !== null, 'Enter a valid email address'),
    ),
  ),
  customerNumber: optionalText(
    oneLine(z.string().check(z.normalize('NFKC'), z.trim(), z.maxLength(40, 'Use at most 40 characters'))),
  ),
  category: z.enum(COMPLAINT_CATEGORIES, 'Choose a category'),
  subject: oneLine(
    z
      .string('Enter a subject')
      .check(z.trim(), z.minLength(3, 'Use at least 3 characters'), z.maxLength(200, 'Use at most 200 characters')),
  ),
  description: z.string('Describe your request').check(
    z.trim(),
    z.minLength(10, 'Use at least 10 characters'),
    z.maxLength(5000, 'Use at most 5000 characters'),
    z.refine((v) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(v), 'Remove the special characters'),
    z.refine((v) => !hasBidiControls(v), 'Remove the text direction characters'),
  ),
  productCode: optionalText(oneLine(z.string().check(z.trim(), z.maxLength(40, 'Use at most 40 characters')))),
  /** Honeypot: hidden from people, so any value means a bot filled the form. */
  website: z.optional(z.string().check(z.maxLength(1000))),
});

export const complaintFormSchema = complaintFormFields.check(
  z.refine((v) => v.phone !== undefined || v.email !== undefined, {
    path: ['phone'],
    message: 'Enter a phone number or an email address so we can reach you',
    // Also report this when other fields are missing, so the person sees every problem at once.
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  }),
);

export type ComplaintForm = z.infer<typeof complaintFormSchema>;
export type ComplaintFormField = keyof ComplaintForm;
export type ComplaintFormValues = Partial<Record<ComplaintFormField, string>>;

/** Parses a submitted form, throwing ValidationError with per-field errors. */
export function parseComplaintForm(input: Record<string, unknown>): ComplaintForm {
  const result = complaintFormSchema.safeParse(input);
  if (!result.success) throw new ValidationError('The form has errors', toFieldIssues(result.error));
  return result.data;
}

/** True when the hidden honeypot was filled: accept the post silently but do not open a case. */
export function honeypotTripped(input: { website?: unknown }): boolean {
  return typeof input.website === 'string' && input.website.trim() !== '';
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

// ---------------------------------------------------------------------------
// Rendering (Simplified Chinese and English)
// ---------------------------------------------------------------------------

const BANK_NAME: Record<Locale, string> = { en: 'Customer Care', 'zh-CN': '客户服务中心' };

const STYLE = [
  '*{box-sizing:border-box}',
  'body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans SC",sans-serif;' +
    'margin:0;background:#f5f6f8;color:#1b1f24;line-height:1.5}',
  'main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem 3rem}',
  'h1{font-size:1.6rem;margin:.5rem 0 1rem}',
  '.field{margin:0 0 1.1rem}',
  'label{display:block;font-weight:600;margin-bottom:.25rem}',
  '.hint{display:block;font-size:.9rem;color:#4a525c;margin:.1rem 0 .3rem}',
  'input,select,textarea{width:100%;font:inherit;padding:.55rem .65rem;' +
    'border:1px solid #8a939e;border-radius:.35rem;background:#fff}',
  'textarea{min-height:9rem;resize:vertical}',
  'input:focus,select:focus,textarea:focus{outline:3px solid #1f6feb;outline-offset:1px}',
  '[aria-invalid="true"]{border-color:#b3261e}',
  '.error{color:#b3261e;font-weight:600;margin:.25rem 0 0}',
  '.summary{border:2px solid #b3261e;background:#fff;padding:.75rem 1rem;margin-bottom:1.25rem}',
  '.summary a{color:#b3261e}',
  'button{font:inherit;font-weight:600;padding:.65rem 1.4rem;border:0;border-radius:.35rem;' +
    'background:#1f6feb;color:#fff;cursor:pointer}',
  '.reference{font-size:1.5rem;font-weight:700;letter-spacing:.04em;background:#fff;' +
    'border:1px dashed #4a525c;padding:.5rem .8rem;display:inline-block}',
  '.lang{text-align:right;margin-bottom:.5rem}',
  'dl.status{background:#fff;border:1px solid #8a939e;border-radius:.35rem;padding:.75rem 1rem}',
  'dl.status dt{font-weight:600}dl.status dd{margin:0 0 .6rem}',
].join('\n');

/** Where the language switch leads: the same page in the given language. */
export type SwitchHref = (locale: Locale) => string;

/** The public pages' frame: one self-contained document in `locale`, with the language switch on top. */
export function publicPage(locale: Locale, title: string, body: string, switchHref: SwitchHref): string {
  return `<!DOCTYPE html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} | ${BANK_NAME[locale]}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${languageSwitch(locale, (l) => escapeHtml(switchHref(l)))}
${body}
</main>
</body>
</html>
`;
}

/** The error summary at the top of a form: every problem, each linking to its field. */
export function errorSummary(locale: Locale, errors: FieldIssue[], fieldIds: ReadonlySet<string>): string {
  if (errors.length === 0) return '';
  const items = errors.map((e) => {
    const text = escapeHtml(translateMessage(locale, e.message));
    return fieldIds.has(e.path) ? `<li><a href="#${e.path}">${text}</a></li>` : `<li>${text}</li>`;
  });
  return `<div class="summary" id="error-summary" tabindex="-1">
<h2>${locale === 'zh-CN' ? '请修改以下内容' : 'Please correct the following'}</h2>
<ul>
${items.join('\n')}
</ul>
</div>`;
}

type Text = Record<Locale, string>;

interface FieldSpec {
  id: Exclude<ComplaintFormField, 'website'>;
  label: Text;
  hint?: Text;
  required?: boolean;
  control: 'input' | 'select' | 'textarea';
  attrs?: string;
  options?: (locale: Locale) => readonly { value: string; label: string }[];
}

const FIELDS: readonly FieldSpec[] = [
  {
    id: 'kind',
    label: { en: 'Type of request', 'zh-CN': '诉求类型' },
    control: 'select',
    required: true,
    options: (locale) => [
      { value: 'complaint', label: locale === 'zh-CN' ? '投诉' : 'Complaint' },
      { value: 'inquiry', label: locale === 'zh-CN' ? '咨询' : 'Inquiry' },
    ],
  },
  {
    id: 'name',
    label: { en: 'Full name', 'zh-CN': '姓名' },
    control: 'input',
    required: true,
    attrs: 'type="text" maxlength="120" autocomplete="name"',
  },
  {
    id: 'phone',
    label: { en: 'Phone number', 'zh-CN': '手机号' },
    hint: { en: 'Give a phone number, an email address, or both.', 'zh-CN': '请至少填写手机号或电子邮箱中的一项。' },
    control: 'input',
    attrs: 'type="tel" autocomplete="tel"',
  },
  {
    id: 'email',
    label: { en: 'Email address', 'zh-CN': '电子邮箱' },
    control: 'input',
    attrs: 'type="email" autocomplete="email"',
  },
  {
    id: 'customerNumber',
    label: { en: 'Customer number (optional)', 'zh-CN': '客户号（选填）' },
    hint: {
      en: 'If you have one; never enter a card number or PIN.',
      'zh-CN': '如有请填写；请勿填写卡号或密码。',
    },
    control: 'input',
    attrs: 'type="text" maxlength="40" autocomplete="off"',
  },
  {
    id: 'category',
    label: { en: 'Category', 'zh-CN': '类别' },
    control: 'select',
    required: true,
    options: (locale) => COMPLAINT_CATEGORIES.map((c) => ({ value: c, label: CATEGORY_LABELS[locale][c] })),
  },
  {
    id: 'subject',
    label: { en: 'Subject', 'zh-CN': '主题' },
    control: 'input',
    required: true,
    attrs: 'type="text" minlength="3" maxlength="200"',
  },
  {
    id: 'description',
    label: { en: 'Describe your request', 'zh-CN': '详细描述' },
    hint: {
      en: 'What happened, when, and what you would like us to do.',
      'zh-CN': '发生了什么、什么时候发生的，以及您希望我们如何处理。',
    },
    control: 'textarea',
    required: true,
    attrs: 'minlength="10" maxlength="5000" rows="8"',
  },
  {
    id: 'productCode',
    label: { en: 'Product code (optional, for inquiries)', 'zh-CN': '产品代码（选填，用于咨询）' },
    control: 'input',
    attrs: 'type="text" maxlength="40" autocomplete="off"',
  },
];

export interface ComplaintFormPageOptions {
  action: string;
  values?: ComplaintFormValues;
  errors?: FieldIssue[];
  /** Default English. */
  locale?: Locale;
  /** Where the language switch leads (default: the form at /complaint). */
  switchHref?: SwitchHref;
}

const formHref: SwitchHref = (locale) => `/complaint?lang=${locale}`;

export function renderComplaintFormPage(opts: ComplaintFormPageOptions): string {
  const locale = opts.locale ?? 'en';
  const values = opts.values ?? {};
  const errors = opts.errors ?? [];
  const errorFor = (id: string) => {
    const message = errors.find((e) => e.path === id)?.message;
    return message && translateMessage(locale, message);
  };
  const summary = errorSummary(locale, errors, new Set<string>(FIELDS.map((f) => f.id)));
  const fields = FIELDS.map((f) => renderField(f, locale, values[f.id], errorFor(f.id))).join('\n');
  const zh = locale === 'zh-CN';

  return publicPage(
    locale,
    zh ? '投诉与咨询' : 'Complaints and inquiries',
    `<h1>${BANK_NAME[locale]}${zh ? '：投诉与咨询' : ': complaints and inquiries'}</h1>
<p>${
      zh
        ? '请告诉我们遇到的问题或想了解的内容。标有 * 的为必填项。'
        : 'Tell us what went wrong or what you would like to know. Fields marked * are required.'
    }</p>
<p><a href="/complaint/status?lang=${locale}">${zh ? '查询已提交诉求的进度' : 'Check the status of a request you sent'}</a></p>
${summary}
<form method="post" action="${escapeHtml(opts.action)}" enctype="application/x-www-form-urlencoded">
${fields}
<div style="display:none" aria-hidden="true">
<label for="website">Website (leave this empty)</label>
<input type="text" id="website" name="website" value="" tabindex="-1" autocomplete="off">
</div>
<button type="submit">${zh ? '提交' : 'Send'}</button>
</form>`,
    opts.switchHref ?? formHref,
  );
}

function renderField(f: FieldSpec, locale: Locale, value: string | undefined, error: string | undefined): string {
  const describedBy = [f.hint ? `${f.id}-hint` : '', error ? `${f.id}-error` : ''].filter(Boolean).join(' ');
  const common = [
    `id="${f.id}"`,
    `name="${f.id}"`,
    f.required ? 'required' : '',
    error ? 'aria-invalid="true"' : '',
    describedBy ? `aria-describedby="${describedBy}"` : '',
    f.attrs ?? '',
  ]
    .filter(Boolean)
    .join(' ');

  let control: string;
  if (f.control === 'textarea') {
    control = `<textarea ${common}>${escapeHtml(value ?? '')}</textarea>`;
  } else if (f.control === 'select') {
    const choose = locale === 'zh-CN' ? '请选择…' : 'Choose…';
    const placeholder = f.id === 'kind' ? '' : `<option value=""${value ? '' : ' selected'}>${choose}</option>\n`;
    const selected = value ?? (f.id === 'kind' ? 'complaint' : '');
    const options = (f.options?.(locale) ?? [])
      .map(
        (o) =>
          `<option value="${escapeHtml(o.value)}"${o.value === selected ? ' selected' : ''}>` +
          `${escapeHtml(o.label)}</option>`,
      )
      .join('\n');
    control = `<select ${common}>\n${placeholder}${options}\n</select>`;
  } else {
    control = `<input ${common} value="${escapeHtml(value ?? '')}">`;
  }

  const label = f.label[locale];
  const hint = f.hint?.[locale];
  return `<div class="field">
<label for="${f.id}">${escapeHtml(label)}${f.required ? ' <span aria-hidden="true">*</span>' : ''}</label>
${hint ? `<span class="hint" id="${f.id}-hint">${escapeHtml(hint)}</span>\n` : ''}${control}
${error ? `<p class="error" id="${f.id}-error" role="alert">${escapeHtml(error)}</p>\n` : ''}</div>`;
}

export interface ComplaintReceiptPageOptions {
  reference: string;
  /** The HTML status page for this reference, as shown (absolute). */
  statusUrl: string;
  /** Where its link leads (default statusUrl): a relative link keeps working behind any front door. */
  statusHref?: string;
  locale?: Locale;
}

export function renderComplaintReceiptPage(opts: ComplaintReceiptPageOptions): string {
  const locale = opts.locale ?? 'en';
  const url = escapeHtml(opts.statusUrl);
  const href = escapeHtml(opts.statusHref ?? opts.statusUrl);
  const reference = `<p class="reference" id="reference">${escapeHtml(opts.reference)}</p>`;
  const body =
    locale === 'zh-CN'
      ? `<h1>谢谢，我们已收到您的诉求</h1>
<p>您的编号是：</p>
${reference}
<p>请保留此编号。致电或回复邮件时提供此编号，我们可以立即找到您的诉求。</p>
<h2>查询进度</h2>
<p>您可随时在 <a id="status-link" href="${href}">${url}</a> 查询进度，需提供上述编号以及您在表单中留下的手机号或电子邮箱。</p>
<p>我们也会通过该手机号或电子邮箱向您发送确认和处理结果。</p>`
      : `<h1>Thank you, we have received your request</h1>
<p>Your reference number is:</p>
${reference}
<p>Please keep this reference. Quote it if you call us or reply by email, and we will find your case straight away.</p>
<h2>Checking the status</h2>
<p>You can check progress at any time at <a id="status-link" href="${href}">${url}</a>. ` +
        `Enter the reference number above together with the phone number or email address you gave us in the form.</p>
<p>We will also contact you on that phone number or email address with an acknowledgement and the outcome.</p>`;
  return publicPage(locale, locale === 'zh-CN' ? '已收到' : 'Request received', body, formHref);
}
