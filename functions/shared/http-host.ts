import { ConfigError } from '@cc/core';
import { lambdaConfigSchema, type StaffHttpOptions } from '@cc/api';
import { REFERENCE_SCRIPT_FILE } from '@cc/api/reference';
import { composeStaffServices } from '@cc/services';
import { httpHost } from './http-base';

/*
 * The composition root both staff functions share (api.ts serves the JSON API, console.ts the staff console, behind
 * the same HTTP API): the staff services, the cursor key and what HTTP needs for tokens and cursors; each function
 * adds its own part (apiHttpDeps, consoleHttpDeps). The public edge (public.ts) composes its own. It runs once per
 * container, on import, outside the handler.
 */
const { config, aws, secret, readSecrets, base } = httpHost(lambdaConfigSchema);
// Not the public edge's (functions/public.ts: the form, SMS) nor email intake (functions/email-inbound.ts).
export const services = composeStaffServices(aws, config);

const cursorKeys = config.CURSOR_SECRET_ARN
  ? secret(config.CURSOR_SECRET_ARN, 'cursorSecret', ['AWSCURRENT', 'AWSPREVIOUS'])
  : undefined;
await readSecrets(cursorKeys);

const fallback = config.CURSOR_SECRET;
const cursorSecret = cursorKeys ? () => cursorKeys.peek() : fallback ? () => [fallback] : undefined;
if (!cursorSecret) throw new ConfigError('Set CURSOR_SECRET_ARN (or CURSOR_SECRET) for pagination cursors');

export { config };

export const staffOptions: StaffHttpOptions = {
  ...base,
  jwks: new URL(config.AUTH_JWKS_URL),
  directory: services.staff,
  cursorSecret,
  health: aws.probes,
  // Shipped beside the bundle by the stack (infra/constructs/api.ts), read when first asked for: the document and
  // the reference script beside the API's, htmx beside the console's.
  openApiFile: new URL('./openapi.json', import.meta.url),
  htmxFile: new URL('./htmx.min.js', import.meta.url),
  referenceScriptFile: new URL(`./${REFERENCE_SCRIPT_FILE}`, import.meta.url),
};
