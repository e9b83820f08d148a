import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userRepository } from '@cc/store';
import { createTestContext, type TestContext } from '../support/harness';

/**
 * Over real HTTP with the typed client (@cc/client), as a website and a manager's client would: the public form in,
 * the owner's inbox out.
 */
let t: TestContext;
let server: ServerType;
let base: string;

beforeAll(async () => {
  t = await createTestContext();
  await userRepository(t.deps.store).put({
    id: 'mgr-1',
    name: 'Wang Wei',
    role: 'manager',
    branchId: 'BR-001',
    notifyVia: 'inbox',
  });
  await t.services.customers.create(
    { userId: 'admin-1', role: 'admin', branchId: 'BR-001' },
    {
      customerNumber: 'HTTP-0001',
      name: 'Zhao Lei',
      type: 'individual',
      level: 'vip',
      primaryManagerId: 'mgr-1',
      contactPoints: [{ kind: 'phone', value: '+8613800000071', verified: true, preferred: true }],
      tags: [],
    },
  );
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

describe('a complaint posted to the public form over HTTP', () => {
  it("reaches the customer's primary manager's inbox with date, content, customer number and name", async () => {
    const visitor = t.client(undefined, base);
    const submitted = await visitor.POST('/public/complaints', {
      body: {
        name: 'Zhao Lei',
        phone: '138 0000 0071',
        category: 'fees',
        subject: 'Charged twice for the annual fee',
        description: 'The annual card fee appears twice on my October statement.',
      },
    });
    expect(submitted.response.status).toBe(201);
    const reference = submitted.data!.reference;

    const manager = t.client(await t.token('mgr-1', 'manager'), base);
    const inbox = await manager.GET('/me/inbox');
    expect(inbox.response.status).toBe(200);
    const reminder = inbox.data!.items.find((i) => i.kind === 'case_created');
    expect(reminder).toMatchObject({
      customerNumber: 'HTTP-0001',
      customerName: 'Zhao Lei',
      read: false,
      link: `/cases/${String(reminder?.caseId)}`,
    });
    // The manager's case is the one the customer's (random) reference names.
    const opened = await manager.GET('/cases/{id}', { params: { path: { id: String(reminder!.caseId) } } });
    expect(opened.data).toMatchObject({ publicReference: reference });
    expect(String(reminder!.excerpt)).toContain('annual card fee appears twice');
    expect(Number.isNaN(Date.parse(String(reminder!.date)))).toBe(false);
  });
});
