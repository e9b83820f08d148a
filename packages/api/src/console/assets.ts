import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { CONSOLE_STYLES } from './styles';

/** Reads htmx's script (a classic script: it defines window.htmx, no bundler needed). */
export type ScriptSource = () => Promise<string>;

/** The file as the npm package ships it: for the local runtime, the tests, and the infra to copy. */
export const packagedHtmxPath = () => createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js');

/** Reads the file when first needed, never at start (a failed read is tried again next time). */
export function scriptFrom(locate: () => string | URL): ScriptSource {
  let loading: Promise<string> | undefined;
  return () =>
    (loading ??= Promise.resolve()
      .then(() => readFile(locate(), 'utf8'))
      .catch((error: unknown) => {
        loading = undefined;
        throw error;
      }));
}

export interface Asset {
  /** The file name with its content hash, e.g. htmx.1a2b3c4d5e6f7a8b.js: cached for good, renamed on change. */
  name: string;
  body: string;
  type: string;
}

const hashed = (stem: string, ext: string, body: string, type: string): Asset => ({
  name: `${stem}.${createHash('sha256').update(body).digest('hex').slice(0, 16)}.${ext}`,
  body,
  type,
});

/** The console's static files: its stylesheet (part of the code) and htmx (read from a file on first use). */
export function consoleAssets(htmx: ScriptSource) {
  const styles = hashed('console', 'css', CONSOLE_STYLES, 'text/css; charset=utf-8');
  let script: Promise<Asset> | undefined;
  const htmxAsset = () =>
    (script ??= htmx()
      .then((body) => hashed('htmx', 'js', body, 'text/javascript; charset=utf-8'))
      .catch((error: unknown) => {
        script = undefined;
        throw error;
      }));
  return {
    styles,
    htmx: htmxAsset,
    async byName(name: string): Promise<Asset | undefined> {
      if (name === styles.name) return styles;
      const js = await htmxAsset();
      return name === js.name ? js : undefined;
    },
  };
}

export type ConsoleAssets = ReturnType<typeof consoleAssets>;
