import { beforeAll, describe, expect, it } from 'vitest';
import { TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Opportunity } from '@cc/core';
import { caseRepository, opportunityRepository } from '@cc/store';
import { keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';
import {
  customerItems,
  inboxFor,
  problem,
  seedCase,
  seedCustomer,
  seedPeople,
  terms,
  tokenOf,
} from './opportunities-support';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  await seedPeople(t);
});

const convert = async (
  caseId: string,
  userId = 'mgr-1',
  body: Record<string, unknown> = terms(),
  headers: Record<string, string> = {},
  app = t.app,
) =>
  app.request(`/cases/${caseId}/convert`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await tokenOf(t, userId)}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const stats = async (customerId: string) => (await customerItems(t, customerId, 'STATS'))[0]?.openCases;
const ownerPipeline = (ownerId: string) =>
  opportunityRepository(t.deps.store).list({ kind: 'owner', ownerId }, {}, undefined, 100);

/**
 * An app whose DynamoDB client runs `interloper` once, just before the first TransactWriteItems:
 * a concurrent writer landing between the service's read and its write.
 */
function appWithInterloper(interloper: () => Promise<unknown>) {
  const real = t.deps.store.doc;
  let transactions = 0;
  const doc = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver);
      return async (command: unknown) => {
        if (command instanceof TransactWriteCommand && transactions++ === 0) await interloper();
        return target.send(command as never);
      };
    },
  }) as DynamoDBDocumentClient;
  return { app: t.appWith({ store: { ...t.deps.store, doc } }), transactions: () => transactions };
}

const touchCase = (caseId: string, set: Record<string, unknown>) =>
  t.deps.store.doc.send(
    new UpdateCommand({
      TableName: t.tableName,
      Key: keys.case(caseId),
      UpdateExpression: `SET ${Object.keys(set)
        .map((k) => `#${k} = :${k}`)
        .join(', ')} ADD version :one`,
      ExpressionAttributeNames: Object.fromEntries(Object.keys(set).map((k) => [`#${k}`, k])),
      ExpressionAttributeValues: {
        ...Object.fromEntries(Object.entries(set).map(([k, v]) => [`:${k}`, v])),
        ':one': 1,
      },
    }),
  );

describe('POST /cases/{id}/convert', () => {
  it('turns a product inquiry into an opportunity in one transaction', async () => {
    const customer = await seedCustomer(t);
    const inquiry = await seedCase(t, customer);
    expect(await stats(customer.id)).toBe(1);

    const res = await convert(inquiry.id, 'mgr-1', terms({ collaboratorIds: ['pm-1'], note: 'wants 500k' }));
    expect(res.status, await res.clone().text()).toBe(201);
    const opp = (await res.json()) as Opportunity;
    expect(res.headers.get('location')).toBe(`/opportunities/${opp.id}`);
    expect(opp).toMatchObject({
      customerId: customer.id,
      customerNumber: customer.customerNumber,
      productCode: 'WM-GOLD-90',
      expectedAmount: 500000,
      currency: 'CNY',
      expectedCloseDate: '2026-09-30',
      stage: 'new',
      ownerId: 'mgr-1',
      collaboratorIds: ['pm-1'],
      supervisorId: 'sup-1',
      teamId: 'T-1',
      source: { kind: 'case', caseId: inquiry.id, channel: 'voice', contact: { phone: '+8613800138000' } },
      version: 1,
    });

    const after = await caseRepository(t.deps.store).get(inquiry.id, true);
    expect(after).toMatchObject({ status: 'converted', opportunityId: opp.id, version: 2 });
    const history = await caseRepository(t.deps.store).history(inquiry.id);
    expect(history.map((h) => [h.from, h.to])).toEqual([['new', 'converted']]);

    expect(await customerItems(t, customer.id, 'OPENCASE#')).toHaveLength(0);
    expect(await stats(customer.id)).toBe(0);
    const mirrors = await customerItems(t, customer.id, 'OPENOPP#');
    expect(mirrors.map((m) => m.opportunityId)).toEqual([opp.id]);
    const timeline = (await customerItems(t, customer.id, 'TL#')).filter((e) => e.type === 'opportunity');
    expect(timeline).toHaveLength(1);
    expect(timeline[0]!.links).toEqual({ caseId: inquiry.id, opportunityId: opp.id });

    const stages = await opportunityRepository(t.deps.store).history(opp.id);
    expect(stages.stageChanges.map((s) => [s.from, s.to, s.actor])).toEqual([
      [null, 'new', { kind: 'user', id: 'mgr-1' }],
    ]);
    for (const member of ['mgr-1', 'pm-1', 'sup-1'])
      expect(await inboxFor(t, member, opp.id, 'opportunity_created'), member).toHaveLength(1);
    expect(await inboxFor(t, 'mgr-2', opp.id)).toHaveLength(0);
  });

  it('refuses a second conversion naming the existing opportunity', async () => {
    const customer = await seedCustomer(t);
    const inquiry = await seedCase(t, customer);
    const first = (await (await convert(inquiry.id)).json()) as Opportunity;
    const res = await convert(inquiry.id, 'sup-1');
    expect(res.status).toBe(409);
    const body = await problem(res);
    expect(body.code).toBe('opportunity.already_converted');
    expect(body.opportunityId).toBe(first.id);
    expect(body.detail).toContain(first.id);
  });

  it('makes exactly one opportunity from two concurrent conversions', async () => {
    const customer = await seedCustomer(t, { primaryManagerId: 'mgr-3', assistingManagerIds: [] });
    const inquiry = await seedCase(t, customer);
    const results = await Promise.all([convert(inquiry.id, 'mgr-3'), convert(inquiry.id, 'sup-1')]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const loser = results.find((r) => r.status === 409)!;
    const winner = (await results.find((r) => r.status === 201)!.json()) as Opportunity;
    expect((await problem(loser)).code).toBe('opportunity.already_converted');
    expect((await ownerPipeline('mgr-3')).items.map((o) => o.id)).toEqual([winner.id]);
    expect(await customerItems(t, customer.id, 'OPENOPP#')).toHaveLength(1);
    expect((await customerItems(t, customer.id, 'TL#')).filter((e) => e.type === 'opportunity')).toHaveLength(1);
    expect(await stats(customer.id)).toBe(0);
    expect(await inboxFor(t, 'mgr-3', winner.id, 'opportunity_created')).toHaveLength(1);
  });

  it('leaves no half-converted state when the case changes between read and write', async () => {
    const customer = await seedCustomer(t, { primaryManagerId: 'mgr-2', assistingManagerIds: [] });
    const inquiry = await seedCase(t, customer);
    // Someone closes the case after the conversion read it: the whole transaction must be refused.
    const { app, transactions } = appWithInterloper(() => touchCase(inquiry.id, { status: 'closed' }));
    const res = await convert(inquiry.id, 'mgr-2', terms(), {}, app);
    expect(res.status).toBe(409);
    expect((await problem(res)).code).toBe('case.invalid_transition');
    expect(transactions()).toBe(1);

    const after = await caseRepository(t.deps.store).get(inquiry.id, true);
    expect(after).toMatchObject({ status: 'closed', version: 2 });
    expect(after?.opportunityId).toBeUndefined();
    expect((await ownerPipeline('mgr-2')).items).toHaveLength(0);
    expect(await customerItems(t, customer.id, 'OPENOPP#')).toHaveLength(0);
    expect(await customerItems(t, customer.id, 'OPENCASE#')).toHaveLength(1);
    expect(await stats(customer.id)).toBe(1);
    expect((await customerItems(t, customer.id, 'TL#')).filter((e) => e.type === 'opportunity')).toHaveLength(0);
    expect(await caseRepository(t.deps.store).history(inquiry.id)).toHaveLength(0);
    const { items } = await (await import('@cc/store')).inboxRepository(t.deps.store).list('mgr-2', undefined, 100);
    expect(items.filter((i) => i.kind === 'opportunity_created')).toHaveLength(0);
  });

  it('re-reads and converts once when only the version moved between read and write', async () => {
    const customer = await seedCustomer(t, { primaryManagerId: 'pm-2', assistingManagerIds: [] });
    const inquiry = await seedCase(t, customer);
    const { app, transactions } = appWithInterloper(() => touchCase(inquiry.id, { priority: 'high' }));
    const res = await convert(inquiry.id, 'pm-2', terms(), {}, app);
    expect(res.status).toBe(201);
    expect(transactions()).toBe(2);
    const opp = (await res.json()) as Opportunity;
    expect((await ownerPipeline('pm-2')).items.map((o) => o.id)).toEqual([opp.id]);
    expect(await caseRepository(t.deps.store).get(inquiry.id, true)).toMatchObject({
      status: 'converted',
      opportunityId: opp.id,
      priority: 'high',
      version: 3,
    });
  });

  it('refuses complaints and non-product inquiries with case.not_convertible', async () => {
    const customer = await seedCustomer(t);
    for (const kind of [
      { type: 'complaint' as const, subject: undefined },
      { type: 'inquiry' as const, subject: 'service' as const },
    ]) {
      const c = await seedCase(t, customer, kind);
      const res = await convert(c.id);
      expect(res.status).toBe(409);
      const body = (await problem(res)) as Awaited<ReturnType<typeof problem>> & Record<string, unknown>;
      expect(body.code).toBe('case.not_convertible');
      // The RFC 9457 members are ours, whatever the error's details are called; the detail reads as English.
      expect(body).toMatchObject({
        type: 'https://contact-center.example/problems/case.not_convertible',
        title: 'Conflict',
        status: 409,
        caseType: kind.type,
      });
      expect(body.detail).toMatch(kind.type === 'complaint' ? /is a complaint$/ : /is an inquiry about service$/);
      expect(await caseRepository(t.deps.store).get(c.id, true)).toMatchObject({ status: 'new', version: 1 });
    }
  });

  it('refuses a case that is no longer open with the allowed moves', async () => {
    const customer = await seedCustomer(t);
    const c = await seedCase(t, customer, { status: 'resolved' });
    const res = await convert(c.id);
    expect(res.status).toBe(409);
    const body = await problem(res);
    expect(body.code).toBe('case.invalid_transition');
    expect(body.allowed).toEqual(['closed', 'in_progress']);
  });

  it('hides cases outside the caller scope (404) and validates the terms (400)', async () => {
    const customer = await seedCustomer(t);
    const c = await seedCase(t, customer);
    for (const outsider of ['mgr-3', 'agent-1']) {
      const res = await convert(c.id, outsider);
      expect(res.status, outsider).toBe(404);
      expect((await problem(res)).code).toBe('case.not_found');
    }
    const bad = await convert(c.id, 'mgr-1', { expectedAmount: -1, currency: 'yuan', expectedCloseDate: '30/09/2026' });
    expect(bad.status).toBe(400);
    expect((await problem(bad)).errors?.map((e) => e.path).sort()).toEqual([
      'currency',
      'expectedAmount',
      'expectedCloseDate',
    ]);
    expect((await caseRepository(t.deps.store).get(c.id, true))?.status).toBe('new');
  });

  it('lets the assisting manager convert, and replays a retried request with the same Idempotency-Key', async () => {
    const customer = await seedCustomer(t);
    const c = await seedCase(t, customer);
    const headers = { 'idempotency-key': `convert-${c.id}` };
    const first = await convert(c.id, 'mgr-2', terms(), headers);
    expect(first.status).toBe(201);
    const again = await convert(c.id, 'mgr-2', terms(), headers);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const [a, b] = [(await first.json()) as Opportunity, (await again.json()) as Opportunity];
    expect(b.id).toBe(a.id);
    expect(a.ownerId).toBe('mgr-1');
  });

  it('converts an inquiry from an unidentified sender into a new-customer opportunity', async () => {
    const c = await seedCase(t, null, {
      origin: 'web',
      customerName: 'Ma Lin',
      ownerId: null,
      submitterContact: { email: 'ma.lin@example.com' },
    });
    const res = await convert(c.id, 'sup-1', terms({ ownerId: 'mgr-2' }));
    expect(res.status, await res.clone().text()).toBe(201);
    expect(await res.json()).toMatchObject({
      customerId: null,
      prospect: { name: 'Ma Lin', email: 'ma.lin@example.com' },
      ownerId: 'mgr-2',
      source: { kind: 'case', channel: 'web' },
    });
  });
});
