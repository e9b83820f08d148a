import * as z from 'zod';
import { hasBidiControls, hasControlCharacters, hasVisibleText, ValidationError, type FieldIssue } from '@cc/core';
import { tryNormaliseEmail, tryNormalisePhone } from './identity';
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

const CATEGORY_LABELS: Record<ComplaintCategory, string> = {
  card: 'Cards',
  account: 'Accounts',
  loan: 'Loans and mortgages',
  deposit: 'Deposits and savings',
  online_banking: 'Online and mobile banking',
  branch_service: 'Branch service',
  fees: 'Fees and charges',
  other: 'Something else',
};

// Browsers submit untouched inputs as "", which means "not given" for optional fields.
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalText = (schema: z.ZodType<string, string>) => z.preprocess(blankToUndefined, schema.optional());
/** One line as a person types it: no line breaks or invisible direction changes (they would reach email subjects). */
const oneLine = (schema: z.ZodString) =>
  schema
    .refine((v) => !hasControlCharacters(v), 'Use a single line without special characters')
    .refine((v) => !hasBidiControls(v), 'Remove the text direction characters');

/** The form's fields; the API documents these (less the honeypot) as its public complaint body. */
export const complaintFormFields = z.object({
  kind: z.preprocess(blankToUndefined, z.enum(COMPLAINT_KINDS, 'Choose complaint or inquiry').default('complaint')),
  name: oneLine(
    z.string('Enter your name').trim().min(1, 'Enter your name').max(120, 'Use at most 120 characters'),
  ).refine((v) => v === '' || hasVisibleText(v), 'Enter your name'),
  phone: optionalText(
    z
      .string()
      .trim()
      .refine((v) => tryNormalisePhone(v) !== null, 'Enter a valid phone number, e.g. +86 138 0000 0001'),
  ),
  email: optionalText(
    z
      .string()
      .trim()
      .refine((v) => tryNormaliseEmail(v) !== null, 'Enter a valid email address'),
  ),
  customerNumber: optionalText(oneLine(z.string().normalize('NFKC').trim().max(40, 'Use at most 40 characters'))),
  category: z.enum(COMPLAINT_CATEGORIES, 'Choose a category'),
  subject: oneLine(
    z.string('Enter a subject').trim().min(3, 'Use at least 3 characters').max(200, 'Use at most 200 characters'),
  ),
  description: z
    .string('Describe your request')
    .trim()
    .min(10, 'Use at least 10 characters')
    .max(5000, 'Use at most 5000 characters')
    .refine((v) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(v), 'Remove the special characters')
    .refine((v) => !hasBidiControls(v), 'Remove the text direction characters'),
  productCode: optionalText(oneLine(z.string().trim().max(40, 'Use at most 40 characters'))),
  /** Honeypot: hidden from people, so any value means a bot filled the form. */
  website: z.string().max(1000).optional(),
});

export const complaintFormSchema = complaintFormFields.refine((v) => v.phone !== undefined || v.email !== undefined, {
  path: ['phone'],
  message: 'Enter a phone number or an email address so we can reach you',
  // Also report this when other fields are missing, so the person sees every problem at once.
  when: (payload) => typeof payload.value === 'object' && payload.value !== null,
});

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
// Rendering
// ---------------------------------------------------------------------------

const BANK_NAME = 'Customer Care';

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
].join('\n');

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} | ${BANK_NAME}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

interface FieldSpec {
  id: Exclude<ComplaintFormField, 'website'>;
  label: string;
  hint?: string;
  required?: boolean;
  control: 'input' | 'select' | 'textarea';
  attrs?: string;
  options?: readonly { value: string; label: string }[];
}

const FIELDS: readonly FieldSpec[] = [
  {
    id: 'kind',
    label: 'Type of request',
    control: 'select',
    required: true,
    options: [
      { value: 'complaint', label: 'Complaint' },
      { value: 'inquiry', label: 'Inquiry' },
    ],
  },
  {
    id: 'name',
    label: 'Full name',
    control: 'input',
    required: true,
    attrs: 'type="text" maxlength="120" autocomplete="name"',
  },
  {
    id: 'phone',
    label: 'Phone number',
    hint: 'Give a phone number, an email address, or both.',
    control: 'input',
    attrs: 'type="tel" autocomplete="tel"',
  },
  { id: 'email', label: 'Email address', control: 'input', attrs: 'type="email" autocomplete="email"' },
  {
    id: 'customerNumber',
    label: 'Customer number (optional)',
    hint: 'If you have one; never enter a card number or PIN.',
    control: 'input',
    attrs: 'type="text" maxlength="40" autocomplete="off"',
  },
  {
    id: 'category',
    label: 'Category',
    control: 'select',
    required: true,
    options: COMPLAINT_CATEGORIES.map((c) => ({ value: c, label: CATEGORY_LABELS[c] })),
  },
  {
    id: 'subject',
    label: 'Subject',
    control: 'input',
    required: true,
    attrs: 'type="text" minlength="3" maxlength="200"',
  },
  {
    id: 'description',
    label: 'Describe your request',
    hint: 'What happened, when, and what you would like us to do.',
    control: 'textarea',
    required: true,
    attrs: 'minlength="10" maxlength="5000" rows="8"',
  },
  {
    id: 'productCode',
    label: 'Product code (optional, for inquiries)',
    control: 'input',
    attrs: 'type="text" maxlength="40" autocomplete="off"',
  },
];

export interface ComplaintFormPageOptions {
  action: string;
  values?: ComplaintFormValues;
  errors?: FieldIssue[];
}

export function renderComplaintFormPage(opts: ComplaintFormPageOptions): string {
  const values = opts.values ?? {};
  const errors = opts.errors ?? [];
  const fieldIds = new Set<string>(FIELDS.map((f) => f.id));
  const errorFor = (id: string) => errors.find((e) => e.path === id)?.message;

  const summary =
    errors.length === 0
      ? ''
      : `<div class="summary" id="error-summary" tabindex="-1">
<h2>Please correct the following</h2>
<ul>
${errors
  .map((e) => {
    const text = escapeHtml(e.message);
    return fieldIds.has(e.path) ? `<li><a href="#${e.path}">${text}</a></li>` : `<li>${text}</li>`;
  })
  .join('\n')}
</ul>
</div>`;

  const fields = FIELDS.map((f) => renderField(f, values[f.id], errorFor(f.id))).join('\n');

  return page(
    'Complaints and inquiries',
    `<h1>${BANK_NAME}: complaints and inquiries</h1>
<p>Tell us what went wrong or what you would like to know. Fields marked * are required.</p>
${summary}
<form method="post" action="${escapeHtml(opts.action)}" enctype="application/x-www-form-urlencoded">
${fields}
<div style="display:none" aria-hidden="true">
<label for="website">Website (leave this empty)</label>
<input type="text" id="website" name="website" value="" tabindex="-1" autocomplete="off">
</div>
<button type="submit">Send</button>
</form>`,
  );
}

function renderField(f: FieldSpec, value: string | undefined, error: string | undefined): string {
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
    const placeholder = f.id === 'kind' ? '' : `<option value=""${value ? '' : ' selected'}>Choose…</option>\n`;
    const selected = value ?? (f.id === 'kind' ? 'complaint' : '');
    const options = (f.options ?? [])
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

  return `<div class="field">
<label for="${f.id}">${escapeHtml(f.label)}${f.required ? ' <span aria-hidden="true">*</span>' : ''}</label>
${f.hint ? `<span class="hint" id="${f.id}-hint">${escapeHtml(f.hint)}</span>\n` : ''}${control}
${error ? `<p class="error" id="${f.id}-error" role="alert">${escapeHtml(error)}</p>\n` : ''}</div>`;
}

export interface ComplaintReceiptPageOptions {
  reference: string;
  statusUrl: string;
}

export function renderComplaintReceiptPage(opts: ComplaintReceiptPageOptions): string {
  const url = escapeHtml(opts.statusUrl);
  return page(
    'Request received',
    `<h1>Thank you, we have received your request</h1>
<p>Your reference number is:</p>
<p class="reference" id="reference">${escapeHtml(opts.reference)}</p>
<p>Please keep this reference. Quote it if you call us or reply by email, and we will find your case straight away.</p>
<h2>Checking the status</h2>
<p>You can check progress at any time at <a href="${url}">${url}</a>. ` +
      `Enter the reference number above together with the phone number or email address you gave us in the form.</p>
<p>We will also contact you on that phone number or email address when there is news.</p>`,
  );
}
