import { handle } from 'hono/aws-lambda';
import { parseEnv } from '@cc/core';
import { budgets } from '@cc/core/budgets';
import { createApp, httpDeps, lambdaConfigSchema } from '@cc/api';
import { REFERENCE_SCRIPT_FILE } from '@cc/api/reference';
import { composeServices, connectAws } from '@cc/services';

// Composition happens once per container, outside the handler.
const config = parseEnv(lambdaConfigSchema, process.env);
const aws = connectAws(config, config.NOTIFICATION_QUEUE_URL, { budget: budgets.api });
// No attachment store: in AWS, email arrives through SES and the email function (functions/email-inbound.ts),
// so this app does not serve the local relay's /webhooks/email.
const services = composeServices(aws, config);
const http = httpDeps(config, {
  jwks: new URL(config.AUTH_JWKS_URL),
  cursorSecret: config.CURSOR_SECRET,
  health: aws.probes,
  log: aws.log,
  // Both shipped beside the bundle by the stack (infra/constructs/api.ts), read when first asked for.
  openApiFile: new URL('./openapi.json', import.meta.url),
  htmxFile: new URL('./htmx.min.js', import.meta.url),
  referenceScriptFile: new URL(`./${REFERENCE_SCRIPT_FILE}`, import.meta.url),
});

export const handler = handle(createApp(services, http));
