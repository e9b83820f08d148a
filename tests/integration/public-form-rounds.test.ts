import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { caseRepository } from '@cc/store';
import { keys } from '@cc/store/keys';
import { createTestContext, type TestContext } from '../support/harness';
import { createCustomer } from './intake-support';

// Issue 17: the public form routes a known sender's case from the identity item's copy of the customer's routing
// fields, so it never reads the profile; every change of the profile rewrites the copies in its own transaction.
let t: TestContext;
let supervisor: string;
let ipCounter = 0;
beforeAll(async () => {
  t = await createTestContext();
  supervisor = await t.token('sup-1', 'supervisor', 'BR-001');
});

const identity = async (kind: 'phone' | 'email' | 'number', value: string) =>
  (
    await t.deps.store.doc.send(
      new GetCommand({ TableName: t.tableName, Key: keys.customerIdentity(kind, value), ConsistentRead: true }),
    )
  ).Item as { customerId: string; routing?: Record<string, unknown> } | undefined;

const submit = (phone: string) =>
  t.request('POST', '/public/complaints', {
    json: {
      kind: 'complaint',
      name: 'Li Wei',
      phone,
      category: 'card',
      subject: 'Card blocked abroad',
      description: 'My card was blocked while travelling and nobody called me.',
    },
    headers: { 'x-forwarded-for': `198.51.100.${++ipCounter}` },
  });

/** The DynamoDB commands sent while `work` runs, as `<Command> <first key's pk>`. */
async function commandsDuring(work: () => Promise<unknown>): Promise<string[]> {
  const doc = t.deps.store.doc;
  const send = doc.send.bind(doc) as (...args: unknown[]) => Promise<unknown>;
  const seen: string[] = [];
  doc.send = ((command: { constructor: { name: string }; input?: { Key?: { pk?: string } } }, ...rest: unknown[]) => {
    seen.push(`${command.constructor.name} ${command.input?.Key?.pk ?? ''}`.trim());
    return send(command, ...rest);
  }) as typeof doc.send;
  try {
    await work();
  } finally {
    doc.send = send as typeof doc.send;
  }
  return seen;
}

/** The case behind a receipt's public reference, as staff read it. */
async function caseBehind(receipt: Response) {
  const { reference } = (await receipt.json()) as { reference: string };
  const id = await caseRepository(t.deps.store).idByPublicReference(reference);
  return t.request('GET', `/cases/${id}`, { token: supervisor });
}

const edit = async (id: string, json: Record<string, unknown>) => {
  const current = await t.request('GET', `/customers/${id}`, { token: supervisor });
  const res = await t.request('PATCH', `/customers/${id}`, {
    token: supervisor,
    json,
    headers: { 'if-match': current.headers.get('etag')! },
  });
  expect(res.status, await res.clone().text()).toBe(200);
};

describe('the public form in two rounds', () => {
  it('routes a known sender from the identity: no profile read, the case goes to the manager', async () => {
    const customer = await createCustomer(t, {
      primaryManagerId: 'mgr-1',
      contactPoints: [{ kind: 'phone', value: '+8613800007001' }],
    });
    expect((await identity('phone', '+8613800007001'))?.routing).toMatchObject({
      id: customer.id,
      branchId: 'BR-001',
      primaryManagerId: 'mgr-1',
    });
    let res: Response | undefined;
    const commands = await commandsDuring(async () => (res = await submit('+86 138 0000 7001')));
    expect(res!.status).toBe(201);
    expect(commands.filter((c) => c.startsWith('GetCommand') && c.includes('CUST#'))).toEqual([]);
    expect(commands.filter((c) => c.startsWith('QueryCommand'))).toEqual([]);
    // The limit, the identity and the case-number counter (read, so a limited client writes nothing), then the
    // case's one transaction: nothing else.
    expect(commands.map((c) => c.replace(/#.*/, '#')).sort()).toEqual(
      ['GetCommand COUNTER#', 'GetCommand IDENT#', 'TransactWriteCommand', 'UpdateCommand RATE#'].sort(),
    );
    const created = await caseBehind(res!);
    expect(await created.json()).toMatchObject({ customerId: customer.id, ownerId: 'mgr-1', branchId: 'BR-001' });
  });

  it('keeps the copies in step: a new primary manager and name reach every identity of the customer', async () => {
    const customer = await createCustomer(t, {
      primaryManagerId: 'mgr-1',
      contactPoints: [
        { kind: 'phone', value: '+8613800007002' },
        { kind: 'email', value: 'routing-copy@example.com' },
      ],
    });
    await edit(customer.id, { name: 'Renamed Customer' });
    for (const [kind, value] of [
      ['phone', '+8613800007002'],
      ['email', 'routing-copy@example.com'],
    ] as const)
      expect((await identity(kind, value))?.routing, kind).toMatchObject({ name: 'Renamed Customer' });
  });

  it('a merge hands the survivor routing to every identity it re-points, and refreshes the survivor own', async () => {
    const survivor = await createCustomer(t, {
      primaryManagerId: 'mgr-1',
      contactPoints: [{ kind: 'phone', value: '+8613800007003' }],
    });
    const duplicate = await createCustomer(t, { contactPoints: [{ kind: 'phone', value: '+8613800007004' }] });
    const merged = await t.request('POST', `/customers/${survivor.id}/merge`, {
      token: supervisor,
      json: { mergedId: duplicate.id, reason: 'same national id' },
    });
    expect(merged.status, await merged.clone().text()).toBe(200);
    const moved = await identity('phone', '+8613800007004');
    expect(moved).toMatchObject({ customerId: survivor.id, routing: { id: survivor.id, primaryManagerId: 'mgr-1' } });
    const own = await identity('phone', '+8613800007003');
    expect((own?.routing?.contactPoints as { value: string }[]).map((p) => p.value).sort()).toEqual([
      '+8613800007003',
      '+8613800007004',
    ]);
    // A complaint from the merged record's phone is the survivor's case.
    const res = await submit('+86 138 0000 7004');
    const created = await caseBehind(res);
    expect(await created.json()).toMatchObject({ customerId: survivor.id, ownerId: 'mgr-1' });
  });
});
