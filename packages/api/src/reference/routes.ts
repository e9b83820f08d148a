import type { Hono } from 'hono';
import { problemResponse } from '../http/problems';
import type { AppEnv } from '../http/env';

/** The reference page's path; its script is served beside it under a content hash. */
export const REFERENCE_PATH = '/docs';

const page = (script: string) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Contact-center API reference</title>
    <style>
      body { margin: 0; }
    </style>
  </head>
  <body>
    <redoc spec-url="/openapi.json" expand-responses="200,201" required-props-first="true"></redoc>
    <script src="${script}"></script>
  </body>
</html>
`;

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * `GET /docs`: the API reference, rendered in the browser by Redoc from /openapi.json. The script is served
 * by the app itself (no CDN) as /docs/redoc.<hash>.js: cached for good, and a new Redoc gets a new name.
 */
export function mountReference(app: Hono<AppEnv>, load: () => Promise<string>): void {
  let asset: Promise<{ script: string; name: string }> | undefined;
  const current = () =>
    (asset ??= load()
      .then(async (script) => ({ script, name: `redoc.${await sha256(script)}.js` }))
      .catch((error: unknown) => {
        asset = undefined;
        throw error;
      }));

  app.get(REFERENCE_PATH, async (c) => {
    const { name } = await current();
    return c.html(page(`${REFERENCE_PATH}/${name}`), 200, { 'cache-control': 'no-cache' });
  });
  app.get(`${REFERENCE_PATH}/:file`, async (c) => {
    const { script, name } = await current();
    if (c.req.param('file') !== name) {
      return problemResponse(c, 'route.not_found', `No such file; the reference page names its script`);
    }
    return c.body(script, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=31536000, immutable',
    });
  });
}
