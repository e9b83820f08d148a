import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { ChangeRequest, Team } from '@cc/core';
import { userRepository } from '@cc/store';
import { keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';
import { answers, expectDataIntact, expectOneAnswer, openCase, smsWebhook, storm } from '../support/faults';
import { createCustomer, problem, staffTokens, uniqueContact, type Tokens } from './customers-support';
import { partitionItems, timelineOf } from './intake-support';

/**
 * The POSTs that did not take an Idempotency-Key: forming a team, merging customers, deciding a change request,
 * attaching unidentified contacts. A client that lost the answer and retries with the same key gets the first
 * answer (`Idempotent-Replayed: true`), the same key with another body is refused, and copies sent at once make
 * one of everything. Without a key each behaves as it always did (pinned first in each block).
 */
const STORM = 10;

let t: TestContext;
let tk: Tokens;

beforeAll(async () => {
  t = await createTestContext();
  tk = await staffTokens(t);
});

const newKey = () => `retry-${randomBytes(6).toString('hex')}`;
const keyed = (key: string) => ({ 'idempotency-key': key });
const replayedCount = (responses: Response[]) =>
  responses.filter((r) => r.headers.get('idempotent-replayed') === 'true').length;

/** Sends `send` once, then again as the retry of a client that lost the first answer. */
async function sentTwice(send: () => Promise<Response>) {
  const first = await send();
  const retry = await send();
  return { first, retry, bodies: [await first.clone().text(), await retry.clone().text()] };
}

/** Managers of BR-001 on no team yet, a fresh set for each test. */
async function freshManagers(n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => `tm-${randomBytes(4).toString('hex')}`);
  const users = userRepository(t.deps.store);
  await Promise.all(
    ids.map((id) => users.put({ id, name: id, role: 'manager', branchId: 'BR-001', notifyVia: 'inbox' })),
  );
  return ids;
}

const teamsLedBy = async (leaderId: string) => {
  const res = await t.request('GET', '/teams?limit=100', { token: tk.sup1 });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Team[] }).items.filter((team) => team.leaderId === leaderId);
};

describe('POST /teams', () => {
  const formTeam =
    (json: Record<string, unknown>, headers: Record<string, string> = {}) =>
    () =>
      t.request('POST', '/teams', { token: tk.sup1, headers, json });

  it('without a key: a retry is refused, the members being on the first team; one team', async () => {
    const [leaderId, member] = await freshManagers(2);
    const { first, retry } = await sentTwice(formTeam({ name: 'Retail East', leaderId, memberIds: [member] }));
    expect(first.status).toBe(201);
    expect(retry.status).toBe(409);
    expect((await problem(retry)).code).toBe('team.member_conflict');
    expect(await teamsLedBy(leaderId!)).toHaveLength(1);
  });

  it('with a key: the retry replays the team, another body under the key is refused', async () => {
    const [leaderId, member] = await freshManagers(2);
    const headers = keyed(newKey());
    const json = { name: 'Retail West', leaderId, memberIds: [member] };
    const { first, retry, bodies } = await sentTwice(formTeam(json, headers));
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(JSON.parse(bodies[1]!)).toEqual(JSON.parse(bodies[0]!));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect(retry.headers.get('etag')).toBe(first.headers.get('etag'));
    const other = await formTeam({ ...json, name: 'Retail North' }, headers)();
    expect(other.status).toBe(422);
    expect((await problem(other)).code).toBe('idempotency.key_reused');
    expect(await teamsLedBy(leaderId!)).toHaveLength(1);
  });

  it(`with a key, ${STORM} copies at once: one team, one answer`, async () => {
    const [leaderId, member] = await freshManagers(2);
    const responses = await storm(
      STORM,
      formTeam({ name: 'Retail South', leaderId, memberIds: [member] }, keyed(newKey())),
    );
    const team = expectOneAnswer(await answers(responses), 201);
    expect(replayedCount(responses)).toBe(STORM - 1);
    expect((await teamsLedBy(leaderId!)).map((x) => x.id)).toEqual([team.id]);
  });
});

describe('POST /customers/{id}/merge', () => {
  /** A survivor and a duplicate record of the same person, the duplicate with `calls` calls on its history. */
  async function pair(calls: number) {
    const survivor = await createCustomer(t, tk.admin, { name: 'Huang Li', primaryManagerId: 'mgr-1' });
    const duplicate = await createCustomer(t, tk.admin, { name: 'Huang Li', primaryManagerId: 'mgr-2' });
    for (let i = 0; i < calls; i++) {
      const json = {
        customerId: duplicate.id,
        direction: 'inbound',
        startedAt: new Date().toISOString(),
        outcome: 'resolved',
      };
      expect((await t.request('POST', '/contacts', { token: tk.agent, json })).status).toBe(201);
    }
    return { survivor, duplicate };
  }
  const mergeInto =
    (survivorId: string, json: Record<string, unknown>, headers: Record<string, string> = {}) =>
    () =>
      t.request('POST', `/customers/${survivorId}/merge`, { token: tk.sup1, headers, json });
  const mergedIn = async (survivorId: string) =>
    (await partitionItems(t, keys.customerHistoryPartition(survivorId))).filter((h) => h.action === 'merged_in');

  it('without a key: a retry finishes the merge again and answers the records as they are now', async () => {
    const { survivor, duplicate } = await pair(2);
    const json = { mergedId: duplicate.id, reason: 'Same person, two records' };
    const { first, retry, bodies } = await sentTwice(mergeInto(survivor.id, json));
    expect([first.status, retry.status]).toEqual([200, 200]);
    const [once, again] = bodies.map((b) => JSON.parse(b) as { moved: Record<string, number> });
    expect(once!.moved.timeline).toBe(2);
    expect(again!.moved.timeline).toBe(0);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(await mergedIn(survivor.id)).toHaveLength(1);
  });

  it('with a key: the retry replays the merge, another body under the key is refused', async () => {
    const { survivor, duplicate } = await pair(2);
    const headers = keyed(newKey());
    const json = { mergedId: duplicate.id, reason: 'Same person, two records' };
    const { first, retry, bodies } = await sentTwice(mergeInto(survivor.id, json, headers));
    expect([first.status, retry.status]).toEqual([200, 200]);
    const [once, again] = bodies.map((b) => JSON.parse(b) as Record<string, unknown>);
    expect(again!.survivor).toEqual(once!.survivor);
    expect(again!.merged).toEqual(once!.merged);
    expect(once!.moved).toMatchObject({ timeline: 2 });
    expect(again!.moved).toMatchObject({ timeline: 0 });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('etag')).toBe(first.headers.get('etag'));
    const other = await mergeInto(survivor.id, { ...json, reason: 'Another reason' }, headers)();
    expect(other.status).toBe(422);
    expect((await problem(other)).code).toBe('idempotency.key_reused');
    expect(await mergedIn(survivor.id)).toHaveLength(1);
  });

  it(`with a key, ${STORM} copies at once: merged once, every copy answers the same records`, async () => {
    const { survivor, duplicate } = await pair(3);
    const complaint = { type: 'complaint', category: 'fees', title: 'Fee twice', description: 'Charged twice' };
    const caseId = await openCase(t, tk.agent, duplicate.id, complaint);
    const entries = (await timelineOf(t, duplicate.id)).length;
    const json = { mergedId: duplicate.id, reason: 'Same person, two records' };
    const responses = await storm(STORM, mergeInto(survivor.id, json, keyed(newKey())));
    const results = await answers(responses);
    expect(results.map((r) => r.status)).toEqual(Array(STORM).fill(200));
    const bodies = results.map(
      (r) => JSON.parse(r.body) as { survivor: unknown; merged: unknown; moved: Record<string, number> },
    );
    const records = expectOneAnswer(
      bodies.map(({ survivor: s, merged }) => ({ status: 200, body: JSON.stringify({ s, merged }) })),
      200,
    );
    expect(records.merged).toMatchObject({ status: 'merged', mergedInto: survivor.id });
    expect(replayedCount(responses)).toBe(STORM - 1);
    // Every copy finishes the move; between them, each entry and the case moved once.
    expect(bodies.reduce((sum, b) => sum + b.moved.timeline!, 0)).toBe(entries);
    expect(bodies.reduce((sum, b) => sum + b.moved.cases!, 0)).toBe(1);
    const moved = await t.request('GET', `/cases/${caseId}`, { token: tk.sup1 });
    expect(((await moved.json()) as { customerId: string }).customerId).toBe(survivor.id);
    expect(await mergedIn(survivor.id)).toHaveLength(1);
  });
});

describe('POST /change-requests/{id}/decision', () => {
  async function pendingAssignment() {
    const customer = await createCustomer(t, tk.admin, { level: 'vip', primaryManagerId: 'mgr-1' });
    const requested = await t.request('POST', `/customers/${customer.id}/change-requests`, {
      token: tk.mgr1,
      json: { kind: 'assignment', primaryManagerId: 'mgr-2', reason: 'mgr-2 covers the district' },
    });
    expect(requested.status, await requested.clone().text()).toBe(201);
    return { customer, request: (await requested.json()) as ChangeRequest };
  }
  const decide =
    (id: string, json: Record<string, unknown>, headers: Record<string, string> = {}) =>
    () =>
      t.request('POST', `/change-requests/${id}/decision`, { token: tk.sup1, headers, json });
  const applied = async (customerId: string) =>
    (await partitionItems(t, keys.customerHistoryPartition(customerId))).filter(
      (h) => h.action === 'assignment_changed',
    );

  it('without a key: the same decision again answers the decision, unmarked; another decision is refused', async () => {
    const { customer, request } = await pendingAssignment();
    const { first, retry, bodies } = await sentTwice(decide(request.id, { decision: 'approve', note: 'agreed' }));
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(JSON.parse(bodies[1]!)).toEqual(JSON.parse(bodies[0]!));
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect((await decide(request.id, { decision: 'reject' })()).status).toBe(409);
    expect(await applied(customer.id)).toHaveLength(1);
  });

  it('with a key: the retry replays the decision, another body under the key is refused', async () => {
    const { customer, request } = await pendingAssignment();
    const headers = keyed(newKey());
    const { first, retry, bodies } = await sentTwice(
      decide(request.id, { decision: 'approve', note: 'agreed' }, headers),
    );
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(JSON.parse(bodies[1]!)).toEqual(JSON.parse(bodies[0]!));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const other = await decide(request.id, { decision: 'reject', note: 'agreed' }, headers)();
    expect(other.status).toBe(422);
    expect((await problem(other)).code).toBe('idempotency.key_reused');
    expect(await applied(customer.id)).toHaveLength(1);
  });

  it(`with a key, ${STORM} copies at once: applied once, one answer`, async () => {
    const { customer, request } = await pendingAssignment();
    const responses = await storm(STORM, decide(request.id, { decision: 'approve' }, keyed(newKey())));
    expect(expectOneAnswer(await answers(responses), 200)).toMatchObject({ status: 'approved', decidedBy: 'sup-1' });
    expect(replayedCount(responses)).toBe(STORM - 1);
    expect(await applied(customer.id)).toHaveLength(1);
  });
});

describe('POST /contacts/unidentified/attach', () => {
  /** A phone no customer is known by, which sent `messages` SMS, and the customer they turn out to be from. */
  async function unknownSender(messages: number) {
    const { phone } = uniqueContact();
    const sender = phone.replace('+86139', '+86138');
    for (let i = 0; i < messages; i++) expect((await smsWebhook(t, sender, `message ${i}`)()).status).toBe(200);
    const customer = await createCustomer(t, tk.admin, { primaryManagerId: 'mgr-1' });
    return { sender, customer };
  }
  const attach =
    (json: Record<string, unknown>, headers: Record<string, string> = {}) =>
    () =>
      t.request('POST', '/contacts/unidentified/attach', { token: tk.agent, headers, json });
  const pendingRequests = async (customerId: string) => {
    const res = await t.request('GET', '/change-requests?status=pending&limit=100', { token: tk.sup1 });
    return ((await res.json()) as { items: ChangeRequest[] }).items.filter((r) => r.customerId === customerId);
  };

  it('without a key: a retry moves nothing more but asks a second time to add the phone', async () => {
    const { sender, customer } = await unknownSender(2);
    const json = { kind: 'phone', value: sender, customerId: customer.id, addContactPoint: true };
    const { first, retry, bodies } = await sentTwice(attach(json));
    expect([first.status, retry.status]).toEqual([200, 200]);
    const [once, again] = bodies.map((b) => JSON.parse(b) as { moved: number; changeRequestId: string });
    expect([once!.moved, again!.moved]).toEqual([2, 0]);
    expect(again!.changeRequestId).not.toBe(once!.changeRequestId);
    expect(await pendingRequests(customer.id)).toHaveLength(2);
  });

  it('with a key: the retry replays the attachment and its change request, another body is refused', async () => {
    const { sender, customer } = await unknownSender(2);
    const headers = keyed(newKey());
    const json = { kind: 'phone', value: sender, customerId: customer.id, addContactPoint: true };
    const { first, retry, bodies } = await sentTwice(attach(json, headers));
    expect([first.status, retry.status]).toEqual([200, 200]);
    const [once, again] = bodies.map((b) => JSON.parse(b) as { moved: number; changeRequestId: string });
    expect(once).toMatchObject({ moved: 2, customerId: customer.id });
    expect(again).toEqual({ ...once, moved: 0 });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const other = await attach({ ...json, addContactPoint: false }, headers)();
    expect(other.status).toBe(422);
    expect((await problem(other)).code).toBe('idempotency.key_reused');
    expect((await pendingRequests(customer.id)).map((r) => r.id)).toEqual([once!.changeRequestId]);
  });

  it(`with a key, ${STORM} copies at once: one change request, every contact moved once`, async () => {
    const { sender, customer } = await unknownSender(3);
    const json = { kind: 'phone', value: sender, customerId: customer.id, addContactPoint: true };
    const responses = await storm(STORM, attach(json, keyed(newKey())));
    const results = await answers(responses);
    expect(results.map((r) => r.status)).toEqual(Array(STORM).fill(200));
    const bodies = results.map((r) => JSON.parse(r.body) as { moved: number; changeRequestId: string });
    const { changeRequestId } = expectOneAnswer(
      bodies.map(({ moved: _, ...rest }) => ({ status: 200, body: JSON.stringify(rest) })),
      200,
    );
    expect(replayedCount(responses)).toBe(STORM - 1);
    expect(bodies.reduce((sum, b) => sum + b.moved, 0)).toBe(3);
    expect((await pendingRequests(customer.id)).map((r) => r.id)).toEqual([changeRequestId]);
  });
});

it('leaves the data intact', async () => {
  await expectDataIntact(t.deps.store);
});
