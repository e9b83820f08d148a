import { Hono, type MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { PublicEdgeServices, Services, StaffServices } from '@cc/services';
import { consoleApp } from './console/app';
import { CONSOLE_PATH, isConsolePath } from './console/session';
import { correlate } from './http/correlate';
import type {
  ApiHttpDeps,
  AppEnv,
  AppHttpDeps,
  BaseHttpDeps,
  ConsoleHttpDeps,
  HttpDeps,
  PublicHttpDeps,
} from './http/env';
import { answerWithin } from './http/deadline';
import { announceDeprecation } from './http/deprecation';
import { authenticate, limitBody, verifyOrigin } from './http/middleware';
import { problemResponse, toProblem } from './http/problems';
import type { Route } from './http/route';
import { mountReference, REFERENCE_PATH } from './reference/routes';
import { auditRoutes } from './routes/audit';
import { caseRoutes } from './routes/cases';
import { changeRequestRoutes } from './routes/change-requests';
import { contactRoutes } from './routes/contacts';
import { customerRoutes } from './routes/customers';
import { healthRoutes } from './routes/health';
import { importRoutes } from './routes/imports';
import { inboxRoutes } from './routes/inbox';
import { meRoutes } from './routes/me';
import { operationsRoutes } from './routes/operations';
import { opportunityRoutes } from './routes/opportunities';
import { publicRoutes } from './routes/public';
import { reportRoutes } from './routes/reports';
import { teamRoutes } from './routes/teams';
import { timelineRoutes } from './routes/timeline';
import { webhookRoutes } from './routes/webhooks';

/**
 * The services the HTTP app serves. Email intake is there when the host gave an attachment store (the local
 * runtime's relay webhook); in AWS email arrives through SES and the email function instead.
 */
export type AppServices = Services;

/** Public form posts are small; anything bigger is refused before it is read. */
export const PUBLIC_MAX_BODY_BYTES = 32 * 1024;

/** The staff JSON API's routes (bearer, and the health check), in the order they are matched. */
export const staffRoutes = (s: StaffServices, http: HttpDeps): Route[] => [
  ...healthRoutes(http),
  ...meRoutes(),
  ...customerRoutes(s, http),
  ...caseRoutes(s, http),
  ...inboxRoutes(s, http),
  ...importRoutes(s),
  ...changeRequestRoutes(s, http),
  ...teamRoutes(s, http),
  ...opportunityRoutes(s, http),
  ...contactRoutes(s, http),
  ...timelineRoutes(s, http),
  ...operationsRoutes(s),
  ...auditRoutes(s, http),
  ...reportRoutes(s),
];

/** The public edge's routes: the complaint form and status (no login) and the provider webhooks (signed). */
export const publicEdgeRoutes = (s: PublicEdgeServices, http: PublicHttpDeps): Route[] => [
  ...publicRoutes(s, http),
  ...webhookRoutes(s, http),
];

/** Every route of the API (what /openapi.json documents). */
export const appRoutes = (s: AppServices, http: AppHttpDeps): Route[] => [
  ...staffRoutes(s, http),
  ...publicEdgeRoutes(s, http),
];

/** Hono path syntax (:id) for an OpenAPI path ({id}). */
const honoPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

/**
 * What every host of the app shares, whichever part it serves: the correlation id, the response headers, the
 * answer for an unknown path and the one error handler.
 */
function baseApp(http: BaseHttpDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', correlate);
  const policy = { defaultSrc: ["'self'"], styleSrc: ["'unsafe-inline'"], formAction: ["'self'"] };
  const pageHeaders = secureHeaders({ contentSecurityPolicy: policy });
  // The reference page alone: Redoc runs its search in a worker it starts from a blob: URL, and draws
  // some icons as data: images.
  const referenceHeaders = secureHeaders({
    contentSecurityPolicy: { ...policy, workerSrc: ['blob:'], imgSrc: ["'self'", 'data:'] },
  });
  // The console sets its own, stricter headers (console/app.tsx).
  app.use('*', (c, next) =>
    isConsolePath(c.req.path)
      ? next()
      : c.req.path === REFERENCE_PATH
        ? referenceHeaders(c, next)
        : pageHeaders(c, next),
  );
  app.use('*', answerWithin(http.deadlineMs, http.log));
  app.use('*', verifyOrigin(http.config.ORIGIN_VERIFY_HEADER, http.originVerifier));
  app.notFound((c) => problemResponse(c, 'route.not_found', `No route for ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => toProblem(error, c, (message, fields) => http.log.error(message, fields)));
  return app;
}

/** Mounts declared routes: each behind its body limit, and the staff token check where the route says `bearer`. */
function mountRoutes(app: Hono<AppEnv>, routes: Route[], http: BaseHttpDeps, staff?: MiddlewareHandler<AppEnv>): void {
  const limits = { public: PUBLIC_MAX_BODY_BYTES, email: http.config.EMAIL_MAX_BYTES };
  for (const { spec, run } of routes) {
    if (spec.auth === 'bearer' && !staff) throw new Error(`${spec.operationId} needs the staff token check`);
    const bodyLimit = limitBody(spec.bodyLimit ? limits[spec.bodyLimit] : http.config.MAX_BODY_BYTES);
    const handlers: MiddlewareHandler<AppEnv>[] = [
      ...(spec.deprecated ? [announceDeprecation(spec.deprecated)] : []),
      bodyLimit,
      ...(spec.auth === 'bearer' && staff ? [staff] : []),
    ];
    app.on(spec.method.toUpperCase(), [honoPath(spec.path)], ...handlers, (c) => run(c));
  }
}

/** The staff JSON API, `/openapi.json` and its reference page. */
function mountStaffApi(app: Hono<AppEnv>, services: StaffServices, http: ApiHttpDeps): void {
  mountRoutes(app, staffRoutes(services, http), http, authenticate(http.auth));
  app.get('/openapi.json', async (c) =>
    c.json({ ...(await http.openApiDocument()), servers: [{ url: http.config.PUBLIC_BASE_URL }] }),
  );
  mountReference(app, http.referenceScript);
}

/** The public edge: no staff token anywhere, so it is built without a token verifier. */
const mountPublicEdge = (app: Hono<AppEnv>, services: PublicEdgeServices, http: PublicHttpDeps) =>
  mountRoutes(app, publicEdgeRoutes(services, http), http);

/** The staff console: HTML pages over the same services, outside the JSON API's contract (not in /openapi.json). */
const mountConsole = (app: Hono<AppEnv>, services: StaffServices, http: ConsoleHttpDeps) =>
  app.route(CONSOLE_PATH, consoleApp(services, http));

/**
 * The only place routes are mounted: the whole app, the staff API, the public edge and the console on one server
 * (packages/local, the tests and the bench host this). It is `fetch(Request) -> Response` and knows no runtime.
 */
export function createApp(services: AppServices, http: AppHttpDeps): Hono<AppEnv> {
  const app = baseApp(http);
  mountStaffApi(app, services, http);
  mountPublicEdge(app, services, http);
  mountConsole(app, services, http);
  return app;
}

/**
 * In AWS each audience has a function of its own behind the same HTTP API (infra/constructs/api.ts routes the paths),
 * so none carries the others' code into its cold start and a flood on the public edge cannot take the staff's
 * concurrency: functions/api.ts serves the staff JSON API and its reference ...
 */
export function createApiApp(services: StaffServices, http: ApiHttpDeps): Hono<AppEnv> {
  const app = baseApp(http);
  mountStaffApi(app, services, http);
  return app;
}

/** ... functions/public.ts the public edge (the complaint form and status, the provider webhooks) ... */
export function createPublicApp(services: PublicEdgeServices, http: PublicHttpDeps): Hono<AppEnv> {
  const app = baseApp(http);
  mountPublicEdge(app, services, http);
  return app;
}

/** ... and functions/console.ts the staff console. */
export function createConsoleApp(services: StaffServices, http: ConsoleHttpDeps): Hono<AppEnv> {
  const app = baseApp(http);
  mountConsole(app, services, http);
  return app;
}
