import { beforeAll, describe, expect, it } from 'vitest';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Case, Caller } from '@cc/core';
import { inboxRepository, userRepository } from '@cc/store';
import { checkData, type DataCheck } from '@cc/store/check-data';
import { keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';

/**
 * `npm run check-data` finds each kind of damage the invariants describe (made here by writing to the table
 * behind the services' back), repairs what can be derived, and reports what cannot.
 */
let t: TestContext;
const admin: Caller = { userId: 'admin-1', role: 'admin', branchId: 'BR-001' };
const agent: Caller = { userId: 'agent-1', role: 'agent', branchId: 'BR-001' };
const grace = 10 * 60_000;

const violationsOf = (check: DataCheck) =>
  Object.fromEntries(check.reports.filter((r) => r.violations.length).map((r) => [r.name, r.violations.length]));
const send = (command: PutCommand | UpdateCommand | DeleteCommand) => t.deps.store.doc.send(command as never);

let customerId: string;
let openCase: Case;
let closedCase: Case;
let phone: string;
let opportunityId: string;
/** An outbound-contact log line naming a message that was never written. */
const strayLogLine = { id: 'never-sent', at: new Date().toISOString() };

beforeAll(async () => {
  t = await createTestContext();
  await userRepository(t.deps.store).put({
    id: 'mgr-1',
    name: 'Wang Wei',
    role: 'manager',
    branchId: 'BR-001',
    notifyVia: 'inbox',
  });
  phone = `+8613${String(Date.now()).slice(-9)}`;
  const customer = await t.services.customers.create(admin, {
    customerNumber: `CHK-${Date.now()}`,
    name: 'Check Customer',
    type: 'individual',
    level: 'vip',
    primaryManagerId: 'mgr-1',
    contactPoints: [{ kind: 'phone', value: phone, verified: false, preferred: true }],
    tags: [],
  });
  customerId = customer.id;
  const complaint = { type: 'complaint', category: 'fees', title: 'Fee', description: 'Charged twice', customerId };
  openCase = await t.services.cases.create({ caller: agent }, complaint as never);
  closedCase = await t.services.cases.create({ caller: agent }, complaint as never);
  const mgr: Caller = { userId: 'mgr-1', role: 'manager', branchId: 'BR-001' };
  closedCase = await t.services.cases.update(mgr, closedCase.id, { status: 'closed', note: 'duplicate' });
  const opened = await t.services.opportunities.create(mgr, {
    customerId,
    productCode: 'WM-1',
    expectedAmount: 100,
    currency: 'CNY',
    expectedCloseDate: '2026-12-31',
  } as never);
  opportunityId = opened.response.body.id;
});

describe('npm run check-data', () => {
  it('finds nothing wrong with data the services wrote', async () => {
    const check = await checkData(t.deps.store, { graceMs: grace });
    expect(violationsOf(check)).toEqual({});
    expect(check.ok).toBe(true);
    expect(check.reports.map((r) => r.name)).toEqual([
      'open-case-mirrors',
      'open-case-counters',
      'notification-inbox',
      'pending-notifications',
      'customer-messages',
      'idempotency-records',
      'identities',
      'public-references',
      'opportunity-branch-copies',
      'case-sequences',
      'due-follow-ups',
    ]);
    expect(check.reports.find((r) => r.name === 'open-case-mirrors')!.checked).toBeGreaterThan(0);
    // The acknowledgements of both cases and the outcome of the closed one: each on its case, timeline and log.
    expect(check.reports.find((r) => r.name === 'customer-messages')!.checked).toBe(3 * 4);
  });

  it('finds damage to every invariant, repairs what is derivable in transactions, and reports the rest', async () => {
    const [notice] = (await inboxRepository(t.deps.store).list('mgr-1', undefined, 10)).items;
    const year = new Date().getUTCFullYear();
    const { Items: logged = [] } = await t.deps.store.doc.send(
      new QueryCommand({
        TableName: t.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.contactLogPartition(customerId) },
      }),
    );
    expect(logged.length).toBe(3);
    await Promise.all([
      // A message the frequency cap no longer counts, and a log line of a message never written.
      send(new DeleteCommand({ TableName: t.tableName, Key: { pk: logged[0]!.pk, sk: logged[0]!.sk } })),
      send(
        new PutCommand({
          TableName: t.tableName,
          Item: {
            ...logged[1]!,
            ...keys.outboundContact(customerId, strayLogLine.at, strayLogLine.id),
            ...strayLogLine,
          },
        }),
      ),
      send(new DeleteCommand({ TableName: t.tableName, Key: keys.openCaseMirror(customerId, openCase.id) })),
      send(
        new PutCommand({
          TableName: t.tableName,
          Item: { ...keys.openCaseMirror(customerId, closedCase.id), entity: 'open-case', id: closedCase.id },
        }),
      ),
      send(
        new UpdateCommand({
          TableName: t.tableName,
          Key: keys.customerStats(customerId),
          UpdateExpression: 'SET openCases = :wrong',
          ExpressionAttributeValues: { ':wrong': 7 },
        }),
      ),
      send(new DeleteCommand({ TableName: t.tableName, Key: keys.inboxItem('mgr-1', 'U', notice!.id) })),
      send(new DeleteCommand({ TableName: t.tableName, Key: keys.customerIdentity('phone', phone) })),
      send(new DeleteCommand({ TableName: t.tableName, Key: keys.publicReference(openCase.publicReference!) })),
      send(
        new PutCommand({
          TableName: t.tableName,
          Item: { ...keys.customerIdentity('email', 'nobody@example.com'), entity: 'identity', customerId },
        }),
      ),
      send(
        new UpdateCommand({
          TableName: t.tableName,
          Key: keys.opportunityBranchView(opportunityId),
          UpdateExpression: 'SET title = :stale',
          ExpressionAttributeValues: { ':stale': 'an older title' },
        }),
      ),
      send(
        new UpdateCommand({
          TableName: t.tableName,
          Key: keys.counter(`case-${year}`),
          UpdateExpression: 'SET seq = :behind',
          ExpressionAttributeValues: { ':behind': 0 },
        }),
      ),
      send(
        new PutCommand({
          TableName: t.tableName,
          Item: {
            ...keys.idempotency('agent-1:cases', 'lost-1'),
            entity: 'idempotency',
            fingerprint: 'x',
            response: { status: 201, body: { id: `C-${year}-999999` } },
            expiresAt: Math.floor(Date.now() / 1000) + 3600,
          },
        }),
      ),
      send(
        new PutCommand({
          TableName: t.tableName,
          Item: {
            ...keys.idempotency('agent-1:notes', 'lost-2'),
            entity: 'idempotency',
            fingerprint: 'x',
            response: { status: 201, body: { id: 'no-such-note', caseId: openCase.id } },
            expiresAt: Math.floor(Date.now() / 1000) + 3600,
          },
        }),
      ),
      send(
        new PutCommand({
          TableName: t.tableName,
          Item: {
            ...keys.idempotency('sup-1:merges', 'lost-3'),
            entity: 'idempotency',
            fingerprint: 'x',
            response: { status: 200, body: { survivor: { id: customerId }, merged: { id: 'no-such-customer' } } },
            expiresAt: Math.floor(Date.now() / 1000) + 3600,
          },
        }),
      ),
    ]);

    const found = await checkData(t.deps.store, { graceMs: grace });
    expect(found.ok).toBe(false);
    expect(violationsOf(found)).toEqual({
      'open-case-mirrors': 2,
      'open-case-counters': 1,
      'notification-inbox': 1,
      'customer-messages': 2,
      'idempotency-records': 3,
      identities: 2,
      'public-references': 1,
      'opportunity-branch-copies': 1,
      'case-sequences': 1,
    });

    const repaired = await checkData(t.deps.store, { graceMs: grace, repair: true });
    expect(Object.fromEntries(repaired.reports.filter((r) => r.repaired).map((r) => [r.name, r.repaired]))).toEqual({
      'open-case-mirrors': 2,
      'open-case-counters': 1,
      'notification-inbox': 1,
      'customer-messages': 1,
      identities: 2,
      'public-references': 1,
      'opportunity-branch-copies': 1,
      'case-sequences': 1,
    });
    // Answers naming a case, a note and a merge that never existed, a log line of a message that never was:
    // for a person.
    expect(violationsOf(repaired)).toEqual({ 'idempotency-records': 3, 'customer-messages': 1 });
    const unanswered = repaired.reports.find((r) => r.name === 'idempotency-records')!.violations;
    expect(unanswered.map((v) => v.detail).sort()).toEqual([
      expect.stringContaining(`C-${year}-999999`),
      expect.stringContaining('note no-such-note'),
      expect.stringContaining(`customer no-such-customer merged into ${customerId}`),
    ]);
    const identity = await t.deps.store.doc.send(
      new GetCommand({ TableName: t.tableName, Key: keys.customerIdentity('phone', phone), ConsistentRead: true }),
    );
    expect(identity.Item?.customerId).toBe(customerId);
    const relogged = await t.deps.store.doc.send(
      new GetCommand({ TableName: t.tableName, Key: { pk: logged[0]!.pk, sk: logged[0]!.sk }, ConsistentRead: true }),
    );
    const { id, channel, purpose, capExempt, caseId } = logged[0]!;
    expect(relogged.Item).toMatchObject({ id, channel, purpose, capExempt, caseId });
  });

  it('reports work left pending past the sweep grace', async () => {
    await send(new DeleteCommand({ TableName: t.tableName, Key: keys.idempotency('agent-1:cases', 'lost-1') }));
    await send(new DeleteCommand({ TableName: t.tableName, Key: keys.idempotency('agent-1:notes', 'lost-2') }));
    await send(new DeleteCommand({ TableName: t.tableName, Key: keys.idempotency('sup-1:merges', 'lost-3') }));
    await send(
      new DeleteCommand({
        TableName: t.tableName,
        Key: keys.outboundContact(customerId, strayLogLine.at, strayLogLine.id),
      }),
    );
    const muchLater = () => new Date(Date.now() + 24 * 3_600_000);
    const check = await checkData(t.deps.store, { graceMs: grace, now: muchLater });
    // Nobody delivers in this test: every notification written is still pending a day later.
    expect(violationsOf(check)).toEqual({ 'pending-notifications': expect.any(Number) });
  });
});
