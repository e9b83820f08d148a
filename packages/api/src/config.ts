import * as z from 'zod';
import { serviceSettingsSchema } from '@cc/services';

/**
 * The HTTP app's settings: the services' business settings plus authentication, webhook secrets and
 * body limits. Every setting comes from the environment, parsed once at start. Defaults are the local
 * ones; in AWS the stack sets each variable explicitly.
 */
export const appConfigSchema = serviceSettingsSchema.extend({
  AUTH_ISSUER: z.string().min(1).default('contact-center-local'),
  AUTH_AUDIENCE: z.string().min(1).default('contact-center-api'),
  AUTH_JWKS_URL: z.string().url().optional(),
  CURSOR_SECRET: z.string().min(16).optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  EMAIL_WEBHOOK_SECRET: z.string().min(16).optional(),
  /**
   * How many proxies of our own stand in front of the app and append to X-Forwarded-For; only then is that header
   * read for the client's address (docs/security.md). 0: the platform's address (Lambda's sourceIp, the socket).
   */
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /** The header CloudFront adds with the origin-verify secret (checked when ORIGIN_VERIFY_SECRET_ARN is set). */
  ORIGIN_VERIFY_HEADER: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/)
    .default('x-origin-verify'),
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
  /** The staff console's language when neither the user's switch nor Accept-Language picks one. */
  CONSOLE_DEFAULT_LOCALE: z.enum(['zh-CN', 'en']).default('zh-CN'),
  /**
   * Seals the console's session cookie and keys its CSRF tokens. Unset, both keys are derived (HKDF) from
   * CURSOR_SECRET under labels of their own.
   */
  SESSION_SECRET: z.string().min(32).optional(),
  /** Cognito's hosted UI, e.g. https://<prefix>.auth.<region>.amazoncognito.com: the console's sign-in in AWS. */
  COGNITO_DOMAIN: z.string().url().optional(),
});
export type AppConfig = z.infer<typeof appConfigSchema>;

/** In AWS nothing may fall back to a local default: the stack must set these. */
export const lambdaConfigSchema = appConfigSchema.extend({
  NOTIFICATION_QUEUE_URL: z.string().min(1),
  AUTH_JWKS_URL: z.string().url(),
  /** The secrets, read at start by ARN (and re-read every 5 minutes); the values above are the fallback. */
  CURSOR_SECRET_ARN: z.string().startsWith('arn:').optional(),
  CHANNEL_SECRETS_ARN: z.string().startsWith('arn:').optional(),
  /** Set behind the front door: every request must carry a live version of this secret (else 403). */
  ORIGIN_VERIFY_SECRET_ARN: z.string().startsWith('arn:').optional(),
  COGNITO_DOMAIN: z.string().url(),
});

/** The public edge's (functions/public.ts): no staff tokens, cursors or console sign-in there, so none of theirs. */
export const publicLambdaConfigSchema = lambdaConfigSchema.omit({
  AUTH_JWKS_URL: true,
  COGNITO_DOMAIN: true,
  CURSOR_SECRET_ARN: true,
});
