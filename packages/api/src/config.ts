import * as z from 'zod/mini';
import { integerText } from '@cc/core';
import { serviceSettingsSchema } from '@cc/services';

/**
 * The HTTP app's settings: the services' business settings plus authentication, webhook secrets and
 * body limits. Every setting comes from the environment, parsed once at start. Defaults are the local
 * ones; in AWS the stack sets each variable explicitly.
 */
export const appConfigSchema = z.extend(serviceSettingsSchema, {
  AUTH_ISSUER: z._default(z.string().check(z.minLength(1)), 'contact-center-local'),
  AUTH_AUDIENCE: z._default(z.string().check(z.minLength(1)), 'contact-center-api'),
  AUTH_JWKS_URL: z.optional(z.string().check(z.url())),
  CURSOR_SECRET: z.optional(z.string().check(z.minLength(16))),
  TWILIO_AUTH_TOKEN: z.optional(z.string().check(z.minLength(1))),
  EMAIL_WEBHOOK_SECRET: z.optional(z.string().check(z.minLength(16))),
  /**
   * How many proxies of our own stand in front of the app and append to X-Forwarded-For; only then is that header
   * read for the client's address (docs/security.md). 0: the platform's address (Lambda's sourceIp, the socket).
   */
  TRUSTED_PROXY_HOPS: z._default(integerText(0, 10), 0),
  /** The header CloudFront adds with the origin-verify secret (checked when ORIGIN_VERIFY_SECRET_ARN is set). */
  ORIGIN_VERIFY_HEADER: z._default(z.string().check(z.regex(/^[a-z0-9-]{1,64}$/)), 'x-origin-verify'),
  MAX_BODY_BYTES: z._default(integerText(1024, 10 * 1024 * 1024), 256 * 1024),
  /**
   * The email webhook takes whole messages, attachments included; 4 MB keeps a base64-encoded body under
   * Lambda's 6 MB request limit. Larger mail arrives through SES → S3 (functions/email-inbound.ts).
   */
  EMAIL_MAX_BYTES: z._default(integerText(1024, 4 * 1024 * 1024), 4 * 1024 * 1024),
  /** The staff console's language when neither the user's switch nor Accept-Language picks one. */
  CONSOLE_DEFAULT_LOCALE: z._default(z.enum(['zh-CN', 'en']), 'zh-CN'),
  /**
   * Seals the console's session cookie and keys its CSRF tokens. Unset, both keys are derived (HKDF) from
   * CURSOR_SECRET under labels of their own.
   */
  SESSION_SECRET: z.optional(z.string().check(z.minLength(32))),
  /** Cognito's hosted UI, e.g. https://<prefix>.auth.<region>.amazoncognito.com: the console's sign-in in AWS. */
  COGNITO_DOMAIN: z.optional(z.string().check(z.url())),
});
export type AppConfig = z.infer<typeof appConfigSchema>;

/** In AWS nothing may fall back to a local default: the stack must set these. */
export const lambdaConfigSchema = z.extend(appConfigSchema, {
  NOTIFICATION_QUEUE_URL: z.string().check(z.minLength(1)),
  AUTH_JWKS_URL: z.string().check(z.url()),
  /** The secrets, read at start by ARN (and re-read every 5 minutes); the values above are the fallback. */
  CURSOR_SECRET_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
  CHANNEL_SECRETS_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
  /** Set behind the front door: every request must carry a live version of this secret (else 403). */
  ORIGIN_VERIFY_SECRET_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
  COGNITO_DOMAIN: z.string().check(z.url()),
});

/** The public edge's (functions/public.ts): no staff tokens, cursors or console sign-in there, so none of theirs. */
export const publicLambdaConfigSchema = z.omit(lambdaConfigSchema, {
  AUTH_JWKS_URL: true,
  COGNITO_DOMAIN: true,
  CURSOR_SECRET_ARN: true,
});
