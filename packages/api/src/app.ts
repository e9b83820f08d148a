import { OpenAPIHono } from '@hono/zod-openapi';
import { secureHeaders } from 'hono/secure-headers';
import type { AppDeps, AppEnv } from './deps';
import { authenticate, limitBodies } from './middleware';
import { createRouter } from './openapi';
import { problemResponse, toProblem } from './problems';
import { healthRoutes } from './routes/health';
import { meRoutes } from './routes/me';
import { customerRoutes } from './routes/customers';
import { caseRoutes } from './routes/cases';
import { inboxRoutes } from './routes/inbox';
import { importRoutes } from './routes/imports';
import { changeRequestRoutes } from './routes/change-requests';
import { teamRoutes } from './routes/teams';
import { opportunityRoutes } from './routes/opportunities';
import { intakeRoutes } from './routes/intake';
import { operationsRoutes } from './routes/operations';
import { EMAIL_WEBHOOK_PATH } from './routes/webhooks';

/** The only place routes exist. Lambda (functions/api.ts) and Node (packages/local) both host this. */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = createRouter();
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: { defaultSrc: ["'self'"], styleSrc: ["'unsafe-inline'"], formAction: ["'self'"] },
    }),
  );
  app.use('*', limitBodies(deps.config.MAX_BODY_BYTES, { [EMAIL_WEBHOOK_PATH]: deps.config.EMAIL_MAX_BYTES }));
  app.use('*', authenticate(deps.auth));

  app.route('/', healthRoutes(deps));
  app.route('/', meRoutes());
  app.route('/', customerRoutes(deps));
  app.route('/', caseRoutes(deps));
  app.route('/', inboxRoutes(deps));
  app.route('/', importRoutes(deps));
  app.route('/', changeRequestRoutes(deps));
  app.route('/', teamRoutes(deps));
  app.route('/', opportunityRoutes(deps));
  app.route('/', intakeRoutes(deps));
  app.route('/', operationsRoutes(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Contact-center API',
      version: '0.1.0',
      description:
        'Omnichannel contact history, complaints and inquiries, and opportunities for a bank. Errors are application/problem+json (RFC 9457) with a stable `code`.',
    },
    servers: [{ url: deps.config.PUBLIC_BASE_URL }],
  });

  app.notFound((c) => problemResponse(c, 'route.not_found', `No route for ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => toProblem(error, c, (message, fields) => deps.log.error(message, fields)));
  return app;
}
