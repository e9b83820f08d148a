import { expect } from 'vitest';
import { newId, type Role, type TimelineEntry } from '@cc/core';
import { userRepository, type User } from '@cc/store';
import type { TestContext } from '../support/harness';

export interface Problem {
  status: number;
  code: string;
  errors?: { path: string; message: string }[];
  detail?: string;
}

export async function problem(res: Response): Promise<Problem> {
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  return (await res.json()) as Problem;
}

export const staff: User[] = [
  { id: 'agent-1', name: 'Agent', role: 'agent', branchId: 'BR-001', notifyVia: 'inbox' },
  { id: 'mgr-1', name: 'Wang Wei', role: 'manager', branchId: 'BR-001', notifyVia: 'inbox' },
  { id: 'mgr-2', name: 'Zhang Min', role: 'manager', branchId: 'BR-001', notifyVia: 'inbox' },
  { id: 'mgr-3', name: 'Chen Jie', role: 'manager', branchId: 'BR-001', notifyVia: 'inbox' },
  { id: 'sup-1', name: 'Liu Yang', role: 'supervisor', branchId: 'BR-001', notifyVia: 'inbox' },
  { id: 'sup-2', name: 'Ma Lin', role: 'supervisor', branchId: 'BR-002', notifyVia: 'inbox' },
  { id: 'mgr-9', name: 'Other branch manager', role: 'manager', branchId: 'BR-002', notifyVia: 'inbox' },
];

export type Tokens = Record<'agent' | 'mgr1' | 'mgr2' | 'mgr3' | 'sup1' | 'sup2' | 'admin', string>;

/** Puts the staff users and signs a token for each. */
export async function staffTokens(t: TestContext): Promise<Tokens> {
  const users = userRepository(t.deps.store);
  await Promise.all(staff.map((u) => users.put(u)));
  const sign = (id: string, role: Role, branch = 'BR-001') => t.token(id, role, branch);
  const [agent, mgr1, mgr2, mgr3, sup1, sup2, admin] = await Promise.all([
    sign('agent-1', 'agent'),
    sign('mgr-1', 'manager'),
    sign('mgr-2', 'manager'),
    sign('mgr-3', 'manager'),
    sign('sup-1', 'supervisor'),
    sign('sup-2', 'supervisor', 'BR-002'),
    sign('admin-1', 'admin'),
  ]);
  return { agent, mgr1, mgr2, mgr3, sup1, sup2, admin };
}

let serial = 0;
/** A unique customer number and phone for each customer a test makes. */
export function uniqueContact() {
  serial += 1;
  const n = `${Date.now() % 100000}${serial}`.padStart(8, '0').slice(-8);
  return { number: `T-${n}`, phone: `+86139${n}` };
}

export interface CreatedCustomer {
  id: string;
  customerNumber: string;
  version: number;
  etag: string;
  body: Record<string, unknown>;
}

/** Creates a customer as an admin (who may set level, managers and figures). */
export async function createCustomer(
  t: TestContext,
  token: string,
  overrides: Record<string, unknown> = {},
): Promise<CreatedCustomer> {
  const { number, phone } = uniqueContact();
  const res = await t.request('POST', '/customers', {
    token,
    json: {
      customerNumber: number,
      name: 'Test Customer',
      type: 'individual',
      contactPoints: [{ kind: 'phone', value: phone, preferred: true }],
      ...overrides,
    },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  expect(res.headers.get('etag')).toMatch(/^"\d+"$/);
  const body = (await res.json()) as Record<string, unknown> & { id: string; customerNumber: string; version: number };
  return {
    id: body.id,
    customerNumber: body.customerNumber,
    version: body.version,
    etag: res.headers.get('etag')!,
    body,
  };
}

/** Counts the DynamoDB requests the app sends through the shared document client until `stop()`. */
export function countDynamoRequests(t: TestContext) {
  const doc = t.deps.store.doc;
  const original = doc.send;
  const commands: string[] = [];
  doc.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
    commands.push(command.constructor.name);
    return (original as (...args: unknown[]) => unknown).call(doc, command, ...rest);
  }) as typeof doc.send;
  return {
    commands,
    stop: () => {
      doc.send = original;
    },
  };
}

/** An inbound call on the customer's contact history. */
export const contactEntry = (customerId: string, occurredAt: string, summary: string): TimelineEntry => ({
  id: newId(Date.parse(occurredAt)),
  customerId,
  type: 'contact',
  channel: 'voice',
  direction: 'inbound',
  occurredAt,
  actor: { kind: 'user', id: 'agent-1' },
  summary,
  links: {},
});
