import { describe, expect, it } from 'vitest';
import {
  channelOrder,
  frequencyAt,
  isCapExempt,
  judgeChannel,
  planMessage,
  quietHoursEnd,
  type ContactGuardPolicy,
  type GuardInput,
} from './contact-guard';
import type { ContactPreferences } from './customers';

const policy: ContactGuardPolicy = {
  cap: 3,
  windowDays: 7,
  fallbackOrder: ['sms', 'email', 'voice'],
  defaultTimeZone: 'Asia/Shanghai',
};
const none = { sms: false, email: false, voice: false };
const quiet = (start: string, end: string, timezone = 'Asia/Shanghai'): ContactPreferences => ({
  quietHours: { start, end, timezone },
  optOut: none,
});
const open: ContactPreferences = { optOut: none };
const at = (iso: string) => new Date(iso);
const contacts = (...times: string[]) => times.map((t) => ({ at: t, capExempt: false }));

describe('quiet hours in the customer’s time zone', () => {
  it.each([
    // [quiet hours, time zone, now (UTC), ends at (UTC) or undefined]
    ['21:00', '08:00', 'Asia/Shanghai', '2026-03-10T15:31:00Z', '2026-03-11T00:00:00.000Z'], // 23:31 local
    ['21:00', '08:00', 'Asia/Shanghai', '2026-03-10T19:00:00Z', '2026-03-11T00:00:00.000Z'], // 03:00 local
    ['21:00', '08:00', 'Asia/Shanghai', '2026-03-10T13:00:00Z', '2026-03-11T00:00:00.000Z'], // 21:00 sharp
    ['21:00', '08:00', 'Asia/Shanghai', '2026-03-11T00:00:00Z', undefined], // 08:00 sharp: over
    ['21:00', '08:00', 'Asia/Shanghai', '2026-03-10T12:59:00Z', undefined], // 20:59
    ['12:00', '14:00', 'Asia/Shanghai', '2026-03-10T04:30:10Z', '2026-03-10T06:00:00.000Z'], // a lunch break
    ['21:00', '21:00', 'Asia/Shanghai', '2026-03-10T13:30:00Z', undefined], // start = end: none
    ['22:00', '07:00', 'Europe/London', '2026-03-10T23:00:00Z', '2026-03-11T07:00:00.000Z'], // GMT
    // New York springs forward on 2026-03-08: 22:00 EST on the 7th, the window ends at 07:00 EDT (11:00Z).
    ['22:00', '07:00', 'America/New_York', '2026-03-08T03:00:00Z', '2026-03-08T11:00:00.000Z'],
    // ...and falls back on 2026-11-01: 23:00 EDT on Oct 31st, the window ends at 07:00 EST (12:00Z).
    ['22:00', '07:00', 'America/New_York', '2026-11-01T03:00:00Z', '2026-11-01T12:00:00.000Z'],
    // An unknown zone falls back to the default (Shanghai).
    ['21:00', '08:00', 'Mars/Olympus', '2026-03-10T15:31:00Z', '2026-03-11T00:00:00.000Z'],
  ])('%s–%s %s at %s ends %s', (start, end, zone, now, expected) => {
    const result = quietHoursEnd({ start, end, timezone: zone }, at(now), policy.defaultTimeZone);
    expect(result?.until.toISOString()).toBe(expected);
  });
});

describe('the frequency cap over a rolling window', () => {
  const now = at('2026-03-10T02:00:00Z');
  it.each([
    // [logged contacts, capped, lifts at]
    [[], false, undefined],
    [['2026-03-09T02:00:00Z', '2026-03-08T02:00:00Z'], false, undefined],
    [['2026-03-09T02:00:00Z', '2026-03-08T02:00:00Z', '2026-03-04T02:00:00Z'], true, '2026-03-11T02:00:00.000Z'],
    // The oldest fell out of the window (more than 7 days ago): two left.
    [['2026-03-09T02:00:00Z', '2026-03-08T02:00:00Z', '2026-03-03T01:00:00Z'], false, undefined],
    // Four counted: the cap lifts when the second oldest leaves.
    [
      ['2026-03-09T00:00:00Z', '2026-03-08T00:00:00Z', '2026-03-05T00:00:00Z', '2026-03-04T00:00:00Z'],
      true,
      '2026-03-12T00:00:00.000Z',
    ],
  ])('%j → capped %s until %s', (times, capped, until) => {
    const result = frequencyAt(contacts(...times), now, policy);
    expect(result.capped).toBe(capped);
    expect(result.until?.toISOString()).toBe(until);
  });

  it('does not count exempt contacts, or contacts after the moment judged', () => {
    const log = [
      ...contacts('2026-03-09T00:00:00Z', '2026-03-08T00:00:00Z'),
      { at: '2026-03-09T01:00:00Z', capExempt: true },
      { at: '2026-03-10T03:00:00Z', capExempt: false },
    ];
    expect(frequencyAt(log, now, policy)).toEqual({ count: 2, capped: false });
  });
});

describe('a channel verdict', () => {
  const base = (over: Partial<GuardInput> = {}) => ({
    preferences: open,
    log: [],
    at: at('2026-03-10T02:00:00Z'), // 10:00 in Shanghai
    policy,
    capExempt: false,
    hasAddress: true,
    ...over,
  });
  const capped = contacts('2026-03-09T00:00:00Z', '2026-03-08T00:00:00Z', '2026-03-05T00:00:00Z');

  it.each([
    // [case, input, allowed, reasons, next allowed]
    ['free', base(), true, [], '2026-03-10T02:00:00.000Z'],
    ['opted out', base({ preferences: { optOut: { ...none, voice: true } } }), false, ['opted_out'], null],
    ['no number', { ...base(), hasAddress: false }, false, ['no_address'], null],
    [
      'quiet hours (23:31 local)',
      base({ preferences: quiet('21:00', '08:00'), at: at('2026-03-10T15:31:00Z') }),
      false,
      ['quiet_hours'],
      '2026-03-11T00:00:00.000Z',
    ],
    ['capped', base({ log: capped }), false, ['frequency_cap'], '2026-03-12T00:00:00.000Z'],
    ['capped but exempt', base({ log: capped, capExempt: true }), true, [], '2026-03-10T02:00:00.000Z'],
    // The cap lifts at 08:00 local on the 12th... inside quiet hours 06:00–09:00: next is 09:00 local (01:00Z).
    [
      'capped, then quiet',
      base({ log: capped, preferences: quiet('06:00', '09:00') }),
      false,
      ['frequency_cap'],
      '2026-03-12T01:00:00.000Z',
    ],
    [
      'opted out and quiet',
      base({
        preferences: { ...quiet('21:00', '08:00'), optOut: { ...none, voice: true } },
        at: at('2026-03-10T15:31:00Z'),
      }),
      false,
      ['opted_out', 'quiet_hours'],
      null,
    ],
  ] as const)('%s', (_name, input, allowed, reasons, next) => {
    const verdict = judgeChannel('voice', input as GuardInput & { hasAddress: boolean });
    expect(verdict.allowed).toBe(allowed);
    expect(verdict.reasons.map((r) => r.code)).toEqual(reasons);
    expect(verdict.nextAllowedAt).toBe(next);
  });
});

describe('choosing the channel for a message', () => {
  const input = (over: Partial<Parameters<typeof planMessage>[0]> = {}) => ({
    preferences: open,
    log: [],
    at: at('2026-03-10T02:00:00Z'),
    policy,
    capExempt: false,
    order: channelOrder(undefined, policy),
    addresses: { sms: '+8613800000001', email: 'a@example.com' },
    ...over,
  });

  it.each([
    ['the first in order', input(), { outcome: 'send', channel: 'sms' }],
    ['preferred email first', input({ order: channelOrder('email', policy) }), { outcome: 'send', channel: 'email' }],
    [
      'opted out of SMS: email instead, saying why',
      input({ preferences: { optOut: { ...none, sms: true } } }),
      { outcome: 'send', channel: 'email', skipped: [{ code: 'opted_out', channel: 'sms' }] },
    ],
    ['no phone: email', input({ addresses: { email: 'a@example.com' } }), { outcome: 'send', channel: 'email' }],
    [
      'opted out of both: blocked',
      input({ preferences: { optOut: { ...none, sms: true, email: true } } }),
      { outcome: 'blocked', reasons: [{ code: 'opted_out' }, { code: 'opted_out' }] },
    ],
    [
      'quiet hours: held until they end',
      input({ preferences: quiet('21:00', '08:00'), at: at('2026-03-10T15:31:00Z') }),
      { outcome: 'send', channel: 'sms', sendAfter: '2026-03-11T00:00:00.000Z' },
    ],
    [
      'capped: blocked',
      input({ log: contacts('2026-03-09T00:00:00Z', '2026-03-08T00:00:00Z', '2026-03-05T00:00:00Z') }),
      { outcome: 'blocked', reasons: [{ code: 'frequency_cap' }] },
    ],
    [
      'capped but an acknowledgement: sent',
      input({
        log: contacts('2026-03-09T00:00:00Z', '2026-03-08T00:00:00Z', '2026-03-05T00:00:00Z'),
        capExempt: true,
      }),
      { outcome: 'send', channel: 'sms' },
    ],
  ] as const)('%s', (_name, given, expected) => {
    const plan = planMessage(given as Parameters<typeof planMessage>[0]);
    expect(plan).toMatchObject(expected);
    if (expected.outcome === 'send' && !('sendAfter' in expected)) expect(plan).not.toHaveProperty('sendAfter');
  });
});

describe('channel order and exemptions', () => {
  it.each([
    [undefined, undefined, ['sms', 'email', 'voice']],
    ['email', undefined, ['email', 'sms', 'voice']],
    ['web', 'email', ['email', 'sms', 'voice']],
    ['voice', 'sms', ['voice', 'sms', 'email']],
  ] as const)('preferred %s, used %s → %j', (preferred, used, order) => {
    expect(channelOrder(preferred, policy, used)).toEqual(order);
  });

  it.each([
    ['acknowledgement', true, true],
    ['acknowledgement', false, false],
    ['outcome', true, false],
    ['reply', true, false],
    ['call', true, false],
  ] as const)('%s of a customer-initiated case (%s): exempt %s', (purpose, initiated, exempt) => {
    expect(isCapExempt(purpose, initiated)).toBe(exempt);
  });
});
