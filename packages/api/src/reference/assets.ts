import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/**
 * Where the reference page's script (Redoc's standalone bundle, from npm) comes from. It is read from a file
 * the first time /docs is asked for, never bundled into the app: the API Lambda's code stays as small and its
 * cold start as quick as without it.
 */
export type ReferenceScript = () => Promise<string>;

/** Where the API Lambda's bundle keeps it, beside index.mjs (infra copies it there when bundling). */
export const BUNDLED_REFERENCE_SCRIPT = 'reference/redoc.standalone.js';
/** The file as the npm package ships it, for the infra to copy. */
export const resolvePackagedReferenceScript = () =>
  createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js');

/** Reads the file once, when first needed (a failed read is tried again next time). */
export function referenceScriptFrom(locate: () => string | URL): ReferenceScript {
  let loading: Promise<string> | undefined;
  return () =>
    (loading ??= Promise.resolve()
      .then(() => readFile(locate(), 'utf8'))
      .catch((error: unknown) => {
        loading = undefined;
        throw error;
      }));
}

/** From the installed npm package: the local runtime and the tests. */
export const packagedReferenceScript = referenceScriptFrom(resolvePackagedReferenceScript);
