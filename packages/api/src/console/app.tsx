/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { NONCE, secureHeaders } from 'hono/secure-headers';
import { DomainError } from '@cc/core';
import type { StaffServices } from '@cc/services';
import type { ConsoleHttpDeps } from '../http/env';
import { limitBody } from '../http/middleware';
import { authRoutes } from './auth-routes';
import type { ConsoleContext, ConsoleEnv } from './env';
import { failureKey } from './flash';
import { messagesFor } from './i18n';
import { consoleHref, Layout } from './layout';
import { requireCaller, SignInRequired, withCsrf, withLocale, withSession } from './middleware';
import { caseRoutes } from './pages/case';
import { customerRoutes } from './pages/customer';
import { deskRoutes } from './pages/desk';
import { homeRoutes } from './pages/home';
import { pipelineRoutes } from './pages/pipeline';
import { reportRoutes } from './pages/reports';
import { supervisorRoutes } from './pages/supervisor';
import { isHtmx, pageContext, renderPage } from './render';

/**
 * The content security policy of every console response: scripts only with this response's nonce (the one
 * script is htmx, served by the app), styles from the app's own stylesheet, nothing inline, no frames, and
 * forms only to the app itself and the hosted sign-in's domain (the sign-out redirect goes there).
 */
function consoleHeaders(http: ConsoleHttpDeps) {
  const hosted = http.console.signIn?.kind === 'hosted' ? [new URL(http.console.signIn.domain).origin] : [];
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: [NONCE, "'strict-dynamic'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      formAction: ["'self'", ...hosted],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
    },
    referrerPolicy: 'same-origin',
    crossOriginResourcePolicy: 'same-origin',
  });
}

const statusFor = (key: string) =>
  ({ notFound: 404, forbidden: 403, csrf: 403, invalid: 400, conflict: 409 })[key] ?? 500;

async function errorPage(c: ConsoleContext, http: ConsoleHttpDeps, error: unknown) {
  if (error instanceof SignInRequired) {
    const target = `${consoleHref('/sign-in')}?next=${encodeURIComponent(error.next)}&failed=expired`;
    if (isHtmx(c)) return c.body(null, 200, { 'hx-redirect': target });
    return c.redirect(target, 303);
  }
  const key = failureKey(error);
  const status = statusFor(key);
  if (status === 500 || !(error instanceof DomainError)) {
    http.log.error('console request failed', { error: (error as Error)?.message, path: c.req.path });
  }
  if (!c.get('t')) c.set('t', messagesFor(http.config.CONSOLE_DEFAULT_LOCALE));
  if (!c.get('locale')) c.set('locale', http.config.CONSOLE_DEFAULT_LOCALE);
  const t = c.get('t');
  const p = await pageContext(c, http);
  const text = (t.errors as Record<string, string>)[key] ?? t.errors.generic;
  return renderPage(
    c,
    <Layout p={p} title={t.errors.title}>
      <p role="alert" id="error">
        {text}
      </p>
      <p>
        <a href={consoleHref('')}>{t.errors.back}</a>
      </p>
    </Layout>,
    status,
  );
}

/**
 * The staff console: server-rendered pages over the same services the API routes call, with the same permission
 * model (the services decide who may do what). Mounted beside the API, not part of its JSON contract.
 */
export function consoleApp(services: StaffServices, http: ConsoleHttpDeps): Hono<ConsoleEnv> {
  const ui = new Hono<ConsoleEnv>();
  ui.use('*', consoleHeaders(http));
  ui.get('/assets/:file', async (c) => {
    const asset = await http.console.assets.byName(c.req.param('file'));
    if (!asset) return c.text('Not found', 404);
    return c.body(asset.body, 200, {
      'content-type': asset.type,
      'cache-control': 'public, max-age=31536000, immutable',
    });
  });
  ui.use('*', limitBody(http.config.MAX_BODY_BYTES), withLocale(http), withSession(http), withCsrf(http));
  authRoutes(ui, http);
  ui.use('*', requireCaller);
  deskRoutes(ui, services, http);
  customerRoutes(ui, services, http);
  homeRoutes(ui, services, http);
  caseRoutes(ui, services, http);
  pipelineRoutes(ui, services, http);
  supervisorRoutes(ui, services, http);
  reportRoutes(ui, services, http);
  ui.notFound((c) => errorPage(c, http, new DomainError('route.not_found', `No page ${c.req.path}`)));
  ui.onError((error, c) => errorPage(c, http, error));
  return ui;
}
