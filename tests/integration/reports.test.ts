import { BatchGetCommand, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { daysBetween, localDay, type Role } from '@cc/core';
import type { DailyReport } from '@cc/services';
import { hotKeyShards } from '@cc/store';
import { createTestContext, type TestContext } from '../support/harness';
import { aggregates, recountDaily, reportsPoller, scanTable } from '../support/reports';
import { createCustomer } from './intake-support';
import { seedPeople } from './opportunities-support';

/**
 * A day of activity created through the API, on a clock set to a day three days ago (09:00 in Shanghai): then the
 * reports answer what was created, as JSON, CSV and a chart, each figure equal to a recount from the base items.
 */
let t: TestContext;
const ZONE = 'Asia/Shanghai';
const HOUR = 3_600_000;
let day: string;
let t0: number;
const clock = { at: 0 };
let app: TestContext['app'];
const ids = { a: '', b: '', complaint: '', inquiry: '', web: '' };

async function call(role: Role, userId: string, method: string, path: string, json?: unknown, branchId = 'BR-001') {
  const headers: Record<string, string> = { authorization: `Bearer ${await t.token(userId, role, branchId)}` };
  if (json !== undefined) headers['content-type'] = 'application/json';
  return app.request(path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
}

async function logContact(customerId: string, minutes: number, direction = 'inbound', kase?: Record<string, string>) {
  clock.at = t0 + minutes * 60_000;
  const res = await call('agent', 'agent-1', 'POST', '/contacts', {
    customerId,
    direction,
    startedAt: new Date(clock.at).toISOString(),
    outcome: 'follow_up',
    ...(kase && { case: kase }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { caseId?: string };
}

async function moveCase(role: Role, userId: string, caseId: string, afterHours: number, status: string) {
  clock.at = t0 + afterHours * HOUR;
  const current = await call(role, userId, 'GET', `/cases/${caseId}`);
  const res = await app.request(`/cases/${caseId}`, {
    method: 'PATCH',
    headers: {
      authorization: `Bearer ${await t.token(userId, role)}`,
      'content-type': 'application/json',
      'if-match': current.headers.get('etag')!,
    },
    body: JSON.stringify({ status, ...(status === 'resolved' || status === 'closed' ? { note: 'Refunded' } : {}) }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

const report = async (query: string, role: Role = 'supervisor', userId = 'sup-1', branchId = 'BR-001') =>
  call(role, userId, 'GET', `/reports/daily?${query}`, undefined, branchId);

beforeAll(async () => {
  t = await createTestContext({ ESCALATE_AFTER_CONTACTS: '2' });
  await seedPeople(t);
  day = localDay(Date.now() - 3 * 24 * HOUR, ZONE);
  t0 = Date.parse(`${day}T09:00:00+08:00`);
  app = t.appWith({ clock: () => new Date(clock.at) });

  const a = await createCustomer(t, {
    level: 'vip',
    primaryManagerId: 'mgr-1',
    contactPoints: [{ kind: 'phone', value: '+8613800009001' }],
  });
  const b = await createCustomer(t, { level: 'standard' });
  ids.a = a.id;
  ids.b = b.id;
  // Customer A calls three times about a fee complaint (the third escalates it: threshold 2), B asks about a product.
  ids.complaint = (await logContact(a.id, 0, 'inbound', complaint))!.caseId!;
  await logContact(a.id, 10);
  await logContact(a.id, 20);
  ids.inquiry = (await logContact(b.id, 30, 'inbound', inquiry))!.caseId!;
  await logContact(a.id, 40, 'outbound');
  // Someone not yet a customer complains on the web form.
  clock.at = t0 + 50 * 60_000;
  const web = await app.request('/public/complaints', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'Sun Li',
      phone: '+86 139 0000 7777',
      category: 'branch_service',
      subject: 'Queue too long',
      description: 'Waited an hour at the counter',
    }),
  });
  expect(web.status, await web.clone().text()).toBe(201);
  ids.web = ((await web.json()) as { reference: string }).reference;
  // mgr-1 works A's complaint (2 h: first response; 5 h: resolved); the supervisor closes B's inquiry at 6 h.
  await moveCase('manager', 'mgr-1', ids.complaint, 2, 'in_progress');
  await moveCase('manager', 'mgr-1', ids.complaint, 5, 'resolved');
  await moveCase('supervisor', 'sup-1', ids.inquiry, 6, 'closed');
  // Two days later the sweeper finds the web complaint still new: a first-response breach.
  await t.compose({ clock: () => new Date(t0 + 48 * HOUR) }).sweeper.runOnce(60_000);

  await reportsPoller(t).catchUp();
}, 120_000);

const complaint = { type: 'complaint', category: 'fees', title: 'Fee charged twice', description: 'Twice in October' };
const inquiry = {
  type: 'inquiry',
  category: 'wealth',
  subject: 'product',
  productCode: 'WM-1',
  title: 'WM-1 terms',
  description: 'What are the terms',
};

describe('GET /reports/daily after a day of activity', () => {
  it('answers what was created, day by day (Asia/Shanghai days)', async () => {
    const end = localDay(t0 + 48 * HOUR, ZONE);
    const res = await report(`from=${day}&to=${end}`);
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as DailyReport;
    expect(body.scope).toEqual({ branchId: 'BR-001', timeZone: ZONE });
    expect(body.days.map((d) => d.date)).toEqual(daysBetween(day, end));
    const [first, , third] = body.days;
    // Besides the calls and the form: two SMS to customer A, its complaint's acknowledgement and its outcome.
    expect(first!.contacts.total).toBe(8);
    expect(first!.contacts.byChannel).toEqual([
      { channel: 'sms', direction: 'outbound', count: 2 },
      { channel: 'voice', direction: 'inbound', count: 4 },
      { channel: 'voice', direction: 'outbound', count: 1 },
      { channel: 'web', direction: 'inbound', count: 1 },
    ]);
    expect(first!.casesOpened).toEqual({
      total: 3,
      byKind: [
        { type: 'complaint', category: 'branch_service', count: 1 },
        { type: 'complaint', category: 'fees', count: 1 },
        { type: 'inquiry', category: 'wealth', count: 1 },
      ],
      byChannel: { agent: 2, web: 1 },
    });
    expect(first!.casesResolved.byKind).toEqual([{ type: 'complaint', category: 'fees', count: 1 }]);
    expect(first!.casesClosed.byKind).toEqual([{ type: 'inquiry', category: 'wealth', count: 1 }]);
    expect(first!.escalations).toBe(1);
    expect(first!.backlog).toBe(1);
    // First responses after 120 and 330 minutes; resolutions after 300 and 330 (nearest rank: median = lower).
    expect(first!.timeToFirstResponse).toEqual({ count: 2, medianMinutes: 120, p90Minutes: 330 });
    expect(first!.timeToResolution).toEqual({ count: 2, medianMinutes: 300, p90Minutes: 330 });
    expect(first!.breaches).toEqual({ response: 0, resolution: 0 });
    expect(third!.breaches).toEqual({ response: 1, resolution: 0 });
    expect(third!.backlog).toBe(1);
  });

  it('every figure equals a recount from the base items', async () => {
    const from = localDay(t0 - 24 * HOUR, ZONE);
    const to = localDay(Date.now(), ZONE);
    const body = (await (await report(`from=${from}&to=${to}`)).json()) as DailyReport;
    const recount = recountDaily(await scanTable(t), 'BR-001', ZONE, from, to);
    const joined = (list: { count: number }[], key: (x: any) => string) =>
      Object.fromEntries(list.map((x) => [key(x), x.count]));
    for (const d of body.days) {
      const r = recount.get(d.date)!;
      expect(
        {
          contacts: joined(d.contacts.byChannel, (x) => `${x.channel}/${x.direction}`),
          opened: joined(d.casesOpened.byKind, (x) => `${x.type}/${x.category}`),
          resolved: joined(d.casesResolved.byKind, (x) => `${x.type}/${x.category}`),
          closed: joined(d.casesClosed.byKind, (x) => `${x.type}/${x.category}`),
          breaches: d.breaches.response,
          escalations: d.escalations,
          backlog: d.backlog,
          ttfr: { median: d.timeToFirstResponse.medianMinutes, p90: d.timeToFirstResponse.p90Minutes },
          ttr: { median: d.timeToResolution.medianMinutes, p90: d.timeToResolution.p90Minutes },
        },
        d.date,
      ).toEqual({
        ...r,
        ttfr: { median: r.ttfr.median, p90: r.ttfr.p90 },
        ttr: { median: r.ttr.median, p90: r.ttr.p90 },
      });
    }
    expect(body.days.some((d) => d.contacts.total > 0)).toBe(true);
  });

  it('answers CSV (UTF-8 with BOM) for Accept: text/csv and for ?format=csv', async () => {
    for (const res of [
      await call('supervisor', 'sup-1', 'GET', `/reports/daily?from=${day}&to=${day}&format=csv`),
      await app.request(`/reports/daily?from=${day}&to=${day}`, {
        headers: { authorization: `Bearer ${await t.token('sup-1', 'supervisor')}`, accept: 'text/csv' },
      }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toContain(`daily-BR-001-${day}-${day}.csv`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const [header, row] = new TextDecoder().decode(bytes.slice(3)).trim().split('\r\n');
      const cells = Object.fromEntries(header!.split(',').map((h, i) => [h, row!.split(',')[i]]));
      expect(cells).toMatchObject({
        date: day,
        'contacts total': '8',
        'contacts voice inbound': '4',
        'cases opened': '3',
        'opened complaint fees': '1',
        escalations: '1',
        'backlog at day end': '1',
        'resolution median (min)': '300',
      });
    }
  });

  it('draws the chart as SVG: cases per day by channel, backlog, breaches', async () => {
    const end = localDay(t0 + 48 * HOUR, ZONE);
    const negotiated = await app.request(`/reports/daily?from=${day}&to=${end}`, {
      headers: { authorization: `Bearer ${await t.token('sup-1', 'supervisor')}`, accept: 'image/svg+xml' },
    });
    const direct = await call('supervisor', 'sup-1', 'GET', `/reports/daily.svg?from=${day}&to=${end}`);
    for (const res of [negotiated, direct]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
      const svg = await res.text();
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg).not.toMatch(/<script|href=/);
      expect(svg).toContain(`branch BR-001, ${day} to ${end}`);
      expect(svg).toContain(`data-day="${day}" data-channel="agent" data-count="2"`);
      expect(svg).toContain(`data-day="${day}" data-channel="web" data-count="1"`);
      expect(svg).toContain(`data-day="${day}" data-backlog="1"`);
      expect(svg).toContain(`data-day="${end}" data-breach="response" data-count="1"`);
    }
  });

  it('answers from aggregates with two Queries per shard of the scope, never a Scan, whatever the range', async () => {
    const doc = t.deps.store.doc;
    const send = doc.send.bind(doc) as (...args: unknown[]) => Promise<unknown>;
    const seen: string[] = [];
    doc.send = ((command: object, ...rest: unknown[]) => {
      seen.push(command.constructor.name);
      return send(command, ...rest);
    }) as typeof doc.send;
    try {
      for (const range of [`from=${day}&to=${day}`, `from=2026-01-01&to=2026-12-31`]) {
        seen.length = 0;
        expect((await report(range)).status).toBe(200);
        expect(seen.filter((c) => c === QueryCommand.name)).toHaveLength(2 * hotKeyShards(t.deps.store));
        expect(seen.filter((c) => c === ScanCommand.name)).toEqual([]);
        expect(seen.every((c) => [QueryCommand.name, GetCommand.name, BatchGetCommand.name].includes(c))).toBe(true);
      }
    } finally {
      doc.send = send as typeof doc.send;
    }
  });
});

describe('who reads which figures', () => {
  it("a manager reads their own: mgr-1's cases, and contacts made as them (the outcome SMS)", async () => {
    const res = await report(`from=${day}&to=${day}`, 'manager', 'mgr-1');
    expect(res.status).toBe(200);
    const body = (await res.json()) as DailyReport;
    expect(body.scope).toMatchObject({ branchId: 'BR-001', managerId: 'mgr-1' });
    expect(body.days[0]!.casesOpened.byKind).toEqual([{ type: 'complaint', category: 'fees', count: 1 }]);
    expect(body.days[0]!.contacts.byChannel).toEqual([{ channel: 'sms', direction: 'outbound', count: 1 }]);
    expect((await report(`from=${day}&to=${day}&branchId=BR-002`, 'manager', 'mgr-1')).status).toBe(403);
  });

  it("supervisors read their branch only; admins any branch's; agents none", async () => {
    expect((await report(`from=${day}&to=${day}`, 'supervisor', 'sup-2', 'BR-002')).status).toBe(200);
    const other = await report(`from=${day}&to=${day}&branchId=BR-001`, 'supervisor', 'sup-2', 'BR-002');
    expect(other.status).toBe(403);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    const admin = await report(`from=${day}&to=${day}&branchId=BR-001`, 'admin', 'admin-2', 'BR-002');
    expect(((await admin.json()) as DailyReport).days[0]!.contacts.total).toBe(8);
    expect((await report(`from=${day}&to=${day}`, 'agent', 'agent-1')).status).toBe(403);
  });

  it('refuses bad ranges with a 400 problem', async () => {
    expect((await report(`from=${day}`)).status).toBe(400);
    expect((await report('from=2026-02-01&to=2026-01-01')).status).toBe(400);
    expect((await report('from=2024-01-01&to=2026-01-01')).status).toBe(400);
    expect((await report(`from=${day}&to=${day}&format=xml`)).status).toBe(400);
  });
});

describe('the other reports', () => {
  it('managers: per manager of the branch for the month; a manager gets their own row', async () => {
    const month = day.slice(0, 7);
    const res = await call('supervisor', 'sup-1', 'GET', `/reports/managers?month=${month}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { managers: Record<string, any>[] };
    expect(body.managers.map((m) => m.managerId)).toEqual(['mgr-1', 'mgr-2', 'mgr-3', 'pm-1', 'pm-2']);
    expect(body.managers[0]).toMatchObject({
      managerId: 'mgr-1',
      name: 'Li Wei',
      book: [{ level: 'vip', role: 'primary', count: 1 }],
      casesOpened: 1,
      casesResolved: 1,
      openCases: 0,
      medianResolutionMinutes: 300,
      breaches: { response: 0, resolution: 0 },
    });
    const own = await call('manager', 'mgr-2', 'GET', `/reports/managers?month=${month}`);
    expect(((await own.json()) as { managers: { managerId: string }[] }).managers.map((m) => m.managerId)).toEqual([
      'mgr-2',
    ]);
    const csv = await call('supervisor', 'sup-1', 'GET', `/reports/managers?month=${month}&format=csv`);
    const lines = (await csv.text()).split('\r\n');
    expect(lines[0]).toContain('book vip primary');
    expect(lines[1]).toContain('mgr-1,Li Wei');
  });

  it('customers: by type and level, contacts per customer, complaint rate, at-risk customers', async () => {
    const res = await call('supervisor', 'sup-1', 'GET', '/reports/customers');
    const body = (await res.json()) as Record<string, any>;
    expect(body).toMatchObject({
      customers: 2,
      byTypeAndLevel: [
        { type: 'individual', level: 'standard', count: 1 },
        { type: 'individual', level: 'vip', count: 1 },
      ],
      complaints: 2,
      complaintsPer100Customers: 100,
      atRiskThreshold: 2,
    });
    const bands = Object.fromEntries(body.contactsPerCustomer.map((b: any) => [b.contacts, b.customers]));
    expect(bands).toMatchObject({ '1': 1, '5-9': 1 });
  });

  it('pipeline: opportunities by stage, product and source; inquiry → opportunity → won', async () => {
    // A asks about WM-2 (a second inquiry that day); mgr-1 converts it; the supervisor opens one for B directly.
    const asked = (await logContact(ids.a, 7 * 60, 'inbound', { ...inquiry, productCode: 'WM-2' }))!.caseId!;
    const converted = await call('manager', 'mgr-1', 'POST', `/cases/${asked}/convert`, {
      expectedAmount: 50000,
      currency: 'CNY',
      expectedCloseDate: '2026-12-31',
    });
    expect(converted.status, await converted.clone().text()).toBe(201);
    const direct = await call('supervisor', 'sup-1', 'POST', '/opportunities', {
      customerId: ids.b,
      productCode: 'WM-1',
      expectedAmount: 100000,
      currency: 'CNY',
      expectedCloseDate: '2026-12-31',
      ownerId: 'mgr-2',
    });
    expect(direct.status, await direct.clone().text()).toBe(201);
    await reportsPoller(t).catchUp();
    const res = await call('supervisor', 'sup-1', 'GET', `/reports/pipeline?from=${day}&to=${day}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      total: 2,
      byStage: { new: 2 },
      byProduct: { 'WM-1': 1, 'WM-2': 1 },
      bySource: { agent: 1, customer_record: 1 },
      conversion: {
        inquiries: 2,
        opportunitiesFromInquiries: 1,
        won: 0,
        inquiryToOpportunity: 0.5,
        opportunityToWon: 0,
      },
    });
    const csv = await call('supervisor', 'sup-1', 'GET', `/reports/pipeline?from=${day}&to=${day}&format=csv`);
    expect(await csv.text()).toContain('inquiry to opportunity,,0.5');
  });

  it('npm run reports:rebuild reproduces the aggregates the stream kept', async () => {
    await reportsPoller(t).catchUp();
    const kept = await aggregates(t);
    const result = await t.services.reportRebuild.rebuild();
    expect(result.present).toBe(true);
    expect(await aggregates(t)).toEqual(kept);
    expect(Object.keys(kept).length).toBeGreaterThan(10);
  });
});
