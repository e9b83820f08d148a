import * as z from 'zod';

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
  /** Inbound contacts without resolution before a customer's case escalates (the seeds: 5 contacts = likely lost). */
  ESCALATE_AFTER_CONTACTS: z.coerce.number().int().min(2).max(50).default(5),
  /** Hours a new normal-priority case may wait for a first response (urgent: a sixth, high: half, low: double). */
  CASE_RESPOND_WITHIN_HOURS: z.coerce.number().min(1).max(720).default(24),
  /** Branch whose queue receives cases from people who are not (yet) customers. */
  DEFAULT_BRANCH_ID: z.string().min(1).max(40).default('BR-001'),
});
export type ServiceSettings = z.infer<typeof serviceSettingsSchema>;
