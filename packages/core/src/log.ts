const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;
const DIGITS = /\+?\d(?: ?\d){6,}/g;

/** Masks e-mail addresses and phone/account-like digit runs before anything reaches a log line. */
export function maskPii(text: string): string {
  return text.replace(EMAIL, '$1***@$2').replace(DIGITS, (m) => `***${m.replace(/\D/g, '').slice(-2)}`);
}

/**
 * Error log messages that mean the system stopped retrying something after acceptance. The stack turns
 * each into a metric and an alarm (infra/constructs/given-up-alarm.ts), so keep them exact.
 */
export const givenUpMessages = {
  followUp: 'case follow-up failed for good, see GET /ops/stuck',
  notification: 'notification undeliverable, giving up, it stays in the inbox, see GET /ops/stuck',
  customerMessage: 'customer message undeliverable, giving up, the case says so, see GET /ops/stuck',
} as const;

export type LogFields = Record<string, unknown>;
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** One JSON line per event on stdout/stderr, PII masked. `silent` for tests. */
export function createLogger(options: { silent?: boolean } = {}): Logger {
  const write = (level: string, message: string, fields: LogFields = {}) => {
    if (options.silent) return;
    const line = maskPii(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }));
    (level === 'error' ? process.stderr : process.stdout).write(line + '\n');
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
