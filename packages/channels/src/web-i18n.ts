import { isLocale, type Locale } from '@cc/core';

/**
 * The public pages' language: `?lang=` (the visible switch) first, then the browser's Accept-Language, then the
 * configured default. Any Chinese tag reads Simplified Chinese; any English tag, English.
 */
export function negotiateLocale(
  lang: string | undefined,
  acceptLanguage: string | undefined,
  fallback: Locale,
): Locale {
  if (isLocale(lang)) return lang;
  const wanted = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((t) => t.tag && t.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of wanted) {
    if (tag === 'zh' || tag.startsWith('zh-')) return 'zh-CN';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return fallback;
}

/** Form validation messages are written in English in the schema; the Chinese page shows these instead. */
const ZH_MESSAGES: Record<string, string> = {
  'Choose complaint or inquiry': '请选择投诉或咨询',
  'Enter your name': '请填写您的姓名',
  'Use at most 120 characters': '最多 120 个字符',
  'Enter a valid phone number, e.g. +86 138 0000 0001': '请填写有效的手机号，例如 +86 138 0000 0001',
  'Enter a valid email address': '请填写有效的电子邮箱',
  'Use at most 40 characters': '最多 40 个字符',
  'Choose a category': '请选择类别',
  'Enter a subject': '请填写主题',
  'Use at least 3 characters': '至少 3 个字符',
  'Use at most 200 characters': '最多 200 个字符',
  'Describe your request': '请描述您的诉求',
  'Use at least 10 characters': '至少 10 个字符',
  'Use at most 5000 characters': '最多 5000 个字符',
  'Enter a phone number or an email address so we can reach you': '请填写手机号或电子邮箱，以便我们联系您',
  'These fields cannot be set here': '这些字段不能在此填写',
  'not allowed': '不允许填写',
  'Enter the reference number': '请填写编号',
  'Enter the phone number or email address you gave us': '请填写您留下的手机号或电子邮箱',
};

export const translateMessage = (locale: Locale, message: string) =>
  locale === 'zh-CN' ? (ZH_MESSAGES[message] ?? message) : message;

/** The language switch shown on every public page: a link to the same page in the other language. */
export function languageSwitch(locale: Locale, hrefFor: (locale: Locale) => string): string {
  const other: Locale = locale === 'zh-CN' ? 'en' : 'zh-CN';
  const label = other === 'zh-CN' ? '简体中文' : 'English';
  return (
    `<nav class="lang" aria-label="${locale === 'zh-CN' ? '语言' : 'Language'}">` +
    `<a id="language-switch" href="${hrefFor(other)}" hreflang="${other}" lang="${other}">${label}</a></nav>`
  );
}
