import type { MiddlewareHandler } from 'hono';
import type { Deprecation } from './route';

function instant(iso: string, field: string): Date {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new Error(`deprecated.${field} is not an ISO 8601 date: ${iso}`);
  return date;
}

/**
 * What every answer of a deprecated route carries: `Deprecation: @<unix seconds>` (RFC 9745), `Sunset:
 * <HTTP-date>` (RFC 8594) and a link to what replaces it. A bad date fails when the app is created.
 */
export function deprecationHeaders(deprecation: Deprecation): Record<string, string> {
  const since = instant(deprecation.since, 'since');
  return {
    deprecation: `@${Math.floor(since.getTime() / 1000)}`,
    ...(deprecation.sunset && { sunset: instant(deprecation.sunset, 'sunset').toUTCString() }),
    ...(deprecation.link && { link: `<${deprecation.link}>; rel="deprecation"` }),
  };
}

/** Adds the headers to whatever the route answered, problems included. */
export function announceDeprecation(deprecation: Deprecation): MiddlewareHandler {
  const headers = deprecationHeaders(deprecation);
  return async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.append(name, value);
  };
}
