import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
/** Locally without Chromium the browser tests are skipped; in CI (CI set) they must run, and fail without it. */
export const skipBrowser = !process.env.CI && !existsSync(CHROMIUM);

export interface ServedInBrowser {
  /** The app's origin (http://127.0.0.1:<port>). */
  base: string;
  browser: Browser;
  close(): Promise<void>;
}

/** The app on a real HTTP server on 127.0.0.1, and a headless Chromium to drive it. */
export async function serveInBrowser(app: { fetch: (request: Request) => Response | Promise<Response> }) {
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    browser,
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  } satisfies ServedInBrowser;
}
