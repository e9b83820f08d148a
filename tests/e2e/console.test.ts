import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { demoUsers, seedDemoData } from '@cc/local/seed';
import { caseRepository } from '@cc/store';
import { skipBrowser, startConsoleBrowser, type ConsoleBrowser } from '../support/console-browser';
import { createTestContext, type TestContext } from '../support/harness';

describe.skipIf(skipBrowser)('the staff console in a real browser', () => {
  let t: TestContext;
  let browser: ConsoleBrowser;
  let base: string;
  const newPage: ConsoleBrowser['newPage'] = (options) => browser.newPage(options);
  const signIn: ConsoleBrowser['signIn'] = (userId, options) => browser.signIn(userId, options);
  const seriousViolations: ConsoleBrowser['seriousViolations'] = (page) => browser.seriousViolations(page);
  const checkPage: ConsoleBrowser['checkPage'] = (page, name) => browser.checkPage(page, name);

  beforeAll(async () => {
    t = await createTestContext();
    await seedDemoData(t.services);
    browser = await startConsoleBrowser(t);
    base = browser.base;
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** Logs a call on the customer card that is open, opening a case with it; answers the case's reference. */
  async function logCallWithCase(page: Page, fields: Record<string, string>): Promise<string> {
    await page.selectOption('#outcome', fields.outcome ?? 'complaint_registered');
    await page.fill('#notes', fields.notes ?? 'Customer called about it');
    await page.selectOption('#caseType', fields.caseType ?? 'complaint');
    await page.fill('#category', fields.category ?? 'fees');
    if (fields.subject) await page.selectOption('#subject', fields.subject);
    if (fields.productCode) await page.fill('#productCode', fields.productCode);
    await page.fill('#caseTitle', fields.title!);
    await page.fill('#description', fields.description!);
    await Promise.all([page.waitForURL(/done=loggedWithCase/), page.click('#log-call-submit')]);
    const reference = /C-\d{4}-\w+/.exec((await page.textContent('#flash')) ?? '')?.[0];
    expect(reference).toBeDefined();
    return reference!;
  }

  /** A form's action and its fields as the browser would send them now. */
  const formAsSent = (page: Page, form: string) =>
    page.$eval(form, (f) => {
      // Runs in the browser; this project's types know Node, not the DOM.
      const FormFields = FormData as unknown as new (form: unknown) => Iterable<[string, unknown]>;
      const fields = new URLSearchParams();
      for (const [name, value] of new FormFields(f)) fields.append(name, String(value));
      return { action: (f as unknown as { action: string }).action, body: fields.toString() };
    });
  /** Posts a form's fields once more from the page, with its cookies; answers the final status. */
  const sendAgain = (page: Page, sent: { action: string; body: string }) =>
    page.evaluate(
      async ({ action, body }) =>
        (
          await fetch(action, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body,
          })
        ).status,
      sent,
    );

  const optionValues = async (page: Page, select: string) =>
    Promise.all((await page.locator(`${select} option`).all()).map((o) => o.getAttribute('value')));

  async function openCustomer(page: Page, query: string) {
    await page.goto(`${base}/console/desk`);
    await page.fill('#q', query);
    await page.press('#q', 'Enter');
    await Promise.all([page.waitForURL(/\/console\/customers\//), page.click('#search-results a')]);
  }

  let complaint: string;

  it('sends a visitor without a session to the sign-in page, which lists the seeded users', async () => {
    const page = await newPage();
    await page.goto(`${base}/console/home`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    expect(await page.locator('.signin-users button').count()).toBe(demoUsers.length);
    await checkPage(page, 'sign-in');
    await page.context().close();
  });

  it('an agent finds a vip caller by a phone typed with spaces and logs the call with a complaint', async () => {
    const page = await signIn('agent-1');
    expect(new URL(page.url()).pathname).toBe('/console/desk');
    await page.fill('#q', '138 0000 0001');
    await page.press('#q', 'Enter');
    await page.waitForSelector('#search-results a');
    expect(await page.textContent('#search-results')).toContain('DEMO-0001');
    await checkPage(page, 'desk');
    await Promise.all([page.waitForURL(/\/console\/customers\//), page.click('#search-results a')]);
    expect(await page.textContent('#customer-name')).toBe('Zhao Lei');
    // Agents see the reduced profile: no figures; and whether the customer may be contacted now.
    expect(await page.locator('#figures-title').count()).toBe(0);
    expect(await page.textContent('#contactability')).toMatch(/SMS: (may be contacted now|quiet hours)/);
    await checkPage(page, 'customer-card');
    complaint = await logCallWithCase(page, {
      title: 'Annual fee charged twice',
      description: 'The annual fee appears twice on the October statement',
    });
    expect(await page.textContent('#timeline')).toContain(complaint);
    await page.context().close();
  });

  it('the primary manager sees the reminder on the home page, opens the case, replies and resolves it', async () => {
    const page = await signIn('mgr-1');
    expect(new URL(page.url()).pathname).toBe('/console/home');
    const reminder = page.locator('#reminders tr.unread', { hasText: complaint });
    await expect.poll(() => reminder.count()).toBe(1);
    const cells = await reminder.locator('td').allTextContents();
    expect(cells[0]).toMatch(/\d{4}/); // the date
    expect(cells[1]).toContain('Annual fee charged twice'); // the content
    expect(cells[2]).toBe('DEMO-0001');
    expect(cells[3]).toBe('Zhao Lei');
    expect(await page.textContent('#my-cases')).toContain(complaint);
    await checkPage(page, 'home');

    // Mark read in place (htmx swaps the row); the reminder stays, as read.
    await reminder.locator('button').click();
    await expect.poll(() => page.locator('#reminders tr.read', { hasText: complaint }).count()).toBe(1);

    await Promise.all([page.waitForURL(/\/console\/cases\//), page.click(`#my-cases a:text("${complaint}")`)]);
    expect(await page.textContent('#case-status')).toContain('new');
    // Only the moves the state machine allows are offered.
    const offered = await optionValues(page, '#status');
    expect(offered.sort()).toEqual(['acknowledged', 'closed', 'in_progress', 'resolved']);
    await checkPage(page, 'case');

    await page.fill('#note-text', 'Called the customer back; refund requested');
    const note = await formAsSent(page, '#note-form');
    await Promise.all([page.waitForURL(/done=noteAdded/), page.click('#note-form button')]);
    await page.fill('#reply-text', 'We have refunded the duplicate annual fee; it shows on your next statement.');
    const reply = await formAsSent(page, '#reply-form');
    await Promise.all([page.waitForURL(/done=replied/), page.click('#reply-submit')]);
    expect(await page.textContent('#flash')).toContain('Reply recorded');
    // Each form sent again (a double click, the browser resending it): the note is added once, the customer hears once.
    for (const sent of [note, reply]) expect(await sendAgain(page, sent)).toBe(200);
    const messages = await caseRepository(t.deps.store).messages(complaint);
    expect(messages.filter((m) => m.direction === 'internal')).toHaveLength(1);
    expect(messages.filter((m) => m.direction === 'outbound')).toHaveLength(1);
    await page.selectOption('#status', 'resolved');
    await page.fill('#status-note', 'Duplicate fee refunded');
    await Promise.all([page.waitForURL(/done=moved/), page.click('#status-submit')]);
    expect(await page.textContent('#case-status')).toContain('resolved');
    expect(await page.textContent('#case-history')).toContain('Duplicate fee refunded');
    const reopenOnly = await optionValues(page, '#status');
    expect(reopenOnly.sort()).toEqual(['closed', 'in_progress']);
    await page.context().close();
  });

  it('a product inquiry is converted and appears in the pipeline', async () => {
    const agent = await signIn('agent-1');
    await openCustomer(agent, 'demo1@example.com');
    const inquiry = await logCallWithCase(agent, {
      outcome: 'follow_up',
      caseType: 'inquiry',
      category: 'wealth',
      subject: 'product',
      productCode: 'WM-2026-A',
      title: 'Asks about WM-2026-A',
      description: 'Wants the terms of the new wealth product',
    });
    await agent.context().close();

    const page = await signIn('mgr-1');
    await page.goto(`${base}/console/cases/${inquiry}`);
    await page.fill('#convert-amount', '500000');
    await page.fill('#convert-close', '2027-06-30');
    await Promise.all([page.waitForURL(/done=converted/), page.click('#convert-submit')]);
    expect(await page.textContent('#case-status')).toContain('converted');
    await page.click('a[href="/console/pipeline"]');
    await page.waitForURL(/\/console\/pipeline/);
    expect(await page.textContent('#pipeline-list')).toContain('WM-2026-A');
    expect(await page.textContent('#pipeline-stages')).toContain('500,000');
    await checkPage(page, 'pipeline');
    await page.context().close();
  });

  it('a supervisor assigns a case from the branch queue', async () => {
    const agent = await signIn('agent-1');
    await openCustomer(agent, 'DEMO-0003'); // no manager: its cases go to the branch queue
    const queued = await logCallWithCase(agent, {
      title: 'Branch closed without notice',
      description: 'The branch was closed during opening hours',
    });
    await agent.context().close();

    const page = await signIn('sup-1');
    expect(new URL(page.url()).pathname).toBe('/console/queue');
    expect(await page.textContent('#queue-cases')).toContain(queued);
    await checkPage(page, 'queue');
    await Promise.all([page.waitForURL(/\/console\/cases\//), page.click(`#queue-cases a:text("${queued}")`)]);
    await page.fill('#assign-owner', 'mgr-2');
    await page.fill('#assign-reason', 'Branch service complaints go to Zhang Min');
    await Promise.all([page.waitForURL(/done=assigned/), page.click('#assign-submit')]);
    expect(await page.textContent('#case-facts')).toContain('mgr-2');
    await page.goto(`${base}/console/queue`);
    expect(await page.textContent('#queue-cases')).not.toContain(queued);

    await page.goto(`${base}/console/requests`);
    await checkPage(page, 'requests');
    await page.context().close();
  });

  it('an agent attaches a caller no customer was known by to the customer', async () => {
    const agent = { userId: 'agent-1', role: 'agent', branchId: 'BR-001' } as const;
    const call = { direction: 'inbound', startedAt: new Date().toISOString(), outcome: 'callback_requested' } as const;
    await t.services.contacts.log(
      agent,
      { ...call, phone: '+86 139 5555 0101', channel: 'voice', notes: '' },
      undefined,
    );
    const page = await signIn('agent-1');
    await Promise.all([page.waitForURL(/\/console\/unidentified/), page.click('a[href="/console/unidentified"]')]);
    const row = page.locator('#unidentified tbody tr', { hasText: '+8613955550101' });
    expect(await row.count()).toBe(1);
    await checkPage(page, 'unidentified');
    await row.locator('input[name="customerNumber"]').fill('DEMO-0005');
    await row.locator('input[name="addContactPoint"]').check();
    const attach = await formAsSent(page, '#unidentified tbody tr:has-text("+8613955550101") form');
    await Promise.all([page.waitForURL(/done=attached/), row.locator('button').click()]);
    expect(await page.textContent('#flash')).toContain('1 contact');
    expect(await page.locator('#unidentified tbody tr', { hasText: '+8613955550101' }).count()).toBe(0);
    // Sent again (a double click): one request to add the phone, not two.
    expect(await sendAgain(page, attach)).toBe(200);
    const supervisor = await signIn('sup-1');
    await supervisor.goto(`${base}/console/requests`);
    const pending = supervisor.locator('tr', { hasText: '+8613955550101' });
    expect(await pending.count()).toBe(1);
    // The supervisor's decision, sent twice, answers as the first did and leaves one approved request.
    const decision = await formAsSent(supervisor, 'tr:has-text("+8613955550101") form');
    await Promise.all([supervisor.waitForURL(/done=approved/), pending.locator('button[value="approve"]').click()]);
    expect(await sendAgain(supervisor, { ...decision, body: `${decision.body}&decision=approve` })).toBe(200);
    const requests = await t.request('GET', '/change-requests?status=approved', {
      token: await t.token('sup-1', 'supervisor'),
    });
    const approved = ((await requests.json()) as { items: { reason: string; decidedAt?: string }[] }).items;
    expect(approved.filter((r) => JSON.stringify(r).includes('+8613955550101'))).toHaveLength(1);
    await supervisor.context().close();
    await page.context().close();
  });

  it('speaks Simplified Chinese from Accept-Language or the switch, and the switch is remembered', async () => {
    const page = await signIn('mgr-1', { locale: 'zh-CN' });
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.textContent('h1')).toBe('首页');
    await checkPage(page, 'home-zh');
    await Promise.all([page.waitForURL(/\/console\/home/), page.click('#language-switch')]);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.goto(`${base}/console/pipeline`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.context().close();
  });

  it('works without JavaScript: search goes to the card, the call form posts and reports back', async () => {
    const page = await signIn('agent-1', { javaScriptEnabled: false });
    await page.fill('#q', '+86 138-0000-0004');
    await Promise.all([page.waitForURL(/\/console\/customers\//), page.press('#q', 'Enter')]);
    expect(await page.textContent('#customer-number')).toBe('DEMO-0004');
    // A case without a description: the form comes back with the error next to the field and what was typed.
    await page.selectOption('#caseType', 'complaint');
    await page.fill('#caseTitle', 'Card blocked abroad');
    await page.click('#log-call-submit');
    await page.waitForSelector('#log-call-errors');
    expect(await page.inputValue('#caseTitle')).toBe('Card blocked abroad');
    expect(await page.locator('#description-error').count()).toBe(1);
    await page.fill('#description', 'The card was blocked while travelling');
    await Promise.all([page.waitForURL(/done=loggedWithCase/), page.click('#log-call-submit')]);
    await page.context().close();
  });

  it('refuses a form post without its CSRF token, and signs out', async () => {
    const page = await signIn('mgr-1');
    const refused = await page.evaluate(async () => {
      const response = await fetch('/console/home/reminders/read-all', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      });
      return response.status;
    });
    expect(refused).toBe(403);
    await Promise.all([page.waitForURL(/\/console\/sign-in/), page.click('#sign-out')]);
    expect(await page.textContent('#flash')).toContain('signed out');
    await page.goto(`${base}/console/home`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await page.context().close();
  });

  it('the accessibility check does find a violation when a page has one', async () => {
    const page = await signIn('agent-1');
    await page.evaluate("document.querySelector('main').append(document.createElement('input'))");
    expect((await seriousViolations(page)).some((v) => v.startsWith('label'))).toBe(true);
    await page.context().close();
  });

  it('broke no content security policy rule on any page', () => {
    expect(browser.cspViolations).toEqual([]);
  });
});
