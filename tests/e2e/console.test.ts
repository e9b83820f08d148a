import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import { signDevToken } from '@cc/local/dev-keys';
import { demoUsers, seedDemoData } from '@cc/local/seed';
import { createTestContext, type TestContext } from '../support/harness';

const CHROMIUM = '/usr/bin/chromium';
const skip = !process.env.CI && !existsSync(CHROMIUM);

describe.skipIf(skip)('the staff console in a real browser', () => {
  let t: TestContext;
  let server: ServerType;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    t = await createTestContext();
    await seedDemoData(t.services);
    const issue = (userId: string) => {
      const user = demoUsers.find((u) => u.id === userId)!;
      return signDevToken(
        t.keys,
        { userId, role: user.role, branchId: user.branchId },
        {
          issuer: t.config.AUTH_ISSUER,
          audience: t.config.AUTH_AUDIENCE,
        },
      );
    };
    const app = t.appWith({}, { console: { ...t.http.console, signIn: { kind: 'dev', users: demoUsers, issue } } });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function signedIn(userId: string): Promise<Page> {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    page.on('console', (m) => console.log('[browser]', m.text()));
    page.on('response', (r) => r.status() >= 400 && console.log('[http]', r.status(), r.url()));
    await page.goto(`${base}/console`);
    expect(page.url()).toContain('/console/sign-in');
    await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/sign-in')), page.click(`#sign-in-${userId}`)]);
    return page;
  }

  it('smoke', async () => {
    const page = await signedIn('agent-1');
    console.log(page.url());
    await page.fill('#q', '138 0000 0001');
    await page.press('#q', 'Enter');
    await page.click('#search-results a');
    await page.waitForURL(/\/console\/customers\//);
    console.log(await page.textContent('#customer-facts'));
  });
});
