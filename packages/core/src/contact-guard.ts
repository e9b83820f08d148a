import type { ContactChannel, ContactPreferences } from './customers';
import { isTimeZone } from './locales';

/**
 * "Don't ignore, don't pester" (seed 000): every outbound contact — a message to the customer, a staff reply, an
 * agent's outbound call — passes this guard. Pure: the caller reads the customer's preferences and recent outbound
 * contacts and hands them in with the time.
 */
export const outboundChannels = ['voice', 'sms', 'email'] as const;
export type OutboundChannel = (typeof outboundChannels)[number];
/** The channels a written message can go by. */
export const messageChannels = ['sms', 'email'] as const;
export type MessageChannel = (typeof messageChannels)[number];

/** Why the bank contacts the customer: decides whether the frequency cap applies. */
export const contactPurposes = ['acknowledgement', 'outcome', 'reply', 'call'] as const;
export type ContactPurpose = (typeof contactPurposes)[number];

export interface ContactGuardPolicy {
  /** Outbound contacts allowed per rolling window (contacts exempt from the cap are not counted). */
  cap: number;
  windowDays: number;
  /** Channels tried after the customer's preferred one (and the one the case came in by), in this order. */
  fallbackOrder: readonly OutboundChannel[];
  /** For quiet hours whose time zone is not one Intl knows. */
  defaultTimeZone: string;
}

/** One outbound contact as the per-customer contact log keeps it. */
export interface OutboundContact {
  id: string;
  at: string;
  channel: OutboundChannel;
  purpose: ContactPurpose;
  /** Not counted towards the cap (acknowledgements of cases the customer started). */
  capExempt: boolean;
  caseId?: string;
}

export type GuardReason =
  | { code: 'opted_out'; channel: OutboundChannel }
  | { code: 'no_address'; channel: OutboundChannel }
  | { code: 'quiet_hours'; start: string; end: string; timeZone: string; until: string }
  | { code: 'frequency_cap'; count: number; limit: number; windowDays: number; until: string };
export type GuardReasonCode = GuardReason['code'];

export interface ChannelVerdict {
  channel: OutboundChannel;
  /** Allowed at the time asked about. */
  allowed: boolean;
  /** The earliest time it is allowed (the time asked about when allowed); null while opted out or unreachable. */
  nextAllowedAt: string | null;
  reasons: GuardReason[];
}

/** What the guard says about one contact: whether it breaks the rules, and which. */
export interface GuardInput {
  preferences: ContactPreferences;
  /** The customer's outbound contacts so far (any order; ones at or after `at` are ignored). */
  log: readonly Pick<OutboundContact, 'at' | 'capExempt'>[];
  at: Date;
  policy: ContactGuardPolicy;
  capExempt: boolean;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Only an acknowledgement of a case the customer started is exempt from the cap; nothing is exempt from opt-out. */
export const isCapExempt = (purpose: ContactPurpose, customerInitiated: boolean) =>
  purpose === 'acknowledgement' && customerInitiated;

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Minutes since local midnight at `at` in `timeZone`. */
export function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return part('hour') * 60 + part('minute');
}

const inWindow = (minutes: number, start: number, end: number) =>
  start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end;

/** Signed difference a − b in minutes of the day, in (−720, 720]. */
const dayDelta = (a: number, b: number) => ((a - b + 1440 + 720) % 1440) - 720 || 0;

/**
 * When quiet hours that hold at `at` end, or undefined when `at` is outside them. The wall-clock end is found in
 * the customer's time zone; where a daylight-saving change moves the offset, the guess is corrected against it.
 */
export function quietHoursEnd(
  quiet: ContactPreferences['quietHours'],
  at: Date,
  defaultTimeZone: string,
): { until: Date; timeZone: string } | undefined {
  if (!quiet || quiet.start === quiet.end) return undefined;
  const timeZone = isTimeZone(quiet.timezone) ? quiet.timezone : defaultTimeZone;
  const [start, end] = [minutesOf(quiet.start), minutesOf(quiet.end)];
  const now = localMinutes(at, timeZone);
  if (!inWindow(now, start, end)) return undefined;
  let until = Math.floor(at.getTime() / MINUTE) * MINUTE + ((end - now + 1440) % 1440) * MINUTE;
  for (let i = 0; i < 3; i++) {
    const delta = dayDelta(end, localMinutes(new Date(until), timeZone));
    if (delta === 0) break;
    until += delta * MINUTE;
  }
  // A wall-clock end skipped by a daylight-saving jump: the first minute after the window.
  while (inWindow(localMinutes(new Date(until), timeZone), start, end)) until += 15 * MINUTE;
  return { until: new Date(until), timeZone };
}

/** Counted contacts in the window ending at `at`, and when the count next drops below the cap. */
export function frequencyAt(
  log: GuardInput['log'],
  at: Date,
  policy: Pick<ContactGuardPolicy, 'cap' | 'windowDays'>,
): { count: number; capped: boolean; until?: Date } {
  const from = at.getTime() - policy.windowDays * DAY;
  const counted = log
    .filter((c) => !c.capExempt)
    .map((c) => Date.parse(c.at))
    .filter((t) => t > from && t < at.getTime())
    .sort((a, b) => a - b);
  if (counted.length < policy.cap) return { count: counted.length, capped: false };
  return {
    count: counted.length,
    capped: true,
    until: new Date(counted[counted.length - policy.cap]! + policy.windowDays * DAY),
  };
}

/** The time rules (cap, then quiet hours) for a contact at `at`: when it may happen, and what holds it back. */
function timing(input: GuardInput): { next: Date; reasons: GuardReason[] } {
  const { preferences, at, policy } = input;
  const reasons: GuardReason[] = [];
  let next = at;
  if (!input.capExempt) {
    const frequency = frequencyAt(input.log, at, policy);
    if (frequency.capped) {
      next = frequency.until!;
      reasons.push({
        code: 'frequency_cap',
        count: frequency.count,
        limit: policy.cap,
        windowDays: policy.windowDays,
        until: next.toISOString(),
      });
    }
  }
  const quietNow = quietHoursEnd(preferences.quietHours, at, policy.defaultTimeZone);
  if (quietNow) {
    reasons.push({
      code: 'quiet_hours',
      start: preferences.quietHours!.start,
      end: preferences.quietHours!.end,
      timeZone: quietNow.timeZone,
      until: quietNow.until.toISOString(),
    });
  }
  // Once the cap lifts, that moment may itself fall in quiet hours.
  const quietThen = quietHoursEnd(preferences.quietHours, next, policy.defaultTimeZone);
  if (quietThen) next = quietThen.until;
  return { next, reasons };
}

/** Whether one channel may be used at `at`, when it may next be, and every rule that holds it back. */
export function judgeChannel(channel: OutboundChannel, input: GuardInput & { hasAddress: boolean }): ChannelVerdict {
  const blocking: GuardReason[] = [];
  if (input.preferences.optOut[channel]) blocking.push({ code: 'opted_out', channel });
  if (!input.hasAddress) blocking.push({ code: 'no_address', channel });
  const { next, reasons } = timing(input);
  const all = [...blocking, ...reasons];
  return {
    channel,
    allowed: all.length === 0,
    nextAllowedAt: blocking.length ? null : next.toISOString(),
    reasons: all,
  };
}

/** The preferred channel first, then the one the customer used for this matter, then the configured order. */
export function channelOrder(
  preferred: ContactChannel | undefined,
  policy: Pick<ContactGuardPolicy, 'fallbackOrder'>,
  usedForThis?: OutboundChannel,
): OutboundChannel[] {
  const wanted = [preferred, usedForThis, ...policy.fallbackOrder, ...outboundChannels];
  return [...new Set(wanted.filter((c): c is OutboundChannel => outboundChannels.includes(c as OutboundChannel)))];
}

export type MessagePlan =
  | { outcome: 'send'; channel: MessageChannel; sendAfter?: string; skipped: GuardReason[] }
  | { outcome: 'blocked'; reasons: GuardReason[] };

/**
 * Picks the channel for a message: the first in `order` the customer can be reached on and has not opted out of.
 * The cap blocks the message (it is not sent); quiet hours only delay it (it goes when they end).
 */
export function planMessage(
  input: GuardInput & { order: readonly OutboundChannel[]; addresses: Partial<Record<MessageChannel, string>> },
): MessagePlan {
  const skipped: GuardReason[] = [];
  for (const channel of input.order) {
    if (!messageChannels.includes(channel as MessageChannel)) continue;
    const verdict = judgeChannel(channel, { ...input, hasAddress: !!input.addresses[channel as MessageChannel] });
    const stops = verdict.reasons.filter((r) => r.code === 'opted_out' || r.code === 'no_address');
    if (stops.length) {
      skipped.push(...stops);
      continue;
    }
    const capped = verdict.reasons.filter((r) => r.code === 'frequency_cap');
    if (capped.length) return { outcome: 'blocked', reasons: [...skipped, ...capped] };
    const later = verdict.nextAllowedAt !== input.at.toISOString();
    return {
      outcome: 'send',
      channel: channel as MessageChannel,
      ...(later && { sendAfter: verdict.nextAllowedAt! }),
      skipped,
    };
  }
  return { outcome: 'blocked', reasons: skipped };
}

/** A reason in a sentence, for case history and timelines. */
export function describeGuardReason(reason: GuardReason): string {
  switch (reason.code) {
    case 'opted_out':
      return `the customer opted out of ${reason.channel}`;
    case 'no_address':
      return `no ${reason.channel === 'email' ? 'email address' : 'phone number'} to use`;
    case 'quiet_hours':
      return `quiet hours ${reason.start}–${reason.end} (${reason.timeZone}) until ${reason.until}`;
    case 'frequency_cap':
      return (
        `${reason.count} contacts in the last ${reason.windowDays} days (limit ${reason.limit}) ` +
        `until ${reason.until}`
      );
  }
}
