import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { resolvePackagedReferenceScript } from '@cc/api/reference';
import { loadContract } from '../support/contract';
import { serveInBrowser, skipBrowser, type ServedInBrowser } from '../support/browser';
import { createTestContext, type TestContext } from '../support/harness';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});

describe('GET /docs, the API reference', () => {
  it('is an HTML page that renders /openapi.json with a script the app serves under a content hash', async () => {
    const res = await t.request('GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<redoc spec-url="/openapi.json"');
    const src = /<script src="(\/docs\/redoc\.[0-9a-f]{16}\.js)"><\/script>/.exec(html)?.[1];
    expect(src).toBeDefined();
    expect(html).not.toMatch(/https?:\/\//);

    const script = await t.request('GET', src!);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await script.text()).toBe(readFileSync(resolvePackagedReferenceScript(), 'utf8'));

    const stale = await t.request('GET', '/docs/redoc.0000000000000000.js');
    expect(stale.status).toBe(404);
    expect(stale.headers.get('content-type')).toBe('application/problem+json');
  });

  it('loosens the content security policy for that page only: workers from blob: and data: images', async () => {
    const policy = (await t.request('GET', '/docs')).headers.get('content-security-policy');
    expect(policy).toContain('worker-src blob:');
    expect(policy).toContain("img-src 'self' data:");
    expect(policy).toContain("default-src 'self'");
    for (const path of ['/complaint', '/health', '/openapi.json']) {
      const other = (await t.request('GET', path)).headers.get('content-security-policy');
      expect(other, path).toContain("default-src 'self'");
      expect(other, path).not.toContain('blob:');
    }
  });
});

describe.skipIf(skipBrowser)('the reference page in a real browser', () => {
  let served: ServedInBrowser;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    served = await serveInBrowser(t.app);
    ({ base, browser } = served);
  });

  afterAll(async () => {
    await served?.close();
  });

  it('lists every operation, loads nothing from another host, and breaks no other content security rule', async () => {
    const page = await browser.newPage();
    const loadedElsewhere: string[] = [];
    const refused: string[] = [];
    page.on('requestfinished', (r) => {
      if (!/^(blob|data):/.test(r.url()) && new URL(r.url()).origin !== base) loadedElsewhere.push(r.url());
    });
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) refused.push(m.text());
    });
    await page.goto(`${base}/docs`);
    await page
      .getByRole('heading', { name: /Contact-center API/ })
      .first()
      .waitFor({ timeout: 30_000 });
    const operations = Object.values(loadContract().paths).flatMap((methods) => Object.keys(methods));
    await expect
      .poll(() => page.locator('li[data-item-id*="operation/"]').count(), { timeout: 10_000 })
      .toBe(operations.length);
    expect(loadedElsewhere).toEqual([]);
    // Redoc's footer asks Redocly's CDN for its logo; the policy refuses it, as it should, and nothing else.
    expect(refused.filter((m) => !m.includes('https://cdn.redoc.ly/redoc/logo-mini.svg'))).toEqual([]);
    await page.close();
  }, 60_000);
});
