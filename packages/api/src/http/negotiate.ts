import type { Context } from 'hono';

/** Representations a route can answer, by the media type each is. */
export const mediaTypes = { json: 'application/json', csv: 'text/csv', svg: 'image/svg+xml' } as const;
export type Format = keyof typeof mediaTypes;

/**
 * Which representation to answer: `?format=` when given (links people can share), else the best match of the
 * Accept header among `offered` (by q-value, then the order offered), else the first offered. Browsers' catch-alls
 * (`*​/*`) get the first offered too.
 */
export function negotiate(c: Context, explicit: Format | undefined, offered: readonly Format[]): Format {
  if (explicit) return explicit;
  const accepted = (c.req.header('accept') ?? '')
    .split(',')
    .map((part) => {
      const [type, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { type: type!.trim(), q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((a) => a.type && a.q > 0);
  let best: { format: Format; q: number } | undefined;
  for (const format of offered) {
    const type = mediaTypes[format];
    const [major] = type.split('/');
    const match = accepted.find((a) => a.type === type) ?? accepted.find((a) => a.type === `${major}/*`);
    if (match && (!best || match.q > best.q)) best = { format, q: match.q };
  }
  return best?.format ?? offered[0]!;
}
