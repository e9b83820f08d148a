import { createRequire } from 'node:module';

/**
 * The reference page's script: Redoc's standalone bundle from npm. It is never bundled into the app: the API
 * Lambda ships the file beside its bundle (infra/constructs/api.ts) and the app reads it the first time /docs
 * is asked for (http-deps.ts), so the code parsed on every cold start stays as small as without it.
 */
export const resolvePackagedReferenceScript = () =>
  createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js');

/** Its name beside the Lambda's index.mjs (the stack copies files by their base name). */
export const REFERENCE_SCRIPT_FILE = 'redoc.standalone.js';
