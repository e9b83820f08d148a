import * as z from 'zod';
import { isTimeZone, locales, outboundChannels, parseHoursByPriority, parseLevelRules } from '@cc/core';
import { DEFAULT_HOT_KEY_SHARDS } from '@cc/store';

/** Hours by priority: one number (the normal priority's; urgent a sixth, high half, low double) or all four. */
const hoursByPriority = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const table = parseHoursByPriority(text);
      if (!table) ctx.addIssue({ code: 'custom', message: 'hours, or urgent=H,high=H,normal=H,low=H' });
      return table ?? parseHoursByPriority(fallback)!;
    });

/**
 * The business settings every host gives the services, parsed from the environment once at start (see
 * parseEnv in @cc/core). Hosts extend this with their own (the HTTP app's auth and limits, the local ports).
 */
export const serviceSettingsSchema = z.object({
  TABLE_NAME: z.string().min(3).default('contact-center'),
  NOTIFICATION_QUEUE_URL: z.string().min(1).optional(),
  PUBLIC_BASE_URL: z.string().url().default('http://localhost:3000'),
  RETENTION_DAYS: z.coerce.number().int().min(30).max(3650).default(395),
  PUBLIC_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(10),
  LOG_LEVEL: z.enum(['info', 'silent']).default('info'),
  /**
   * Partitions each hot key (the due lists, pending deliveries, the unidentified queue) is split over; every
   * process must use the same number, and it may be raised but never lowered (docs/scale.md).
   */
  HOT_KEY_SHARDS: z.coerce.number().int().min(1).max(64).default(DEFAULT_HOT_KEY_SHARDS),
  /** The deployment stage (dev, staging, prod; `local` on a workstation): the dimension of every metric. */
  STAGE: z.string().min(1).max(20).default('local'),
  /** Ordered customer levels, lowest first, and the level from which a primary manager is mandatory. */
  CUSTOMER_LEVELS: z
    .string()
    .default('standard,gold,vip,private')
    .transform((s) =>
      s
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  MANAGED_FROM_LEVEL: z.string().default('vip'),
  /**
   * The automatic level rules: the minimum assets under management for each level, `level:amount,...`.
   * A rule raises a level, never lowers it, and leaves alone a level approved by request while that holds.
   */
  LEVEL_RULES: z
    .string()
    .default('gold:200000,vip:1000000,private:6000000')
    .transform((text, ctx) => {
      const rules = parseLevelRules(text);
      if (!rules) ctx.addIssue({ code: 'custom', message: 'level:amount pairs, comma-separated' });
      return rules ?? [];
    }),
  /** How long a level approved by request holds against the automatic rules, unless the request says. */
  LEVEL_APPROVAL_VALID_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  /** Inbound contacts without resolution before a customer's case escalates (the seeds: 5 contacts = likely lost). */
  ESCALATE_AFTER_CONTACTS: z.coerce.number().int().min(2).max(50).default(5),
  /** Hours a new case may wait for a first response, by priority. */
  CASE_RESPOND_WITHIN_HOURS: hoursByPriority('24'),
  /** Hours a case may take to be resolved, by priority (default: 15 days for a normal one, 30 for a low one). */
  CASE_RESOLVE_WITHIN_HOURS: hoursByPriority('360'),
  /** A customer's message on a case closed within this many days reopens it; later ones open a new case. */
  REOPEN_WITHIN_DAYS: z.coerce.number().int().min(0).max(365).default(14),
  /** Branch whose queue receives cases from people who are not (yet) customers. */
  DEFAULT_BRANCH_ID: z.string().min(1).max(40).default('BR-001'),
  /** The language of the public pages and of messages to customers whose language is not known. */
  PUBLIC_DEFAULT_LOCALE: z.enum(locales).default('zh-CN'),
  /** Don't pester: at most this many outbound contacts per customer in the rolling window (acknowledgements aside). */
  CONTACT_FREQUENCY_CAP: z.coerce.number().int().min(1).max(100).default(3),
  CONTACT_FREQUENCY_WINDOW_DAYS: z.coerce.number().int().min(1).max(31).default(7),
  /** Channels tried after the customer's preferred one, in order. */
  CONTACT_CHANNEL_ORDER: z
    .string()
    .default('sms,email,voice')
    .transform((s) => s.split(',').map((c) => c.trim()))
    .pipe(z.array(z.enum(outboundChannels)).min(1)),
  /** For quiet hours given without a known time zone. */
  CONTACT_DEFAULT_TIMEZONE: z.string().refine(isTimeZone, 'an IANA time zone').default('Asia/Shanghai'),
});
export type ServiceSettings = z.infer<typeof serviceSettingsSchema>;
