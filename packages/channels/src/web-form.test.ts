import { describe, it, expect } from 'vitest';
import { ValidationError } from '@cc/core';
import {
  COMPLAINT_CATEGORIES,
  complaintFormSchema,
  escapeHtml,
  honeypotTripped,
  parseComplaintForm,
  renderComplaintFormPage,
  renderComplaintReceiptPage,
} from './web-form';

// As a browser posts it: every field present, untouched ones as "".
const POSTED = {
  kind: 'complaint',
  name: 'Li Wei',
  phone: '+86 138 0000 0001',
  email: '',
  customerNumber: '',
  category: 'card',
  subject: 'Card blocked abroad',
  description: 'My debit card was blocked while travelling in Japan.',
  productCode: '',
  website: '',
};

function pathsOf(input: Record<string, unknown>): string[] {
  const result = complaintFormSchema.safeParse(input);
  expect(result.success).toBe(false);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.')).sort();
}

describe('complaintFormSchema', () => {
  it('accepts a browser-posted complaint and drops blank optionals', () => {
    const result = complaintFormSchema.parse(POSTED);
    expect(result).toEqual({
      kind: 'complaint',
      name: 'Li Wei',
      phone: '+86 138 0000 0001',
      category: 'card',
      subject: 'Card blocked abroad',
      description: 'My debit card was blocked while travelling in Japan.',
      website: '',
    });
  });

  it('defaults kind to complaint and trims text', () => {
    const { kind: _kind, ...rest } = POSTED;
    const result = complaintFormSchema.parse({ ...rest, kind: '', name: '  Li Wei  ', email: ' li.wei@example.cn ' });
    expect(result.kind).toBe('complaint');
    expect(result.name).toBe('Li Wei');
    expect(result.email).toBe('li.wei@example.cn');
    expect(complaintFormSchema.parse(rest).kind).toBe('complaint');
  });

  it('accepts an inquiry with email only and a product code', () => {
    const result = complaintFormSchema.parse({
      ...POSTED,
      kind: 'inquiry',
      phone: '',
      email: 'a@b.cn',
      productCode: 'DEP-12M',
    });
    expect(result.kind).toBe('inquiry');
    expect(result.phone).toBeUndefined();
    expect(result.productCode).toBe('DEP-12M');
  });

  it('accepts every category', () => {
    for (const category of COMPLAINT_CATEGORIES) {
      expect(complaintFormSchema.safeParse({ ...POSTED, category }).success).toBe(true);
    }
  });

  it('requires a phone or an email, reported on phone', () => {
    expect(pathsOf({ ...POSTED, phone: '', email: '' })).toEqual(['phone']);
    expect(pathsOf({ ...POSTED, phone: undefined, email: '   ' })).toEqual(['phone']);
  });

  it('reports all missing required fields at once', () => {
    expect(pathsOf({})).toEqual(['category', 'description', 'name', 'phone', 'subject']);
  });

  it.each([
    ['empty name', { name: '' }, 'name'],
    ['121-char name', { name: 'x'.repeat(121) }, 'name'],
    ['unknown kind', { kind: 'praise' }, 'kind'],
    ['unknown category', { category: 'mortgage' }, 'category'],
    ['2-char subject', { subject: 'hi' }, 'subject'],
    ['201-char subject', { subject: 'x'.repeat(201) }, 'subject'],
    ['9-char description', { description: 'too short' }, 'description'],
    ['5001-char description', { description: 'x'.repeat(5001) }, 'description'],
    ['whitespace-padded short description', { description: '   short   ' }, 'description'],
    ['41-char customer number', { customerNumber: '1'.repeat(41) }, 'customerNumber'],
    ['41-char product code', { productCode: 'P'.repeat(41) }, 'productCode'],
    ['invalid phone', { phone: '12345' }, 'phone'],
    ['invalid email', { email: 'not-an-email' }, 'email'],
  ])('refuses %s', (_label, override, path) => {
    expect(pathsOf({ ...POSTED, ...override })).toEqual([path]);
  });

  it('refuses non-object input without throwing', () => {
    expect(complaintFormSchema.safeParse(null).success).toBe(false);
    expect(complaintFormSchema.safeParse('name=x').success).toBe(false);
  });

  it('accepts the limits exactly', () => {
    const ok = complaintFormSchema.safeParse({
      ...POSTED,
      name: 'x'.repeat(120),
      subject: 'abc',
      description: 'x'.repeat(5000),
      customerNumber: '1'.repeat(40),
    });
    expect(ok.success).toBe(true);
  });

  it('lets the honeypot through the schema so the handler can drop it quietly', () => {
    const parsed = complaintFormSchema.parse({ ...POSTED, website: 'http://spam.example' });
    expect(honeypotTripped(parsed)).toBe(true);
    expect(honeypotTripped(complaintFormSchema.parse(POSTED))).toBe(false);
    expect(honeypotTripped({})).toBe(false);
  });
});

describe('parseComplaintForm', () => {
  it('throws ValidationError with field errors', () => {
    let error: unknown;
    try {
      parseComplaintForm({ ...POSTED, subject: '', phone: '', email: '' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('request.invalid');
    expect((error as ValidationError).errors.map((e) => e.path).sort()).toEqual(['phone', 'subject']);
  });
});

describe('escapeHtml', () => {
  it('escapes markup and quotes', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;',
    );
  });
});

const controlTags = (html: string) => [...html.matchAll(/<(input|select|textarea)\b[^>]*>/g)].map((m) => m[0]);
const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
const hasFlag = (tag: string, name: string) => new RegExp(`\\s${name}(?=[\\s>=])`).test(tag);

describe('renderComplaintFormPage', () => {
  const html = renderComplaintFormPage({ action: '/complaints' });

  it('is a complete, self-contained HTML5 document', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toMatch(/<meta name="viewport" content="width=device-width, initial-scale=1">/);
    expect(html).toContain('Customer Care');
    expect(html).not.toMatch(/<script|<link|<img|\ssrc=|@import|url\(/i);
    expect(html).toMatch(/<\/html>\s*$/);
  });

  it('posts url-encoded to the action', () => {
    expect(html).toContain('<form method="post" action="/complaints" enctype="application/x-www-form-urlencoded">');
  });

  it('gives every control a unique id, a name and a <label for>', () => {
    const tags = controlTags(html);
    const ids = tags.map((t) => attr(t, 'id'));
    expect(ids).toEqual([
      'kind',
      'name',
      'phone',
      'email',
      'customerNumber',
      'category',
      'subject',
      'description',
      'productCode',
      'website',
    ]);
    for (const tag of tags) {
      const id = attr(tag, 'id')!;
      expect(attr(tag, 'name')).toBe(id);
      expect(html).toContain(`<label for="${id}">`);
    }
  });

  it('marks exactly the required fields required', () => {
    const required = controlTags(html)
      .filter((t) => hasFlag(t, 'required'))
      .map((t) => attr(t, 'id'));
    expect(required).toEqual(['kind', 'name', 'category', 'subject', 'description']);
  });

  it('hides the honeypot from people and keyboard users', () => {
    const block = /<div([^>]*)>\s*<label for="website">[\s\S]*?<\/div>/.exec(html);
    expect(block).not.toBeNull();
    expect(block![1]).toContain('style="display:none"');
    expect(block![1]).toContain('aria-hidden="true"');
    const input = controlTags(html).find((t) => attr(t, 'id') === 'website')!;
    expect(attr(input, 'tabindex')).toBe('-1');
    expect(attr(input, 'autocomplete')).toBe('off');
    expect(attr(input, 'name')).toBe('website');
  });

  it('offers every category and selects complaint by default', () => {
    for (const c of COMPLAINT_CATEGORIES) expect(html).toContain(`<option value="${c}">`);
    expect(html).toContain('<option value="complaint" selected>');
    expect(html).not.toContain('role="alert"');
  });

  it('re-fills values escaped and shows field errors next to their fields', () => {
    const evil = '"><script>alert(1)</script>';
    const page = renderComplaintFormPage({
      action: '/complaints?x="1"',
      values: {
        ...POSTED,
        kind: 'inquiry',
        name: evil,
        description: `</textarea><script>alert(2)</script>`,
        category: 'fees',
      },
      errors: [
        { path: 'subject', message: 'Use at least 3 characters' },
        { path: 'phone', message: 'Enter a <b>phone</b>' },
        { path: '(root)', message: 'Something odd' },
      ],
    });
    expect(page).not.toContain('<script>');
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(page).toContain('&lt;/textarea&gt;&lt;script&gt;alert(2)&lt;/script&gt;</textarea>');
    expect(page).toContain('action="/complaints?x=&quot;1&quot;"');
    expect(page).toContain('<option value="fees" selected>');
    expect(page).toContain('<option value="inquiry" selected>');
    expect(page).not.toContain('<option value="complaint" selected>');

    const subject = controlTags(page).find((t) => attr(t, 'id') === 'subject')!;
    expect(attr(subject, 'aria-invalid')).toBe('true');
    expect(attr(subject, 'aria-describedby')).toBe('subject-error');
    const subjectError = '<p class="error" id="subject-error" role="alert">Use at least 3 characters</p>';
    expect(page).toMatch(new RegExp(`<input [^>]*id="subject"[^>]*>\\s*${subjectError}`));
    expect(page).toContain('<p class="error" id="phone-error" role="alert">Enter a &lt;b&gt;phone&lt;/b&gt;</p>');
    expect(page).toContain('<a href="#subject">Use at least 3 characters</a>');
    expect(page).toContain('<li>Something odd</li>');
    const name = controlTags(page).find((t) => attr(t, 'id') === 'name')!;
    expect(attr(name, 'aria-invalid')).toBeUndefined();
  });

  it('never re-fills the honeypot', () => {
    const page = renderComplaintFormPage({ action: '/c', values: { website: 'spam' } });
    expect(page).not.toContain('spam');
  });
});

describe('renderComplaintReceiptPage', () => {
  it('shows the reference and how to check status', () => {
    const page = renderComplaintReceiptPage({
      reference: 'C-2026-000123',
      statusUrl: 'https://care.bank.example/status',
    });
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page).toContain('<p class="reference" id="reference">C-2026-000123</p>');
    expect(page).toContain('<a id="status-link" href="https://care.bank.example/status">');
    expect(page).toMatch(/phone number or email address/);
  });

  it('escapes its inputs', () => {
    const page = renderComplaintReceiptPage({ reference: '<b>x</b>', statusUrl: '"><script>' });
    expect(page).not.toContain('<b>x</b>');
    expect(page).not.toContain('<script>');
  });
});
