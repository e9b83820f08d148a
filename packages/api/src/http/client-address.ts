import type { Context } from 'hono';

/**
 * The client address for abuse limits: the first hop of X-Forwarded-For (API Gateway and
 * CloudFront set it), else 'unknown' (all such callers share one bucket).
 */
export function clientIp(c: Context): string {
  const first = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
  return first && first.length <= 64 ? first : 'unknown';
}
