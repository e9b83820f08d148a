import { metricDimensions, metricNamespace, metricUnit, type MetricName } from './metrics';

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
  /**
   * Counts a business event as a CloudWatch Embedded Metric Format line (namespace and names in
   * metrics.ts), always with the Stage dimension, and with the Channel dimension too when given.
   */
  metric(name: MetricName, value?: number, dimensions?: { channel?: string }): void;
}

export interface LoggerOptions {
  silent?: boolean;
  /** The deployment stage every metric is dimensioned by (STAGE; `local` on a workstation). */
  stage?: string;
  /** Fields every line carries, read when the line is written (e.g. the request's correlation id). */
  context?: () => LogFields;
  now?: () => Date;
}

/** A warning repeated word for word within this window is counted rather than written again. */
export const REPEATED_WARNING_WINDOW_MS = 60_000;

/**
 * Lets the first of identical warnings (same message and fields) through, then at most one per window, carrying
 * `repeated`: how many were held back since. A dependency that stays down is reported, not logged every second.
 */
export function repeatedWarningFilter(windowMs = REPEATED_WARNING_WINDOW_MS, now: () => number = Date.now) {
  const seen = new Map<string, { at: number; held: number }>();
  return (message: string, fields: LogFields = {}): LogFields | undefined => {
    const key = JSON.stringify([message, fields]);
    const at = now();
    const last = seen.get(key);
    if (last && at - last.at < windowMs) {
      last.held++;
      return undefined;
    }
    if (seen.size >= 1000) {
      for (const [k, v] of seen) if (at - v.at >= windowMs) seen.delete(k);
    }
    seen.set(key, { at, held: 0 });
    return last?.held ? { ...fields, repeated: last.held } : fields;
  };
}

/** One JSON line per event on stdout/stderr, PII masked; identical warnings rate-limited. `silent` for tests. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const now = options.now ?? (() => new Date());
  const stage = options.stage ?? 'local';
  const emit = (stream: NodeJS.WriteStream, record: LogFields) => {
    if (options.silent) return;
    // Masks string values only: numbers (an EMF Timestamp, counts) stay numbers and the line stays JSON.
    const line = JSON.stringify({ ...record, ...options.context?.() }, (_key, value: unknown) =>
      typeof value === 'string' ? maskPii(value) : value,
    );
    stream.write(line + '\n');
  };
  const write = (level: string, message: string, fields: LogFields = {}) =>
    emit(level === 'error' ? process.stderr : process.stdout, {
      time: now().toISOString(),
      level,
      message,
      ...fields,
    });
  const warnings = repeatedWarningFilter(REPEATED_WARNING_WINDOW_MS, () => now().getTime());
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => {
      const fields = warnings(m, f);
      if (fields) write('warn', m, fields);
    },
    error: (m, f) => write('error', m, f),
    metric(name, value = 1, dimensions = {}) {
      const sets = [
        [metricDimensions.stage],
        ...(dimensions.channel ? [[metricDimensions.stage, metricDimensions.channel]] : []),
      ];
      emit(process.stdout, {
        _aws: {
          Timestamp: now().getTime(),
          CloudWatchMetrics: [
            { Namespace: metricNamespace, Dimensions: sets, Metrics: [{ Name: name, Unit: metricUnit }] },
          ],
        },
        [metricDimensions.stage]: stage,
        ...(dimensions.channel && { [metricDimensions.channel]: dimensions.channel }),
        [name]: value,
      });
    },
  };
}
