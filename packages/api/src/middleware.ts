import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { DomainError } from '@cc/core';
import { bearerToken, type TokenVerifier } from './auth';
import type { AppEnv } from './deps';

/** Bodies above the limit are refused before any handler reads them. */
export const limitBody = (maxBytes: number): MiddlewareHandler =>
  bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new DomainError('request.too_large', `The request body exceeds ${Math.round(maxBytes / 1024)} KB`);
    },
  });

/** `limitBody(maxBytes)` everywhere except the paths given their own limit. */
export function limitBodies(maxBytes: number, exceptions: Record<string, number>): MiddlewareHandler {
  const byDefault = limitBody(maxBytes);
  const own = new Map(Object.entries(exceptions).map(([path, max]) => [path, limitBody(max)]));
  return (c, next) => (own.get(c.req.path) ?? byDefault)(c, next);
}

/** Paths that do their own authentication (provider signatures) or need none. */
const publicPaths = [/^\/health$/, /^\/openapi\.json$/, /^\/complaint$/, /^\/public\//, /^\/webhooks\//];

export const isPublicPath = (path: string) => publicPaths.some((p) => p.test(path));

export const authenticate =
  (verifier: TokenVerifier): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    // Unknown routes fall through to the 404 problem whoever asks; only middleware (method ALL) matched them.
    const routeExists = c.req.matchedRoutes.some((r) => r.method !== 'ALL');
    if (isPublicPath(c.req.path) || !routeExists) return next();
    const caller = await verifier.verify(bearerToken(c.req.header('authorization')));
    c.set('caller', caller);
    await next();
  };
