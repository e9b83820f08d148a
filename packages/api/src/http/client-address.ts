import { isIP } from 'node:net';
import type { Context } from 'hono';
import type { AppEnv, HttpDeps } from './env';

/** CloudFront sets this on every request it forwards: the viewer's address and source port (`ip:port`). */
const VIEWER_ADDRESS = 'cloudfront-viewer-address';

/** An address as text, when it is one (brackets and an IPv6 zone dropped), else undefined. */
function addressOf(text: string | undefined): string | undefined {
  const value = text
    ?.trim()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  return value && isIP(value) ? value.toLowerCase() : undefined;
}

/** `198.51.100.10:46532` or `2001:db8::1:46532`: everything before the last colon. */
const viewerAddress = (header: string | undefined) =>
  header && header.includes(':') ? addressOf(header.slice(0, header.lastIndexOf(':'))) : undefined;

/**
 * The client's address for abuse limits, from what the platform vouches for, never from what the client says:
 * - through the verified front door (the origin check passed): CloudFront-Viewer-Address, which CloudFront sets;
 * - behind TRUSTED_PROXY_HOPS proxies of our own: the X-Forwarded-For entry the outermost of them appended;
 * - otherwise the connecting peer as the host sees it (Lambda: requestContext.http.sourceIp; Node: the socket).
 * Anything else is 'unknown', and all such callers share one bucket.
 */
export function clientAddress(c: Context<AppEnv>, http: Pick<HttpDeps, 'config' | 'connInfo'>): string {
  if (c.get('viaFrontDoor')) {
    const viewer = viewerAddress(c.req.header(VIEWER_ADDRESS));
    if (viewer) return viewer;
  }
  const hops = http.config.TRUSTED_PROXY_HOPS;
  if (hops > 0) {
    const forwarded = (c.req.header('x-forwarded-for') ?? '').split(',').map((hop) => hop.trim());
    const appended = forwarded.length >= hops ? addressOf(forwarded[forwarded.length - hops]) : undefined;
    if (appended) return appended;
  }
  let peer: string | undefined;
  try {
    peer = http.connInfo?.(c).remote.address;
  } catch {
    peer = undefined; // a host without a socket or event (app.request in tests)
  }
  return addressOf(peer) ?? 'unknown';
}
