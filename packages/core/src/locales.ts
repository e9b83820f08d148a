/** The languages the public pages and customer messages are written in. */
export const locales = ['zh-CN', 'en'] as const;
export type Locale = (typeof locales)[number];
export const isLocale = (value: unknown): value is Locale => locales.includes(value as Locale);

/** Whether Intl knows this IANA time zone (e.g. Asia/Shanghai). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
