import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { localDay } from '@cc/core';
import { demoUsers, seedDemoData } from '@cc/local/seed';
import type { CustomerReport, DailyReport, ManagerReport, PipelineReport } from '@cc/services';
import { skipBrowser, startConsoleBrowser, type ConsoleBrowser } from '../support/console-browser';
import { createTestContext, type TestContext } from '../support/harness';
import { reportsPoller } from '../support/reports';

/**
 * The reports page in a real browser. Cases are registered and worked through the API, the stream consumer catches
 * up, and the page shows the figures the API's JSON answers, draws them with the API's chart renderer, and
 * downloads each report's CSV byte for byte as the API answers it.
 */
describe.skipIf(skipBrowser)('the console reports page', () => {
  let t: TestContext;
  let browser: ConsoleBrowser;
  let poller: ReturnType<typeof reportsPoller>;
  const today = () => localDay(Date.now(), 'Asia/Shanghai');
  const reports = ['daily', 'managers', 'pipeline', 'customers'] as const;

  async function api(userId: string, method: string, path: string, options: { json?: unknown; headers?: object } = {}) {
    const user = demoUsers.find((u) => u.id === userId)!;
    const token = await t.token(userId, user.role, user.branchId);
    return t.request(method, path, { token, json: options.json, headers: { ...options.headers } });
  }
  async function apiJson<T>(userId: string, path: string, options: { json?: unknown; method?: string } = {}) {
    const res = await api(userId, options.method ?? 'GET', path, options);
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return (await res.json()) as T;
  }

  /** An inbound call logged by an agent, opening a case: its reference. */
  async function callWithCase(customerNumber: string, kase: Record<string, string>): Promise<string> {
    const found = await apiJson<{ items: { id: string }[] }>('agent-1', `/customers?number=${customerNumber}`);
    const body = { customerId: found.items[0]!.id, direction: 'inbound', startedAt: new Date().toISOString() };
    const logged = await apiJson<{ caseId: string }>('agent-1', '/contacts', {
      method: 'POST',
      json: { ...body, outcome: 'follow_up', case: kase },
    });
    return logged.caseId;
  }

  const complaint = (title: string) => ({ type: 'complaint', category: 'fees', title, description: `${title}.` });
  const branchDaily = { opened: 0, resolved: 0 };

  beforeAll(async () => {
    t = await createTestContext();
    await seedDemoData(t.services);
    poller = reportsPoller(t);
    await poller.catchUp();
    const before = await apiJson<DailyReport>('sup-1', `/reports/daily?from=${today()}&to=${today()}`);
    branchDaily.opened = -before.days[0]!.casesOpened.total;
    branchDaily.resolved = -before.days[0]!.casesResolved.total;

    // mgr-1's customers: two complaints (one resolved) and a product inquiry converted; mgr-2's: one complaint.
    const fee = await callWithCase('DEMO-0001', complaint('Annual fee charged twice'));
    await callWithCase('DEMO-0001', complaint('Card fee not explained'));
    await callWithCase('DEMO-0002', complaint('Transfer fee too high'));
    const inquiry = await callWithCase('DEMO-0004', {
      type: 'inquiry',
      category: 'wealth',
      subject: 'product',
      productCode: 'WM-2026-A',
      title: 'Asks about WM-2026-A',
      description: 'Wants the terms of the new wealth product',
    });
    const current = await api('mgr-1', 'GET', `/cases/${fee}`);
    const resolved = await api('mgr-1', 'PATCH', `/cases/${fee}`, {
      json: { status: 'resolved', note: 'Duplicate fee refunded' },
      headers: { 'if-match': current.headers.get('etag')! },
    });
    expect(resolved.status, await resolved.clone().text()).toBe(200);
    await apiJson('mgr-1', `/cases/${inquiry}/convert`, {
      method: 'POST',
      json: { productCode: 'WM-2026-A', expectedAmount: 500000, currency: 'CNY', expectedCloseDate: '2027-06-30' },
    });
    await poller.catchUp();
    const after = await apiJson<DailyReport>('sup-1', `/reports/daily?from=${today()}&to=${today()}`);
    branchDaily.opened += after.days[0]!.casesOpened.total;
    branchDaily.resolved += after.days[0]!.casesResolved.total;
    browser = await startConsoleBrowser(t);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  const cells = async (page: Page, row: string) => page.locator(`${row} > *`).allTextContents();
  const dash = (n: number | null) => (n === null ? '–' : String(n));
  const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

  /** The page's daily table and chart say what the API's JSON says, day by day. */
  async function expectDailyLike(page: Page, json: DailyReport) {
    expect(await page.locator('#daily-table tbody tr').count()).toBe(json.days.length);
    for (const d of json.days) {
      expect(await cells(page, `#daily-table tr[data-date="${d.date}"]`)).toEqual(
        [
          d.date,
          ...[d.contacts.total, d.casesOpened.total, d.casesResolved.total, d.casesClosed.total, total(d.breaches)],
          ...[d.escalations, d.backlog].map(String),
          dash(d.timeToFirstResponse.medianMinutes),
          dash(d.timeToResolution.medianMinutes),
          String(d.contactGuardBroken),
        ].map(String),
      );
    }
    const bars = await page
      .locator('#daily-chart svg rect[data-channel]')
      .evaluateAll((rects) =>
        rects.map((r) => [r.getAttribute('data-day'), r.getAttribute('data-channel'), r.getAttribute('data-count')]),
      );
    const expected = json.days.flatMap((d) =>
      Object.entries(d.casesOpened.byChannel).map(([channel, n]) => [d.date, channel, String(n)]),
    );
    expect(bars.sort()).toEqual(expected.sort());
    const backlog = await page
      .locator('#daily-chart svg circle[data-backlog]')
      .evaluateAll((dots) => dots.map((c) => Number(c.getAttribute('data-backlog'))));
    expect(backlog).toEqual(json.days.map((d) => d.backlog));
  }

  /** Each CSV link downloads exactly what the API answers for the same query, with the same name and type. */
  async function expectDownloadsLikeApi(page: Page, userId: string, which: readonly (typeof reports)[number][]) {
    for (const report of which) {
      const href = (await page.getAttribute(`#${report}-csv`, 'href'))!;
      const query = new URL(href, browser.base).search;
      const fromApi = await api(userId, 'GET', `/reports/${report}${query}`, { headers: { accept: 'text/csv' } });
      expect(fromApi.status).toBe(200);
      const bytes = Buffer.from(await fromApi.arrayBuffer());
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#${report}-csv`)]);
      expect(readFileSync((await download.path())!).equals(bytes), `${report}.csv`).toBe(true);
      const disposition = fromApi.headers.get('content-disposition')!;
      expect(disposition).toBe(`attachment; filename="${download.suggestedFilename()}"`);
      const fromConsole = await page.request.get(new URL(href, browser.base).href);
      expect(fromConsole.headers()['content-type']).toBe(fromApi.headers.get('content-type'));
      expect(fromConsole.headers()['content-disposition']).toBe(disposition);
      expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(true);
    }
  }

  it('a supervisor opens Reports: the chart and the figures are the API answer for the branch', async () => {
    const page = await browser.signIn('sup-1');
    await Promise.all([page.waitForURL(/\/console\/reports/), page.click('a[href="/console/reports"]')]);
    expect(await page.textContent('#report-scope')).toContain('BR-001');
    const [from, to, month] = await Promise.all(['#from', '#to', '#month'].map((s) => page.inputValue(s)));
    expect(to).toBe(today());
    const range = `from=${from}&to=${to}`;

    const daily = await apiJson<DailyReport>('sup-1', `/reports/daily?${range}`);
    expect(branchDaily).toEqual({ opened: 4, resolved: 1 }); // what was created through the API today
    await expectDailyLike(page, daily);
    expect(await page.textContent('#daily-chart svg > title')).toContain('Cases per day by channel');

    const managers = await apiJson<ManagerReport>('sup-1', `/reports/managers?month=${month}`);
    expect(managers.managers.map((m) => m.managerId)).toEqual(['mgr-1', 'mgr-2', 'pm-1']);
    for (const m of managers.managers) {
      const row = await cells(page, `#managers-table tr[data-manager="${m.managerId}"]`);
      expect(row[0]).toContain(m.name!);
      expect(row.slice(1, 6)).toEqual(
        [m.book.reduce((n, b) => n + b.count, 0), m.casesOpened, m.casesResolved, m.openCases, total(m.breaches)].map(
          String,
        ),
      );
      expect(row.slice(7, 9)).toEqual([m.conversions, m.opportunitiesWon].map(String));
      expect(row[10]).toBe(String(m.activities));
    }
    expect(managers.managers.find((m) => m.managerId === 'mgr-1')!.conversions).toBe(1);

    const pipeline = await apiJson<PipelineReport>('sup-1', `/reports/pipeline?${range}`);
    expect(pipeline.total).toBe(1);
    const figure = (section: string, name: string) => page.textContent(`#${section} dd[data-figure="${name}"]`);
    expect(await figure('pipeline-figures', 'total')).toBe(String(pipeline.total));
    expect(await figure('pipeline-figures', 'inquiries')).toBe(String(pipeline.conversion.inquiries));
    expect(await figure('pipeline-figures', 'opportunitiesFromInquiries')).toBe('1');
    expect(await page.textContent('#pipeline-by-product')).toContain('WM-2026-A');

    const customers = await apiJson<CustomerReport>('sup-1', '/reports/customers');
    expect(await figure('customer-figures', 'customers')).toBe(String(customers.customers));
    expect(await figure('customer-figures', 'complaints')).toBe(String(customers.complaints));
    expect(await figure('customer-figures', 'customersAtRisk')).toBe(String(customers.customersAtRisk));

    await browser.checkPage(page, 'reports');
    await expectDownloadsLikeApi(page, 'sup-1', reports);
    await page.context().close();
  });

  it('another period through the form; the chart in Chinese has the same marks in Chinese words', async () => {
    const page = await browser.signIn('sup-1', { locale: 'zh-CN' });
    await page.goto(`${browser.base}/console/reports`);
    const from = await page.inputValue('#from');
    await page.fill('#from', '2026-01-01');
    await page.fill('#to', '2026-01-31');
    await Promise.all([page.waitForURL(/from=2026-01-01/), page.click('#report-submit')]);
    expect(await page.locator('#daily-table tbody tr').count()).toBe(31);
    await expectDownloadsLikeApi(page, 'sup-1', ['daily', 'pipeline']);

    await page.goto(`${browser.base}/console/reports?from=${from}&to=${today()}`);
    await expectDailyLike(page, await apiJson<DailyReport>('sup-1', `/reports/daily?from=${from}&to=${today()}`));
    expect(await page.textContent('#daily-chart svg > title')).toContain('每日新增事项');
    expect(await page.locator('#daily-chart svg text').allTextContents()).toContain('坐席'); // the agent origin
    await page.context().close();
  });

  it('a manager reads only their own figures', async () => {
    const page = await browser.signIn('mgr-1');
    await Promise.all([page.waitForURL(/\/console\/reports/), page.click('a[href="/console/reports"]')]);
    expect(await page.textContent('#report-scope')).toContain('mgr-1');
    expect(await page.locator('#branchId').count()).toBe(0);
    const [from, to, month] = await Promise.all(['#from', '#to', '#month'].map((s) => page.inputValue(s)));
    const daily = await apiJson<DailyReport>('mgr-1', `/reports/daily?from=${from}&to=${to}`);
    expect(daily.scope.managerId).toBe('mgr-1');
    expect(daily.days.at(-1)!.casesOpened.total).toBe(3); // two complaints and the inquiry; not mgr-2's
    await expectDailyLike(page, daily);
    const managers = await apiJson<ManagerReport>('mgr-1', `/reports/managers?month=${month}`);
    expect(managers.managers.map((m) => m.managerId)).toEqual(['mgr-1']);
    expect(await page.locator('#managers-table tr[data-manager]').count()).toBe(1);
    expect(await page.locator('#managers-table tr[data-manager="mgr-1"]').count()).toBe(1);
    await expectDownloadsLikeApi(page, 'mgr-1', reports);

    const foreign = await page.goto(`${browser.base}/console/reports?branchId=BR-002`);
    expect(foreign!.status()).toBe(403);
    expect(await page.textContent('#report-form-errors')).toContain('not yours');
    expect(await page.locator('#daily-table').count()).toBe(0);
    await page.context().close();
  });

  it('an admin chooses the branch; what it echoes stays text', async () => {
    const page = await browser.signIn('admin-1');
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${browser.base}/console/reports`);
    expect(await page.inputValue('#branchId')).toBe('BR-001');
    await page.fill('#branchId', 'BR-002');
    await Promise.all([page.waitForURL(/branchId=BR-002/), page.click('#report-submit')]);
    expect(await page.textContent('#report-scope')).toContain('BR-002');
    const cases = await page.locator('#daily-table tbody tr td:nth-child(3)').allTextContents();
    expect(cases.every((n) => n === '0')).toBe(true);
    await expectDownloadsLikeApi(page, 'admin-1', ['daily', 'customers']);

    const hostile = '"><img src=x onerror=alert(1)>';
    await page.goto(`${browser.base}/console/reports?branchId=${encodeURIComponent(hostile)}`);
    expect(await page.inputValue('#branchId')).toBe(hostile);
    expect(await page.locator('main img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await page.context().close();
  });

  it('hostile or impossible query values answer a form error or a 4xx, never a 5xx', async () => {
    const page = await browser.signIn('sup-1');
    const form: [string, number, string][] = [
      ['from=2026-02-30', 400, '#from-error'],
      ['from=2026-03-02&to=2026-03-01', 400, '#from-error'],
      ['from=2025-01-01&to=2026-06-30', 400, '#to-error'],
      ['from=0001-01-01&to=9999-12-31', 400, '#to-error'],
      ['to=%E2%80%AE2026-01-01', 400, '#to-error'],
      ['month=2026-13', 400, '#month-error'],
      ["month=2026-01'%20OR%201=1--", 400, '#month-error'],
      [`branchId=${'x'.repeat(300)}`, 400, '#report-form-errors'],
      ['branchId=BR-002', 403, '#report-form-errors'],
      ['branchId=%3Cscript%3Ealert(1)%3C%2Fscript%3E', 400, '#report-form-errors'], // not an identifier
    ];
    for (const [query, status, error] of form) {
      const res = await page.goto(`${browser.base}/console/reports?${query}`);
      expect(res!.status(), query).toBe(status);
      expect(await page.locator(error).count(), query).toBe(1);
      expect(await page.locator('#daily-table').count(), query).toBe(0);
    }
    expect(await browser.seriousViolations(page)).toEqual([]);
    const files: [string, number][] = [
      ['daily.csv', 400],
      ['daily.csv?from=2026-02-30&to=2026-03-01', 400],
      ['pipeline.csv?from=0001-01-01&to=9999-12-31', 400],
      ['managers.csv?month=2026-1', 400],
      ['customers.csv?months=999', 400],
      ['customers.csv?branchId=BR-002', 403],
      ['daily.csv?from=2026-01-01&to=2026-01-02&branchId=BR-002', 403],
    ];
    for (const [path, status] of files) {
      const res = await page.request.get(`${browser.base}/console/reports/${path}`);
      expect(res.status(), path).toBe(status);
      expect(res.headers()['content-type'], path).toMatch(/^text\/html/);
    }
    await page.context().close();
  });

  it('agents have no reports: no link, and the page is refused', async () => {
    const page = await browser.signIn('agent-1');
    expect(await page.locator('a[href="/console/reports"]').count()).toBe(0);
    const res = await page.goto(`${browser.base}/console/reports`);
    expect(res!.status()).toBe(403);
    const csv = await page.request.get(`${browser.base}/console/reports/customers.csv`);
    expect(csv.status()).toBe(403);
    await page.context().close();
  });

  it('broke no content security policy rule on any page', () => {
    expect(browser.cspViolations).toEqual([]);
  });
});
