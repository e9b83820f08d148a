import * as z from 'zod';

/**
 * Every setting comes from the environment, parsed once at start. Defaults are the local ones;
 * in AWS the stack sets each variable explicitly.
 */
export const appConfigSchema = z.object({
  TABLE_NAME: z.string().min(3).default('contact-center'),
  NOTIFICATION_QUEUE_URL: z.string().min(1).optional(),
  PUBLIC_BASE_URL: z.string().url().default('http://localhost:3000'),
  AUTH_ISSUER: z.string().min(1).default('contact-center-local'),
  AUTH_AUDIENCE: z.string().min(1).default('contact-center-api'),
  AUTH_JWKS_URL: z.string().url().optional(),
  CURSOR_SECRET: z.string().min(16).optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  EMAIL_WEBHOOK_SECRET: z.string().min(16).optional(),
  RETENTION_DAYS: z.coerce.number().int().min(30).max(3650).default(395),
  PUBLIC_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(10),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(256 * 1024),
  /**
   * The email webhook takes whole messages, attachments included; 4 MB keeps a base64-encoded body under
   * Lambda's 6 MB request limit. Larger mail arrives through SES → S3 (functions/email-inbound.ts).
   */
  EMAIL_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(4 * 1024 * 1024)
    .default(4 * 1024 * 1024),
  LOG_LEVEL: z.enum(['info', 'silent']).default('info'),
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
  /** Local runtime's data directory; inbound email attachments go under DATA_DIR/attachments (S3 in AWS). */
  DATA_DIR: z.string().min(1).default('.data'),
  /** Branch whose queue receives cases from people who are not (yet) customers. */
  DEFAULT_BRANCH_ID: z.string().min(1).max(40).default('BR-001'),
});
export type AppConfig = z.infer<typeof appConfigSchema>;

export class ConfigError extends Error {}

/** Parses `env` with `schema`; on failure lists every bad variable in one readable message. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** In AWS nothing may fall back to a local default: the stack must set these. */
export const lambdaConfigSchema = appConfigSchema.extend({
  NOTIFICATION_QUEUE_URL: z.string().min(1),
  AUTH_JWKS_URL: z.string().url(),
  CURSOR_SECRET: z.string().min(16),
});
