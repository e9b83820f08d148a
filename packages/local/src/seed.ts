import { ConflictError, type Caller, type CustomerCreateInput, type Team } from '@cc/core';
import type { Services } from '@cc/services';
import { systemRepository, teamRepository, transact, TransactionRefused, userRepository, type User } from '@cc/store';

export const demoBranch = { id: 'BR-001', name: 'Shanghai Pudong Branch', timeZone: 'Asia/Shanghai' };
/** A second branch, so that what one branch may not see of another can be tried. */
export const otherBranch = { id: 'BR-002', name: 'Beijing Chaoyang Branch', timeZone: 'Asia/Shanghai' };

export const demoUsers: User[] = (
  [
    {
      id: 'agent-1',
      name: 'Li Na (call center)',
      role: 'agent',
      branchId: 'BR-001',
      email: 'agent-1@bank.example',
      notifyVia: 'inbox',
    },
    {
      id: 'mgr-1',
      name: 'Wang Wei',
      role: 'manager',
      branchId: 'BR-001',
      email: 'mgr-1@bank.example',
      phone: '+8613900000001',
      notifyVia: 'email',
      teamId: 'TEAM-1',
      supervisorId: 'sup-1',
    },
    {
      id: 'mgr-2',
      name: 'Zhang Min',
      role: 'manager',
      branchId: 'BR-001',
      email: 'mgr-2@bank.example',
      phone: '+8613900000002',
      notifyVia: 'sms',
      teamId: 'TEAM-1',
      supervisorId: 'sup-1',
    },
    {
      id: 'pm-1',
      name: 'Chen Jie (wealth products)',
      role: 'manager',
      branchId: 'BR-001',
      email: 'pm-1@bank.example',
      notifyVia: 'email',
      supervisorId: 'sup-1',
    },
    {
      id: 'sup-1',
      name: 'Liu Yang',
      role: 'supervisor',
      branchId: 'BR-001',
      email: 'sup-1@bank.example',
      notifyVia: 'email',
    },
    {
      id: 'admin-1',
      name: 'System Administrator',
      role: 'admin',
      branchId: 'BR-001',
      email: 'admin-1@bank.example',
      notifyVia: 'inbox',
    },
    {
      id: 'agent-2',
      name: 'Ma Jun (call center)',
      role: 'agent',
      branchId: 'BR-002',
      email: 'agent-2@bank.example',
      notifyVia: 'inbox',
    },
    {
      id: 'mgr-3',
      name: 'Gao Yan',
      role: 'manager',
      branchId: 'BR-002',
      email: 'mgr-3@bank.example',
      notifyVia: 'email',
      supervisorId: 'sup-2',
    },
    {
      id: 'sup-2',
      name: 'He Ping',
      role: 'supervisor',
      branchId: 'BR-002',
      email: 'sup-2@bank.example',
      notifyVia: 'email',
    },
    {
      id: 'admin-2',
      name: 'Branch Administrator (Beijing)',
      role: 'admin',
      branchId: 'BR-002',
      email: 'admin-2@bank.example',
      notifyVia: 'inbox',
    },
  ] satisfies User[]
).map((u) => ({ ...u, active: true }));

const contact = (kind: 'phone' | 'email', value: string) => ({ kind, value, verified: true, preferred: true });

export const demoCustomers = [
  {
    customerNumber: 'DEMO-0001',
    name: 'Zhao Lei',
    type: 'individual',
    level: 'vip',
    primaryManagerId: 'mgr-1',
    contactPoints: [contact('phone', '+8613800000001'), contact('email', 'demo1@example.com')],
    preferredChannel: 'sms',
    figures: { aum: 1_500_000, creditRating: 'AA', points: 12000 },
  },
  {
    customerNumber: 'DEMO-0002',
    name: 'Demo Trading Co., Ltd.',
    type: 'corporate',
    level: 'gold',
    primaryManagerId: 'mgr-2',
    contactPoints: [contact('phone', '+8613800000002'), contact('email', 'ops@demo2.example.com')],
    preferredChannel: 'email',
    figures: { aum: 800_000, creditRating: 'A' },
  },
  {
    customerNumber: 'DEMO-0003',
    name: 'Sun Mei',
    type: 'individual',
    level: 'standard',
    contactPoints: [contact('phone', '+8613800000003')],
    preferredChannel: 'voice',
    figures: { aum: 20_000 },
  },
  {
    customerNumber: 'DEMO-0004',
    name: 'Qian Hao',
    type: 'individual',
    level: 'private',
    primaryManagerId: 'mgr-1',
    assistingManagerIds: ['mgr-2'],
    contactPoints: [contact('phone', '+8613800000004'), contact('email', 'qian.hao@example.com')],
    figures: { aum: 8_000_000, creditRating: 'AAA' },
  },
  {
    customerNumber: 'DEMO-0005',
    name: 'Zhou Fang',
    type: 'individual',
    level: 'gold',
    primaryManagerId: 'mgr-2',
    contactPoints: [contact('email', 'zhou.fang@example.com')],
    figures: { aum: 300_000 },
  },
] as const;

/** BR-002's customers: created by BR-002's admin (admins act in their own branch only). */
export const otherBranchCustomers = [
  {
    customerNumber: 'DEMO-0101',
    name: 'Feng Lin',
    type: 'individual',
    level: 'vip',
    primaryManagerId: 'mgr-3',
    contactPoints: [contact('phone', '+8613800000101'), contact('email', 'feng.lin@example.com')],
    figures: { aum: 2_500_000, creditRating: 'AA' },
  },
  {
    customerNumber: 'DEMO-0102',
    name: 'Beijing Demo Logistics Co., Ltd.',
    type: 'corporate',
    level: 'gold',
    primaryManagerId: 'mgr-3',
    contactPoints: [contact('phone', '+8613800000102'), contact('email', 'ops@demo102.example.com')],
    figures: { aum: 900_000 },
  },
  {
    customerNumber: 'DEMO-0103',
    name: 'Tang Yu',
    type: 'individual',
    level: 'standard',
    contactPoints: [contact('phone', '+8613800000103')],
    figures: { aum: 15_000 },
  },
] as const;

const seedCallers: Record<string, Caller> = {
  [demoBranch.id]: { userId: 'admin-1', role: 'admin', branchId: demoBranch.id },
  [otherBranch.id]: { userId: 'admin-2', role: 'admin', branchId: otherBranch.id },
};

/** The "1+N" team the seeded managers are on. */
export const demoTeam = {
  id: 'TEAM-1',
  name: 'Pudong relationship team',
  branchId: demoBranch.id,
  leaderId: 'mgr-1',
  memberIds: ['mgr-2'],
  createdBy: 'admin-1',
  version: 1,
};

/**
 * Writes the demo data once: a marker written after it makes later starts skip it. Every step may be repeated,
 * so a start interrupted while seeding (or a write that timed out but landed) finishes the job next time.
 */
export async function seedDemoData(services: Pick<Services, 'customers' | 'context'>): Promise<boolean> {
  const { store, clock } = services.context;
  const system = systemRepository(store);
  if (await system.isMarked('demo')) return false;
  const users = userRepository(store);
  await Promise.all([system.putBranch(demoBranch), system.putBranch(otherBranch)]);
  await Promise.all(demoUsers.map((u) => users.put(u)));
  const team: Team = { ...demoTeam, createdAt: clock().toISOString() };
  await transact(store, teamRepository(store).createItems(team)).catch((error: unknown) => {
    // Created by an earlier, interrupted run.
    if (!(error instanceof TransactionRefused)) throw error;
  });
  const branches = [
    [demoBranch.id, demoCustomers],
    [otherBranch.id, otherBranchCustomers],
  ] as const;
  for (const [branchId, customers] of branches) {
    for (const customer of customers) {
      const input = structuredClone({ ...customer, tags: ['demo'], contactPoints: [...customer.contactPoints] });
      await services.customers.create(seedCallers[branchId]!, input as CustomerCreateInput).catch((error: unknown) => {
        // Created by an earlier, interrupted run.
        if (!(error instanceof ConflictError && error.code === 'customer.number_taken')) throw error;
      });
    }
  }
  await system.mark('demo', clock());
  return true;
}
