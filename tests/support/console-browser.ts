import { expect } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { signDevToken } from '@cc/local/dev-keys';
import { demoUsers } from '@cc/local/seed';
import { serveInBrowser } from './browser';
import type { TestContext } from './harness';

export { skipBrowser } from './browser';
/** `UPDATE_SCREENSHOTS=1 npx vitest run tests/e2e/console*.test.ts` rewrites docs/console/*.png. */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? new URL('../../docs/console/', import.meta.url) : undefined;
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: { target: string[] }[];
}

export interface ConsoleBrowser {
  /** The app's origin (http://127.0.0.1:<port>). */
  base: string;
  /** Content security policy violations any page reported on its console. */
  cspViolations: string[];
  newPage(options?: BrowserContextOptions): Promise<Page>;
  /** A new browser context signed in as a seeded user through the local sign-in page. */
  signIn(userId: string, options?: BrowserContextOptions): Promise<Page>;
  /** Serious and critical accessibility violations (axe-core, run in the page; the CSP does not cover evaluate). */
  seriousViolations(page: Page): Promise<string[]>;
  /** Every page is checked for accessibility; with UPDATE_SCREENSHOTS its picture goes to docs/console/. */
  checkPage(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/** The app (with the local sign-in listing the seeded users) on a real HTTP server, and Chromium to drive it. */
export async function startConsoleBrowser(t: TestContext): Promise<ConsoleBrowser> {
  const issue = (userId: string) => {
    const user = demoUsers.find((u) => u.id === userId)!;
    return signDevToken(
      t.keys,
      { userId, role: user.role, branchId: user.branchId },
      { issuer: t.config.AUTH_ISSUER, audience: t.config.AUTH_AUDIENCE },
    );
  };
  const app = t.appWith({}, { console: { ...t.http.console, signIn: { kind: 'dev', users: demoUsers, issue } } });
  const { base, browser, close } = await serveInBrowser(app);
  if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
  const cspViolations: string[] = [];

  async function newPage(options: BrowserContextOptions = {}): Promise<Page> {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1100, height: 760 }, ...options });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/content security policy/i.test(m.text())) cspViolations.push(m.text());
    });
    return page;
  }

  async function seriousViolations(page: Page): Promise<string[]> {
    await page.evaluate(AXE);
    const violations = await page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
      return (await axe.run()).violations;
    });
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }

  return {
    base,
    cspViolations,
    newPage,
    async signIn(userId, options = {}) {
      const page = await newPage(options);
      await page.goto(`${base}/console`);
      await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/sign-in')), page.click(`#sign-in-${userId}`)]);
      return page;
    },
    seriousViolations,
    async checkPage(page, name) {
      expect(await seriousViolations(page)).toEqual([]);
      if (SCREENSHOTS) await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname });
    },
    close,
  };
}
