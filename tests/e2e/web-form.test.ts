import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { caseRepository } from '@cc/store';
import { serveInBrowser, skipBrowser, type ServedInBrowser } from '../support/browser';
import { createTestContext, type TestContext } from '../support/harness';

describe.skipIf(skipBrowser)('the public complaint form in a real browser', () => {
  let t: TestContext;
  let served: ServedInBrowser;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    t = await createTestContext();
    served = await serveInBrowser(t.app);
    ({ base, browser } = served);
  });

  afterAll(async () => {
    await served?.close();
  });

  it('in Simplified Chinese by default: submit, follow the receipt to the status page, see the status', async () => {
    const page = await browser.newPage({ locale: 'zh-CN' });
    await page.goto(`${base}/complaint`);
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.textContent('label[for=name]')).toContain('姓名');
    await page.selectOption('#kind', 'complaint');
    await page.fill('#name', '王芳');
    await page.fill('#phone', '+86 138 0000 4444');
    await page.selectOption('#category', 'fees');
    await page.fill('#subject', '年费被重复收取');
    await page.fill('#description', '网点说免收年费，但账单上仍然扣了年费。');
    await Promise.all([page.waitForURL(/\/public\/complaints/), page.click('button[type=submit]')]);
    expect(await page.textContent('h1')).toContain('已收到');
    const reference = (await page.textContent('#reference'))?.trim();
    expect(reference).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]$/);

    // The receipt links to the status page, with the reference filled in; the phone used finds the request.
    await Promise.all([page.waitForURL(/\/complaint\/status/), page.click('#status-link')]);
    expect(await page.inputValue('#reference')).toBe(reference);
    await page.fill('#contact', '138 0000 4444');
    await Promise.all([page.waitForURL(/\/complaint\/status/), page.click('button[type=submit]')]);
    expect(await page.textContent('#status')).toBe('已受理');
    expect(await page.locator('#outcome').count()).toBe(0);

    // The JSON route stays for integrations: through the typed client.
    const status = await t.client(undefined, base).GET('/public/complaints/{reference}', {
      params: { path: { reference: reference! }, query: { phone: '13800004444' } },
    });
    expect(status.response.status).toBe(200);
    expect(status.data).toMatchObject({ reference, status: 'new' });
    await page.close();
  });

  it('in English through the switch: submit with an email, then read the outcome once resolved', async () => {
    const page = await browser.newPage({ locale: 'zh-CN' });
    await page.goto(`${base}/complaint`);
    await Promise.all([page.waitForURL(/lang=en/), page.click('#language-switch')]);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.fill('#name', 'Wang Fang');
    await page.fill('#email', 'wang.fang@example.com');
    await page.selectOption('#category', 'card');
    await page.fill('#subject', 'Card blocked abroad');
    await page.fill('#description', 'My card was blocked while I was travelling in Japan.');
    await Promise.all([page.waitForURL(/\/public\/complaints/), page.click('button[type=submit]')]);
    expect(await page.textContent('h1')).toContain('we have received your request');
    const reference = (await page.textContent('#reference'))!.trim();

    const admin = { userId: 'admin-1', role: 'admin', branchId: 'BR-001' } as const;
    // The customer's reference is random; staff's case id is found through it.
    const caseId = (await caseRepository(t.deps.store).idByPublicReference(reference))!;
    const stored = await t.services.cases.get(admin, caseId);
    await t.services.cases.update(
      admin,
      caseId,
      {
        status: 'resolved',
        note: 'The block was lifted; the card works abroad again.',
      },
      stored.version,
    );

    await Promise.all([page.waitForURL(/\/complaint\/status/), page.click('#status-link')]);
    expect(await page.textContent('h1')).toBe('Check the status');
    await page.fill('#contact', 'wang.fang@example.com');
    await Promise.all([page.waitForURL(/\/complaint\/status/), page.click('button[type=submit]')]);
    expect(await page.textContent('#status')).toBe('Resolved');
    expect(await page.textContent('#outcome')).toContain('The block was lifted');

    // The wrong contact learns nothing, in the page's language.
    await page.fill('#reference', reference);
    await page.fill('#contact', 'someone.else@example.com');
    await Promise.all([page.waitForURL(/\/complaint\/status/), page.click('button[type=submit]')]);
    expect(await page.locator('#not-found').count()).toBe(1);
    expect(await page.locator('#outcome').count()).toBe(0);
    await page.close();
  });

  it('shows the errors next to the fields and keeps what was typed', async () => {
    const page = await browser.newPage({ locale: 'en-US' });
    await page.goto(`${base}/complaint`);
    await page.fill('#name', 'Wang Fang');
    await page.selectOption('#category', 'card');
    await page.fill('#subject', 'Lost card');
    await page.fill('#description', 'Please block my card, I lost it yesterday.');
    // Neither phone nor email: the browser lets it through (both optional), the server refuses it.
    await Promise.all([page.waitForURL(/\/public\/complaints/), page.click('button[type=submit]')]);
    expect(await page.textContent('#error-summary')).toContain('phone number or an email');
    expect(await page.inputValue('#subject')).toBe('Lost card');
    expect(await page.locator('#reference').count()).toBe(0);
    await page.close();
  });

  it('shows the same errors in Chinese on the Chinese form', async () => {
    const page = await browser.newPage({ locale: 'zh-CN' });
    await page.goto(`${base}/complaint`);
    await page.fill('#name', '王芳');
    await page.selectOption('#category', 'card');
    await page.fill('#subject', '银行卡丢失');
    await page.fill('#description', '我的银行卡昨天丢了，请帮我挂失。');
    await Promise.all([page.waitForURL(/\/public\/complaints/), page.click('button[type=submit]')]);
    expect(await page.textContent('#error-summary')).toContain('请填写手机号或电子邮箱');
    expect(await page.inputValue('#subject')).toBe('银行卡丢失');
    await page.close();
  });
});
