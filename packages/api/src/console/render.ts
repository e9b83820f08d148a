import type { JSX } from 'hono/jsx/jsx-runtime';
import type { ConsoleHttpDeps } from '../http/env';
import type { ConsoleContext } from './env';
import type { PageContext } from './layout';
import { CONSOLE_PATH } from './session';

/** Pages hold customer data: never cached, never kept in the browser's back-forward cache. */
export const PAGE_HEADERS = { 'cache-control': 'no-store' };

/** Gathers what every page needs from the request. */
export async function pageContext(
  c: ConsoleContext,
  http: ConsoleHttpDeps,
  flash?: PageContext['flash'],
): Promise<PageContext> {
  const url = new URL(c.req.url);
  return {
    t: c.get('t'),
    locale: c.get('locale'),
    caller: c.get('session') ? c.get('caller') : undefined,
    csrf: c.get('csrf'),
    nonce: c.get('secureHeadersNonce'),
    styles: http.console.assets.styles.name,
    script: (await http.console.assets.htmx()).name,
    here: url.pathname + url.search,
    flash,
  };
}

/** A whole HTML document. */
export async function renderPage(c: ConsoleContext, node: JSX.Element, status = 200) {
  const html = '<!doctype html>' + String(await node);
  return c.html(html, status as 200, PAGE_HEADERS);
}

/** A fragment for htmx to swap in (the same markup the full page has in that place). */
export async function renderFragment(c: ConsoleContext, node: JSX.Element) {
  return c.html(String(await node), 200, PAGE_HEADERS);
}

export const isHtmx = (c: ConsoleContext) => c.req.header('hx-request') === 'true';

/**
 * After a form post: 303 to the page to show (post/redirect/get), with the outcome to report there. Only paths
 * inside the console are followed, so a crafted `back` cannot send anyone elsewhere.
 */
export function redirectTo(
  c: ConsoleContext,
  path: string,
  outcome?: { done?: string; failed?: string; ref?: string },
) {
  const url = new URL(insideConsole(path) ? path : CONSOLE_PATH, 'http://console.invalid');
  if (outcome?.done) url.searchParams.set('done', outcome.done);
  if (outcome?.failed) url.searchParams.set('failed', outcome.failed);
  if (outcome?.ref) url.searchParams.set('ref', outcome.ref);
  return c.redirect(url.pathname + url.search, 303);
}

/** A same-site path under /console (no scheme, no host, no backslashes, no protocol-relative tricks). */
export const insideConsole = (path: string | undefined): path is string =>
  !!path &&
  (path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`) || path.startsWith(`${CONSOLE_PATH}?`)) &&
  !/[\\\s]/.test(path) &&
  !path.includes('//');
