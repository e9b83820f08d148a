/** The bank's clock: what staff type into time fields and read on pages (China has one zone and no DST). */
export const BANK_TIME_ZONE = 'Asia/Shanghai';

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/** Minutes `timeZone` is ahead of UTC at the instant `ms`. */
function offsetMinutes(ms: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, Number(p.value)]),
  );
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** A datetime-local value (YYYY-MM-DDTHH:mm, the bank's wall clock) as an ISO instant; undefined if malformed. */
export function wallClockToIso(value: string | undefined, timeZone = BANK_TIME_ZONE): string | undefined {
  const m = LOCAL.exec(value ?? '');
  if (!m) return undefined;
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!);
  if (Number.isNaN(asUtc)) return undefined;
  const first = asUtc - offsetMinutes(asUtc, timeZone) * 60_000;
  return new Date(asUtc - offsetMinutes(first, timeZone) * 60_000).toISOString();
}

/** An instant as a datetime-local value on the bank's wall clock. */
export function isoToWallClock(ms: number, timeZone = BANK_TIME_ZONE): string {
  return new Date(ms + offsetMinutes(ms, timeZone) * 60_000).toISOString().slice(0, 16);
}
