import { parseEnv } from '@cc/core';
import { httpDeps, lambdaConfigSchema } from '@cc/api';
import { REFERENCE_SCRIPT_FILE } from '@cc/api/reference';
import { composeServices, connectAws } from '@cc/services';

/**
 * The composition root both HTTP functions share (api.ts serves the JSON API, console.ts the staff console, behind
 * the same HTTP API): configuration, clients, services and what HTTP needs. It runs once per container, on import.
 */
const config = parseEnv(lambdaConfigSchema, process.env);
const aws = connectAws(config, config.NOTIFICATION_QUEUE_URL);
// No attachment store: in AWS, email arrives through SES and the email function (functions/email-inbound.ts),
// so this app does not serve the local relay's /webhooks/email.
export const services = composeServices(aws, config);
export const http = httpDeps(config, {
  jwks: new URL(config.AUTH_JWKS_URL),
  cursorSecret: config.CURSOR_SECRET,
  health: aws.probes,
  log: aws.log,
  // Shipped beside the bundle by the stack (infra/constructs/api.ts), read when first asked for: the document and
  // the reference script beside the API's, htmx beside the console's.
  openApiFile: new URL('./openapi.json', import.meta.url),
  htmxFile: new URL('./htmx.min.js', import.meta.url),
  referenceScriptFile: new URL(`./${REFERENCE_SCRIPT_FILE}`, import.meta.url),
});
