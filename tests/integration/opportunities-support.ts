import { expect } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { newId, type Case, type Customer, type Opportunity, type Role } from '@cc/core';
import {
  customerRepository,
  inboxRepository,
  newCaseItem,
  openCaseItems,
  transact,
  userRepository,
  type User,
} from '@cc/store';
import { keys } from '@cc/store/keys';
import type { TestContext } from '../support/harness';

export const BRANCH = 'BR-001';

/**
 * The people of these tests: two managers on team T-1 reporting to sup-1, a product manager,
 * a manager of another team, a supervisor and an agent.
 */
export const people: User[] = [
  {
    id: 'mgr-1',
    name: 'Li Wei',
    role: 'manager',
    branchId: BRANCH,
    notifyVia: 'inbox',
    teamId: 'T-1',
    supervisorId: 'sup-1',
  },
  {
    id: 'mgr-2',
    name: 'Wang Fang',
    role: 'manager',
    branchId: BRANCH,
    notifyVia: 'inbox',
    teamId: 'T-1',
    supervisorId: 'sup-1',
  },
  {
    id: 'mgr-3',
    name: 'Zhao Lei',
    role: 'manager',
    branchId: BRANCH,
    notifyVia: 'inbox',
    teamId: 'T-2',
    supervisorId: 'sup-1',
  },
  { id: 'pm-1', name: 'Chen Jie', role: 'manager', branchId: BRANCH, notifyVia: 'inbox' },
  { id: 'pm-2', name: 'Sun Min', role: 'manager', branchId: BRANCH, notifyVia: 'inbox' },
  { id: 'sup-1', name: 'Zhou Qiang', role: 'supervisor', branchId: BRANCH, notifyVia: 'inbox', teamId: 'T-1' },
  { id: 'agent-1', name: 'Wu Hao', role: 'agent', branchId: BRANCH, notifyVia: 'inbox' },
];

export async function seedPeople(t: TestContext) {
  const users = userRepository(t.deps.store);
  await Promise.all(people.map((p) => users.put(p)));
}

export const tokenOf = (t: TestContext, userId: string) => {
  const person = people.find((p) => p.id === userId)!;
  return t.token(userId, person.role as Role, person.branchId);
};

export async function seedCustomer(t: TestContext, overrides: Partial<Customer> = {}): Promise<Customer> {
  const now = new Date().toISOString();
  const id = newId();
  const customer: Customer = {
    id,
    customerNumber: `N-${id.slice(-8)}`,
    name: 'Huang Mei',
    type: 'individual',
    level: 'vip',
    branchId: BRANCH,
    contactPoints: [],
    preferences: { optOut: { sms: false, email: false, voice: false } },
    tags: [],
    figures: {},
    status: 'active',
    primaryManagerId: 'mgr-1',
    assistingManagerIds: ['mgr-2'],
    version: 1,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
  await customerRepository(t.deps.store).create(customer);
  return customer;
}

/** Until the cases service lands: a case written the way the case store writes it (item, open mirror, counter). */
export async function seedCase(
  t: TestContext,
  customer: Customer | null,
  overrides: Partial<Case> = {},
): Promise<Case> {
  const now = new Date().toISOString();
  const c: Case = {
    id: `C-2026-${newId().slice(-6)}`,
    type: 'inquiry',
    subject: 'product',
    productCode: 'WM-GOLD-90',
    category: 'wealth',
    priority: 'normal',
    title: 'Asks about the 90-day wealth product',
    description: 'Customer called asking about returns of WM-GOLD-90.',
    status: 'new',
    origin: 'voice',
    createdBy: { kind: 'user', id: 'agent-1' },
    customerId: customer?.id ?? null,
    ...(customer && { customerNumber: customer.customerNumber, customerName: customer.name }),
    branchId: BRANCH,
    ownerId: customer?.primaryManagerId ?? null,
    primaryManagerId: customer?.primaryManagerId ?? null,
    assistingManagerIds: customer?.assistingManagerIds ?? [],
    submitterContact: { phone: '+8613800138000' },
    escalated: false,
    deleted: false,
    version: 1,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
  await transact(t.deps.store, [newCaseItem(t.deps.store, c), ...openCaseItems(t.deps.store, undefined, c)]);
  return c;
}

export async function problem(res: Response) {
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  return (await res.json()) as {
    status: number;
    code: string;
    errors?: { path: string; message: string }[];
    detail?: string;
    allowed?: string[];
    opportunityId?: string;
  };
}

export const terms = (overrides: Record<string, unknown> = {}) => ({
  productCode: 'WM-GOLD-90',
  expectedAmount: 500000,
  currency: 'CNY',
  expectedCloseDate: '2026-09-30',
  ...overrides,
});

/** The user's inbox items about one opportunity and of one kind. */
export async function inboxFor(t: TestContext, userId: string, opportunityId: string, kind?: string) {
  const { items } = await inboxRepository(t.deps.store).list(userId, undefined, 100);
  return items.filter((i) => i.opportunityId === opportunityId && (!kind || i.kind === kind));
}

/** Items of the customer partition whose sort key starts with `prefix`. */
export async function customerItems(t: TestContext, customerId: string, prefix: string) {
  const { Items } = await t.deps.store.doc.send(
    new QueryCommand({
      TableName: t.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': keys.customerPartition(customerId), ':p': prefix },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

export async function openedAs(
  t: TestContext,
  userId: string,
  body: Record<string, unknown>,
  path = '/opportunities',
): Promise<Opportunity> {
  const res = await t.request('POST', path, { token: await tokenOf(t, userId), json: body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Opportunity;
}
