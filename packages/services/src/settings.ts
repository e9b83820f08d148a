import * as z from 'zod/mini';
import { isTimeZone, locales, outboundChannels, parseHoursByPriority, parseLevelRules, integerText } from '@cc/core';
import { DEFAULT_HOT_KEY_SHARDS } from '@cc/store';

/** A setting's text that does not parse: reported with the variable's name, like any other bad setting. */
const reportInvalid = (ctx: z.core.ParsePayload, message: string) =>
  ctx.issues.push({ code: 'custom', message, input: ctx.value });

/** Hours by priority: one number (the normal priority's; urgent a sixth, high half, low double) or all four. */
const hoursByPriority = (fallback: string) =>
  z.pipe(
    z._default(z.string(), fallback),
    z.transform((text, ctx) => {
      const table = parseHoursByPriority(text);
      if (!table) reportInvalid(ctx, 'hours, or urgent=H,high=H,normal=H,low=H');
      return table ?? parseHoursByPriority(fallback)!;
    }),
  );

/**
 * The business settings every host gives the services, parsed from the environment once at start (see
 * parseEnv in @cc/core). Hosts extend this with their own (the HTTP app's auth and limits, the local ports).
 */
export const serviceSettingsSchema = z.object({
  TABLE_NAME: z._default(z.string().check(z.minLength(3)), 'contact-center'),
  NOTIFICATION_QUEUE_URL: z.optional(z.string().check(z.minLength(1))),
  PUBLIC_BASE_URL: z._default(z.string().check(z.url()), 'http://localhost:3000'),
  RETENTION_DAYS: z._default(integerText(30, 3650), 395),
  PUBLIC_RATE_LIMIT_PER_MINUTE: z._default(integerText(1, 10_000), 10),
  LOG_LEVEL: z._default(z.enum(['info', 'silent']), 'info'),
  /**
   * Partitions each hot key (the due lists, pending deliveries, the unidentified queue) is split over; every
   * process must use the same number, and it may be raised but never lowered (docs/scale.md).
   */
  HOT_KEY_SHARDS: z._default(integerText(1, 64), DEFAULT_HOT_KEY_SHARDS),
  /** The deployment stage (dev, staging, prod; `local` on a workstation): the dimension of every metric. */
  STAGE: z._default(z.string().check(z.minLength(1), z.maxLength(20)), 'local'),
  /** Ordered customer levels, lowest first, and the level from which a primary manager is mandatory. */
  CUSTOMER_LEVELS: z.pipe(
    z._default(z.string(), 'standard,gold,vip,private'),
    z.transform((s) =>
      s
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ),
  MANAGED_FROM_LEVEL: z._default(z.string(), 'vip'),
  /**
   * The automatic level rules: the minimum assets under management for each level, `level:amount,...`.
   * A rule raises a level, never lowers it, and leaves alone a level approved by request while that holds.
   */
  LEVEL_RULES: z.pipe(
    z._default(z.string(), 'gold:200000,vip:1000000,private:6000000'),
    z.transform((text, ctx) => {
      const rules = parseLevelRules(text);
      if (!rules) reportInvalid(ctx, 'level:amount pairs, comma-separated');
      return rules ?? [];
    }),
  ),
  /** How long a level approved by request holds against the automatic rules, unless the request says. */
  LEVEL_APPROVAL_VALID_DAYS: z._default(integerText(1, 3650), 365),
  /** Inbound contacts without resolution before a customer's case escalates (the seeds: 5 contacts = likely lost). */
  ESCALATE_AFTER_CONTACTS: z._default(integerText(2, 50), 5),
  /** Hours a new case may wait for a first response, by priority. */
  CASE_RESPOND_WITHIN_HOURS: hoursByPriority('24'),
  /** Hours a case may take to be resolved, by priority (default: 15 days for a normal one, 30 for a low one). */
  CASE_RESOLVE_WITHIN_HOURS: hoursByPriority('360'),
  /** A customer's message on a case closed within this many days reopens it; later ones open a new case. */
  REOPEN_WITHIN_DAYS: z._default(integerText(0, 365), 14),
  /** Branch whose queue receives cases from people who are not (yet) customers. */
  DEFAULT_BRANCH_ID: z._default(z.string().check(z.minLength(1), z.maxLength(40)), 'BR-001'),
  /** The language of the public pages and of messages to customers whose language is not known. */
  PUBLIC_DEFAULT_LOCALE: z._default(z.enum(locales), 'zh-CN'),
  /** Don't pester: at most this many outbound contacts per customer in the rolling window (acknowledgements aside). */
  CONTACT_FREQUENCY_CAP: z._default(integerText(1, 100), 3),
  CONTACT_FREQUENCY_WINDOW_DAYS: z._default(integerText(1, 31), 7),
  /** Channels tried after the customer's preferred one, in order. */
  CONTACT_CHANNEL_ORDER: z.pipe(
    z.pipe(
      z._default(z.string(), 'sms,email,voice'),
      z.transform((s) => s.split(',').map((c) => c.trim())),
    ),
    z.array(z.enum(outboundChannels)).check(z.minLength(1)),
  ),
  /** For quiet hours given without a known time zone. */
  CONTACT_DEFAULT_TIMEZONE: z._default(z.string().check(z.refine(isTimeZone, 'an IANA time zone')), 'Asia/Shanghai'),
});
export type ServiceSettings = z.infer<typeof serviceSettingsSchema>;
