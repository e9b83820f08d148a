import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { emailSignatureHeader } from '@cc/channels';
import { newId, type Caller, type Customer, type Opportunity, type Role } from '@cc/core';
import { seedDemoData } from '@cc/local/seed';
import { signDevToken } from '@cc/local/dev-keys';
import { noticeService } from '@cc/services';
import {
  changeRequestRepository,
  customerRepository,
  newOpportunityItems,
  teamRepository,
  transact,
  userRepository,
} from '@cc/store';
import document from '../../packages/api/openapi.json';
import { createTestContext, type TestContext } from '../support/harness';

/**
 * One permission model, tried as a matrix: every operation of /openapi.json × every role × the object's relation to
 * the caller (own, another's in the caller's branch, another branch's, nonexistent). The operations come from the
 * document, so a new route fails here until its row says what each cell answers. Out-of-scope reads answer exactly
 * like nonexistent ids. The callers are the seeded users of BR-001; BR-002 (seeded too) is "another branch".
 */
const relations = ['own', 'same', 'other', 'missing'] as const;
type Relation = (typeof relations)[number];
const roleCallers: Record<Role, Caller> = {
  agent: { userId: 'agent-1', role: 'agent', branchId: 'BR-001' },
  manager: { userId: 'mgr-1', role: 'manager', branchId: 'BR-001' },
  supervisor: { userId: 'sup-1', role: 'supervisor', branchId: 'BR-001' },
  admin: { userId: 'admin-1', role: 'admin', branchId: 'BR-001' },
};
const roles = Object.keys(roleCallers) as Role[];
/** Who holds an object that is not the caller's: a manager of the caller's branch, or of the other one. */
const holderOf = (relation: Relation, caller: Caller) =>
  relation === 'own' ? caller.userId : relation === 'same' ? 'mgr-2' : 'mgr-3';
const branchOf = (relation: Relation) => (relation === 'other' ? 'BR-002' : 'BR-001');

let t: TestContext;
let serial = 0;
const unique = () => `${Date.now().toString(36)}${(++serial).toString(36)}${randomBytes(2).toString('hex')}`;
const phone = () => `+86139${String(10_000_000 + ((Date.now() + serial++ * 7919) % 89_999_999)).slice(0, 8)}`;

/** A customer in the relation's branch whose primary manager is the relation's holder (written as stored). */
async function customer(relation: Relation, caller: Caller, over: Partial<Customer> = {}): Promise<Customer> {
  const now = new Date().toISOString();
  const c: Customer = {
    id: newId(),
    customerNumber: `PM-${unique()}`,
    name: 'Matrix Customer',
    type: 'individual',
    level: 'standard',
    branchId: branchOf(relation),
    contactPoints: [{ kind: 'phone', value: phone(), verified: true, preferred: true }],
    preferences: { optOut: { sms: false, email: false, voice: false } },
    tags: [],
    figures: {},
    status: 'active',
    primaryManagerId: holderOf(relation, caller),
    assistingManagerIds: [],
    version: 1,
    createdAt: now,
    updatedAt: now,
    ...over,
  };
  if (relation !== 'missing') await customerRepository(t.deps.store).create(c);
  return c;
}

/** A case of such a customer, as the web form opens it (owned by the customer's primary manager). */
async function caseOf(relation: Relation, caller: Caller, inquiry = false) {
  if (relation === 'missing') return { id: `C-1999-${String(++serial).padStart(6, '0')}`, version: 1 };
  const owner = await customer(relation, caller);
  return t.services.cases.create(
    { channel: 'web' },
    {
      type: inquiry ? 'inquiry' : 'complaint',
      ...(inquiry && { subject: 'product', productCode: 'WM-1' }),
      description: 'A matrix case',
      customerId: owner.id,
    },
  );
}

async function deletedCase(relation: Relation, caller: Caller) {
  const c = await caseOf(relation, caller);
  if (relation === 'missing') return c;
  const supervisor: Caller = { userId: 'matrix-sup', role: 'supervisor', branchId: branchOf(relation) };
  await t.services.cases.remove(supervisor, c.id, 'made for the matrix');
  return c;
}

async function opportunity(relation: Relation, caller: Caller): Promise<Opportunity> {
  const now = new Date().toISOString();
  const owner = await customer(relation, caller);
  const opp: Opportunity = {
    id: newId(),
    title: 'Matrix opportunity',
    customerId: owner.id,
    customerNumber: owner.customerNumber,
    customerName: owner.name,
    branchId: branchOf(relation),
    productCode: 'WM-1',
    expectedAmount: 1000,
    currency: 'CNY',
    expectedCloseDate: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
    stage: 'new',
    ownerId: holderOf(relation, caller),
    collaboratorIds: [],
    source: { kind: 'direct' },
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  if (relation !== 'missing') await transact(t.deps.store, newOpportunityItems(t.deps.store, opp));
  return opp;
}

/** A pending level change of such a customer, asked for by the relation's holder. */
async function changeRequest(relation: Relation, caller: Caller) {
  const subject = await customer(relation, caller);
  const request = {
    id: newId(),
    customerId: subject.id,
    customerNumber: subject.customerNumber,
    customerName: subject.name,
    branchId: subject.branchId,
    change: { kind: 'level' as const, level: 'gold' },
    reason: 'matrix',
    status: 'pending' as const,
    requestedBy: holderOf(relation, caller),
    requestedAt: new Date().toISOString(),
  };
  if (relation !== 'missing') await transact(t.deps.store, [changeRequestRepository(t.deps.store).createItem(request)]);
  return request;
}

/** Teams have no owner: "own" and "same" are teams of the caller's branch, led by a manager made for them. */
async function team(relation: Relation) {
  const leaderId = `lead-${unique()}`;
  const branchId = branchOf(relation);
  const team = {
    id: newId(),
    name: 'Matrix team',
    branchId,
    leaderId,
    memberIds: [],
    createdBy: 'matrix',
    version: 1,
    createdAt: new Date().toISOString(),
  };
  if (relation === 'missing') return team;
  await userRepository(t.deps.store).put({
    id: leaderId,
    name: leaderId,
    role: 'manager',
    branchId,
    notifyVia: 'inbox',
  });
  await transact(t.deps.store, teamRepository(t.deps.store).createItems(team));
  return team;
}

async function notification(relation: Relation, caller: Caller) {
  const notices = noticeService({ ...t.deps, newId });
  const { notifications, items } = notices.draft(
    [{ recipientId: holderOf(relation, caller), kind: 'case_created', title: 'Matrix', excerpt: 'matrix' }],
    new Date(),
  );
  if (relation !== 'missing') await transact(t.deps.store, items);
  return notifications[0]!;
}

interface Call {
  method?: string;
  path: string;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
  /** Public routes: no token. */
  anonymous?: boolean;
  /** Names what the cell answered when the status alone does not say it (a search that finds or hides). */
  outcome?: (status: number, body: unknown) => string;
}
type Row = Record<Role, readonly [own: string, same: string, other: string, missing: string]>;
interface Operation {
  call: (relation: Relation, caller: Caller) => Promise<Call>;
  expect: Row;
}

/** The same answer in every cell: for operations no object is the target of. */
const all = (answer: string): Row => ({
  agent: [answer, answer, answer, answer],
  manager: [answer, answer, answer, answer],
  supervisor: [answer, answer, answer, answer],
  admin: [answer, answer, answer, answer],
});
const byRole = (answers: Record<Role, string>): Row =>
  Object.fromEntries(roles.map((r) => [r, [answers[r], answers[r], answers[r], answers[r]]])) as unknown as Row;

const soon = () => new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
const terms = { expectedAmount: 1000, currency: 'CNY', expectedCloseDate: soon() };
const items = (body: unknown) => (body as { items?: { id?: string; customerId?: string }[] }).items ?? [];
const finds = (id: string) => (status: number, body: unknown) =>
  status !== 200 ? String(status) : items(body).some((i) => (i.id ?? i.customerId) === id) ? 'found' : 'hidden';

/**
 * Reports are figures, not objects: "own" is the caller's default scope (a manager's own figures, a supervisor's or
 * admin's branch), "same" names the caller's branch, "other" BR-002 and "missing" a branch nobody has. Admins read
 * any branch's figures (docs/security.md); a branch without data answers zeros.
 */
const reportBranch = (relation: Relation) =>
  ({ own: '', same: '&branchId=BR-001', other: '&branchId=BR-002', missing: '&branchId=BR-999' })[relation];
const today = () => new Date().toISOString().slice(0, 10);
const reportRange = `from=${today()}&to=${today()}`;
const reportRow: Row = {
  agent: ['403', '403', '403', '403'],
  manager: ['200', '200', '403', '403'],
  supervisor: ['200', '200', '403', '403'],
  admin: ['200', '200', '200', '200'],
};

const operations: Record<string, Operation> = {
  getHealth: { call: async () => ({ path: '/health', anonymous: true }), expect: all('200') },
  getMe: { call: async () => ({ path: '/me' }), expect: all('200') },
  createCustomer: {
    call: async (relation) => ({
      path: '/customers',
      method: 'POST',
      json: { customerNumber: `PM-${unique()}`, name: 'New', type: 'individual', branchId: branchOf(relation) },
    }),
    expect: {
      agent: ['201', '201', '403', '201'],
      manager: ['201', '201', '403', '201'],
      supervisor: ['201', '201', '403', '201'],
      admin: ['201', '201', '403', '201'],
    },
  },
  findCustomers: {
    call: async (relation, caller) => {
      const c = await customer(relation, caller);
      return { path: `/customers?number=${c.customerNumber}`, outcome: finds(c.id) };
    },
    expect: {
      agent: ['found', 'found', 'found', 'hidden'],
      manager: ['found', 'hidden', 'hidden', 'hidden'],
      supervisor: ['found', 'found', 'hidden', 'hidden'],
      admin: ['found', 'found', 'hidden', 'hidden'],
    },
  },
  getCustomer: {
    call: async (relation, caller) => ({ path: `/customers/${(await customer(relation, caller)).id}` }),
    expect: {
      agent: ['200', '200', '200', '404'],
      manager: ['200', '404', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  updateCustomer: {
    call: async (relation, caller) => ({
      path: `/customers/${(await customer(relation, caller)).id}`,
      method: 'PATCH',
      json: { name: 'Renamed' },
      headers: { 'if-match': '"1"' },
    }),
    expect: {
      agent: ['200', '404', '404', '404'],
      manager: ['200', '404', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  closeCustomer: {
    call: async (relation, caller) => ({
      path: `/customers/${(await customer(relation, caller)).id}/close`,
      method: 'POST',
      json: { reason: 'moved abroad' },
    }),
    expect: {
      agent: ['200', '404', '404', '404'],
      manager: ['200', '404', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  reopenCustomer: {
    call: async (relation, caller) => ({
      path: `/customers/${(await customer(relation, caller, { status: 'closed' })).id}/reopen`,
      method: 'POST',
      json: { reason: 'came back' },
    }),
    expect: {
      agent: ['200', '404', '404', '404'],
      manager: ['200', '404', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  listMyCustomers: { call: async () => ({ path: '/me/customers' }), expect: all('200') },
  getCustomerView: {
    call: async (relation, caller) => ({ path: `/customers/${(await customer(relation, caller)).id}/view` }),
    expect: {
      agent: ['200', '200', '200', '404'],
      manager: ['200', '404', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  listCustomerHistory: {
    call: async (relation, caller) => ({ path: `/customers/${(await customer(relation, caller)).id}/history` }),
    expect: {
      agent: ['200', '404', '404', '404'],
      manager: ['200', '404', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  mergeCustomers: {
    call: async (relation, caller) => {
      const [survivor, merged] = [await customer(relation, caller), await customer(relation, caller)];
      return {
        path: `/customers/${survivor.id}/merge`,
        method: 'POST',
        json: { mergedId: merged.id, reason: 'same person' },
      };
    },
    expect: {
      agent: ['403', '404', '404', '404'],
      manager: ['403', '404', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  createCase: {
    call: async (relation, caller) => ({
      path: '/cases',
      method: 'POST',
      json: { type: 'complaint', description: 'Card blocked', customerId: (await customer(relation, caller)).id },
    }),
    expect: {
      agent: ['201', '201', '201', '404'],
      manager: ['201', '404', '404', '404'],
      supervisor: ['201', '201', '404', '404'],
      admin: ['201', '201', '404', '404'],
    },
  },
  listCases: {
    call: async (relation, caller) => ({ path: `/cases?customerId=${(await customer(relation, caller)).id}` }),
    expect: {
      agent: ['200', '200', '200', '404'],
      manager: ['200', '404', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  getCase: {
    call: async (relation, caller) => ({ path: `/cases/${(await caseOf(relation, caller)).id}` }),
    expect: {
      agent: ['200', '200', '200', '404'],
      manager: ['200', '404', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  updateCase: {
    call: async (relation, caller) => ({
      path: `/cases/${(await caseOf(relation, caller)).id}`,
      method: 'PATCH',
      json: { priority: 'high' },
      headers: { 'if-match': '"1"' },
    }),
    expect: {
      agent: ['200', '404', '404', '404'],
      manager: ['200', '404', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  deleteCase: {
    call: async (relation, caller) => ({
      path: `/cases/${(await caseOf(relation, caller)).id}`,
      method: 'DELETE',
      json: { reason: 'opened twice' },
    }),
    expect: {
      agent: ['204', '404', '404', '404'],
      manager: ['204', '404', '404', '404'],
      supervisor: ['204', '204', '404', '404'],
      admin: ['204', '204', '404', '404'],
    },
  },
  listCaseHistory: {
    call: async (relation, caller) => ({ path: `/cases/${(await caseOf(relation, caller)).id}/history` }),
    expect: {
      agent: ['200', '200', '200', '404'],
      manager: ['200', '404', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  assignCase: {
    call: async (relation, caller) => ({
      path: `/cases/${(await caseOf(relation, caller)).id}/assign`,
      method: 'POST',
      json: { ownerId: 'pm-1', reason: 'product question' },
    }),
    expect: {
      agent: ['403', '403', '403', '404'],
      manager: ['200', '404', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  restoreCase: {
    call: async (relation, caller) => ({
      path: `/cases/${(await deletedCase(relation, caller)).id}/restore`,
      method: 'POST',
    }),
    expect: {
      agent: ['404', '404', '404', '404'],
      manager: ['404', '404', '404', '404'],
      supervisor: ['404', '404', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  addCaseNote: {
    call: async (relation, caller) => ({
      path: `/cases/${(await caseOf(relation, caller)).id}/notes`,
      method: 'POST',
      json: { text: 'Called back' },
    }),
    expect: {
      agent: ['201', '201', '201', '404'],
      manager: ['201', '404', '404', '404'],
      supervisor: ['201', '201', '404', '404'],
      admin: ['201', '201', '404', '404'],
    },
  },
  listMyInbox: { call: async () => ({ path: '/me/inbox' }), expect: all('200') },
  markInboxItemRead: {
    call: async (relation, caller) => ({
      path: `/me/inbox/${(await notification(relation, caller)).id}/read`,
      method: 'POST',
    }),
    expect: {
      agent: ['204', '404', '404', '404'],
      manager: ['204', '404', '404', '404'],
      supervisor: ['204', '404', '404', '404'],
      admin: ['204', '404', '404', '404'],
    },
  },
  markInboxRead: { call: async () => ({ path: '/me/inbox/read-all', method: 'POST' }), expect: all('200') },
  importCases: {
    call: async (relation, caller) => {
      const c = await customer(relation, caller);
      const line = { source: 'call_center', externalId: unique(), customerNumber: c.customerNumber };
      return {
        path: '/imports/cases',
        method: 'POST',
        body: JSON.stringify({ ...line, type: 'complaint', description: 'Imported' }),
        headers: { 'content-type': 'application/x-ndjson' },
        outcome: (status, body) =>
          status === 200 ? String((body as { results: { status: string }[] }).results[0]!.status) : String(status),
      };
    },
    expect: {
      agent: ['403', '403', '403', '403'],
      manager: ['403', '403', '403', '403'],
      supervisor: ['created', 'created', 'rejected', 'rejected'],
      admin: ['created', 'created', 'rejected', 'rejected'],
    },
  },
  requestCustomerChange: {
    call: async (relation, caller) => ({
      path: `/customers/${(await customer(relation, caller)).id}/change-requests`,
      method: 'POST',
      json: { kind: 'level', level: 'gold', reason: 'assets grew' },
    }),
    expect: {
      agent: ['403', '403', '403', '403'],
      manager: ['201', '404', '404', '404'],
      supervisor: ['201', '201', '404', '404'],
      admin: ['201', '201', '404', '404'],
    },
  },
  listChangeRequests: {
    call: async () => ({ path: '/change-requests' }),
    expect: byRole({ agent: '403', manager: '403', supervisor: '200', admin: '200' }),
  },
  getChangeRequest: {
    call: async (relation, caller) => ({ path: `/change-requests/${(await changeRequest(relation, caller)).id}` }),
    expect: {
      agent: ['200', '404', '404', '404'],
      manager: ['200', '404', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  decideChangeRequest: {
    call: async (relation, caller) => ({
      path: `/change-requests/${(await changeRequest(relation, caller)).id}/decision`,
      method: 'POST',
      json: { decision: 'approve' },
    }),
    expect: {
      agent: ['403', '404', '404', '404'],
      manager: ['403', '404', '404', '404'],
      supervisor: ['403', '200', '404', '404'],
      admin: ['403', '200', '404', '404'],
    },
  },
  formTeam: {
    call: async () => {
      const leaderId = `lead-${unique()}`;
      await t.user(leaderId, 'manager', 'BR-001');
      return { path: '/teams', method: 'POST', json: { name: 'New team', leaderId } };
    },
    expect: byRole({ agent: '403', manager: '403', supervisor: '201', admin: '201' }),
  },
  listTeams: { call: async () => ({ path: '/teams' }), expect: all('200') },
  getTeam: {
    call: async (relation) => ({ path: `/teams/${(await team(relation)).id}` }),
    expect: {
      agent: ['200', '200', '404', '404'],
      manager: ['200', '200', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  changeTeam: {
    call: async (relation) => ({
      path: `/teams/${(await team(relation)).id}`,
      method: 'PATCH',
      json: { name: 'Renamed team' },
    }),
    expect: {
      agent: ['403', '403', '404', '404'],
      manager: ['403', '403', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  disbandTeam: {
    call: async (relation) => ({ path: `/teams/${(await team(relation)).id}`, method: 'DELETE' }),
    expect: {
      agent: ['403', '403', '404', '404'],
      manager: ['403', '403', '404', '404'],
      supervisor: ['204', '204', '404', '404'],
      admin: ['204', '204', '404', '404'],
    },
  },
  convertCase: {
    call: async (relation, caller) => ({
      path: `/cases/${(await caseOf(relation, caller, true)).id}/convert`,
      method: 'POST',
      json: { ...terms, ownerId: relation === 'other' ? 'mgr-3' : 'mgr-2' },
    }),
    expect: {
      agent: ['201', '404', '404', '404'],
      manager: ['201', '404', '404', '404'],
      supervisor: ['201', '201', '404', '404'],
      admin: ['201', '201', '404', '404'],
    },
  },
  createOpportunity: {
    call: async (relation, caller) => ({
      path: '/opportunities',
      method: 'POST',
      json: { ...terms, productCode: 'WM-1', customerId: (await customer(relation, caller)).id, ownerId: 'mgr-2' },
    }),
    expect: {
      agent: ['403', '403', '403', '403'],
      manager: ['201', '404', '404', '404'],
      supervisor: ['201', '201', '404', '404'],
      admin: ['201', '201', '404', '404'],
    },
  },
  listOpportunities: { call: async () => ({ path: '/opportunities' }), expect: all('200') },
  createCustomerOpportunity: {
    call: async (relation, caller) => ({
      path: `/customers/${(await customer(relation, caller)).id}/opportunities`,
      method: 'POST',
      json: { ...terms, productCode: 'WM-1', ownerId: 'mgr-2' },
    }),
    expect: {
      agent: ['403', '403', '403', '403'],
      manager: ['201', '404', '404', '404'],
      supervisor: ['201', '201', '404', '404'],
      admin: ['201', '201', '404', '404'],
    },
  },
  getPipelineTotals: { call: async () => ({ path: '/opportunities/totals' }), expect: all('200') },
  getOpportunity: {
    call: async (relation, caller) => ({ path: `/opportunities/${(await opportunity(relation, caller)).id}` }),
    expect: {
      agent: ['200', '404', '404', '404'],
      manager: ['200', '404', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  updateOpportunity: {
    call: async (relation, caller) => ({
      path: `/opportunities/${(await opportunity(relation, caller)).id}`,
      method: 'PATCH',
      json: { title: 'Renamed opportunity' },
      headers: { 'if-match': '"1"' },
    }),
    expect: {
      agent: ['200', '404', '404', '404'],
      manager: ['200', '404', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  moveOpportunityStage: {
    call: async (relation, caller) => ({
      path: `/opportunities/${(await opportunity(relation, caller)).id}/stage`,
      method: 'POST',
      json: { stage: 'qualified' },
    }),
    expect: {
      agent: ['200', '404', '404', '404'],
      manager: ['200', '404', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  addOpportunityActivity: {
    call: async (relation, caller) => ({
      path: `/opportunities/${(await opportunity(relation, caller)).id}/activities`,
      method: 'POST',
      json: { type: 'call', note: 'Discussed terms' },
    }),
    expect: {
      agent: ['201', '404', '404', '404'],
      manager: ['201', '404', '404', '404'],
      supervisor: ['201', '201', '404', '404'],
      admin: ['201', '201', '404', '404'],
    },
  },
  getOpportunityHistory: {
    call: async (relation, caller) => ({ path: `/opportunities/${(await opportunity(relation, caller)).id}/history` }),
    expect: {
      agent: ['200', '404', '404', '404'],
      manager: ['200', '404', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  logContact: {
    call: async (relation, caller) => ({
      path: '/contacts',
      method: 'POST',
      json: {
        customerId: (await customer(relation, caller)).id,
        direction: 'inbound',
        startedAt: new Date().toISOString(),
        outcome: 'resolved',
      },
    }),
    expect: {
      agent: ['201', '201', '201', '404'],
      manager: ['201', '404', '404', '404'],
      supervisor: ['201', '201', '404', '404'],
      admin: ['201', '201', '404', '404'],
    },
  },
  listUnidentifiedContacts: {
    call: async () => ({ path: '/contacts/unidentified' }),
    expect: byRole({ agent: '200', manager: '403', supervisor: '200', admin: '200' }),
  },
  attachUnidentifiedContacts: {
    call: async (relation, caller) => ({
      path: '/contacts/unidentified/attach',
      method: 'POST',
      json: { kind: 'phone', value: phone(), customerId: (await customer(relation, caller)).id },
    }),
    expect: {
      agent: ['200', '200', '200', '404'],
      manager: ['403', '403', '403', '403'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  listCustomerTimeline: {
    call: async (relation, caller) => ({ path: `/customers/${(await customer(relation, caller)).id}/timeline` }),
    expect: {
      agent: ['200', '200', '200', '404'],
      manager: ['200', '404', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  getCustomerContactability: {
    call: async (relation, caller) => ({ path: `/customers/${(await customer(relation, caller)).id}/contactability` }),
    expect: {
      agent: ['200', '200', '200', '404'],
      manager: ['200', '404', '404', '404'],
      supervisor: ['200', '200', '404', '404'],
      admin: ['200', '200', '404', '404'],
    },
  },
  replyToCustomer: {
    call: async (relation, caller) => ({
      path: `/cases/${(await caseOf(relation, caller)).id}/replies`,
      method: 'POST',
      json: { text: 'We are on it', channel: 'sms' },
    }),
    expect: {
      agent: ['201', '201', '201', '404'],
      manager: ['201', '404', '404', '404'],
      supervisor: ['201', '201', '404', '404'],
      admin: ['201', '201', '404', '404'],
    },
  },
  getComplaintStatusPage: { call: async () => ({ path: '/complaint/status', anonymous: true }), expect: all('200') },
  lookUpComplaintStatus: {
    call: async () => ({
      path: '/complaint/status',
      method: 'POST',
      anonymous: true,
      body: `reference=ABCD-EFGH-0&contact=${encodeURIComponent(phone())}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    }),
    expect: all('200'),
  },
  getComplaintForm: { call: async () => ({ path: '/complaint', anonymous: true }), expect: all('200') },
  submitComplaint: {
    call: async () => ({
      path: '/public/complaints',
      method: 'POST',
      anonymous: true,
      json: { name: 'Li Wei', phone: phone(), category: 'card', subject: 'Card', description: 'My card was blocked.' },
    }),
    expect: all('201'),
  },
  getComplaintStatus: {
    call: async () => ({
      path: `/public/complaints/ABCD-EFGH-0?phone=${encodeURIComponent(phone())}`,
      anonymous: true,
    }),
    expect: all('404'),
  },
  receiveTwilioSms: {
    call: async () => ({
      path: '/webhooks/sms/twilio',
      method: 'POST',
      anonymous: true,
      body: 'MessageSid=SM0123456789abcdef0123456789abcdef&From=%2B8613800000001&To=%2B10000000000&Body=hi',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'forged' },
    }),
    expect: all('403'),
  },
  receiveEmail: {
    call: async () => {
      const raw = Buffer.from('From: a@example.com\r\nTo: b@example.com\r\nSubject: x\r\n\r\nhi');
      return {
        path: '/webhooks/email',
        method: 'POST',
        anonymous: true,
        body: raw.toString(),
        headers: {
          'content-type': 'message/rfc822',
          'x-signature': emailSignatureHeader('not-the-secret-at-all', Math.floor(Date.now() / 1000), raw),
        },
      };
    },
    expect: all('403'),
  },
  listStuckWork: {
    call: async () => ({ path: '/ops/stuck' }),
    expect: byRole({ agent: '403', manager: '403', supervisor: '403', admin: '200' }),
  },
  listAuditTrail: {
    call: async (relation, caller) => ({ path: `/audit?customerId=${(await customer(relation, caller)).id}` }),
    expect: {
      agent: ['403', '403', '403', '403'],
      manager: ['403', '403', '403', '403'],
      supervisor: ['403', '403', '403', '403'],
      admin: ['200', '200', '404', '404'],
    },
  },
  getDailyReport: {
    call: async (relation) => ({ path: `/reports/daily?${reportRange}${reportBranch(relation)}` }),
    expect: reportRow,
  },
  getDailyChart: {
    call: async (relation) => ({ path: `/reports/daily.svg?${reportRange}${reportBranch(relation)}` }),
    expect: reportRow,
  },
  getManagerReport: {
    call: async (relation) => ({ path: `/reports/managers?month=${today().slice(0, 7)}${reportBranch(relation)}` }),
    expect: reportRow,
  },
  getPipelineReport: {
    call: async (relation) => ({ path: `/reports/pipeline?${reportRange}${reportBranch(relation)}` }),
    expect: reportRow,
  },
  getCustomerReport: {
    call: async (relation) => ({ path: `/reports/customers?months=1${reportBranch(relation)}` }),
    expect: reportRow,
  },
};

/** Every operation the document declares. */
const declared = Object.values(
  (document as { paths: Record<string, Record<string, { operationId: string }>> }).paths,
).flatMap((methods) => Object.values(methods).map((op) => op.operationId));

interface Answer {
  outcome: string;
  problem?: Record<string, unknown>;
}
const answers = new Map<string, Answer>();
const cellKey = (op: string, role: Role, relation: Relation) => `${op} ${role} ${relation}`;

/** A problem with the ids taken out, so a 404 for an object out of scope can be compared with one for no object. */
function comparable(problem: Record<string, unknown>): Record<string, unknown> {
  const { instance: _instance, ...rest } = problem;
  return JSON.parse(JSON.stringify(rest).replace(/[0-9A-HJKMNP-TV-Z]{26}|C-\d{4}-\d{6}/g, '<id>')) as Record<
    string,
    unknown
  >;
}

beforeAll(async () => {
  // The public routes' abuse limits are not what this test is about.
  t = await createTestContext({ PUBLIC_RATE_LIMIT_PER_MINUTE: '10000' });
  await seedDemoData(t.services);
  const tokens = Object.fromEntries(
    await Promise.all(
      roles.map(
        async (role) =>
          [
            role,
            await signDevToken(t.keys, roleCallers[role], {
              issuer: t.config.AUTH_ISSUER,
              audience: t.config.AUTH_AUDIENCE,
            }),
          ] as const,
      ),
    ),
  ) as Record<Role, string>;
  const cells = Object.entries(operations).flatMap(([op, spec]) =>
    roles.flatMap((role) => relations.map((relation) => ({ op, spec, role, relation }))),
  );
  // A few cells at a time: each makes its own objects, so they do not disturb one another.
  let next = 0;
  const worker = async () => {
    while (next < cells.length) {
      const { op, spec, role, relation } = cells[next++]!;
      const caller = roleCallers[role];
      const call = await spec.call(relation, caller);
      const headers: Record<string, string> = { ...call.headers };
      if (!call.anonymous) headers.authorization = `Bearer ${tokens[role]}`;
      let body: string | undefined = call.body;
      if (call.json !== undefined) {
        body = JSON.stringify(call.json);
        headers['content-type'] ??= 'application/json';
      }
      const res = await t.app.request(call.path, { method: call.method ?? 'GET', headers, body });
      const text = await res.text();
      const parsed = text && /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : undefined;
      answers.set(cellKey(op, role, relation), {
        outcome: call.outcome ? call.outcome(res.status, parsed) : String(res.status),
        ...(res.status >= 400 && { problem: parsed as Record<string, unknown> }),
      });
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
}, 600_000);

afterAll(() => {
  // The whole matrix as answered, for a reader of a failure.
  if (process.env.MATRIX_PRINT) {
    for (const op of Object.keys(operations)) {
      const row = roles.map(
        (r) => `${r} ${relations.map((rel) => answers.get(cellKey(op, r, rel))?.outcome).join('/')}`,
      );
      process.stdout.write(`${op}: ${row.join(' | ')}\n`);
    }
  }
});

describe('the permission matrix', () => {
  it('has a row for every operation of /openapi.json, and none the document lacks', () => {
    expect(Object.keys(operations).sort()).toEqual([...declared].sort());
  });

  for (const [op, spec] of Object.entries(operations)) {
    it(`${op}: each role and relation answers as the table says`, () => {
      const got = Object.fromEntries(
        roles.map((role) => [role, relations.map((relation) => answers.get(cellKey(op, role, relation))?.outcome)]),
      );
      expect(got).toEqual(spec.expect);
    });
  }

  it('answers an out-of-scope object exactly as a nonexistent one (never revealing that it exists)', () => {
    let compared = 0;
    for (const op of Object.keys(operations)) {
      for (const role of roles) {
        const missing = answers.get(cellKey(op, role, 'missing'));
        for (const relation of ['same', 'other'] as const) {
          const answer = answers.get(cellKey(op, role, relation));
          if (answer?.outcome !== '404' || missing?.outcome !== '404') continue;
          expect(comparable(answer.problem!), cellKey(op, role, relation)).toEqual(comparable(missing.problem!));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('never lets a caller of BR-001 change or read anything of BR-002', () => {
    const leaks = [...answers.entries()].filter(
      ([key, a]) => key.endsWith(' other') && /^2\d\d$|^found$|^created$/.test(a.outcome),
    );
    // Agents read any customer and its cases (the call center serves every branch); nothing else crosses.
    const agentsAcrossBranches = [
      'findCustomers',
      'getCustomer',
      'getCustomerView',
      'listCustomerTimeline',
      'listCases',
      'getCase',
      'listCaseHistory',
      'addCaseNote',
      'createCase',
      'logContact',
      'attachUnidentifiedContacts',
      'getCustomerContactability',
      'replyToCustomer',
    ];
    // Operations without a target object answer the same in every column, "other" included.
    const untargeted = Object.keys(operations).filter((op) =>
      roles.every((r) => new Set(operations[op]!.expect[r]).size === 1),
    );
    // Admins read any branch's report figures (aggregates: no customer's data).
    const adminsAcrossBranches = [
      'getDailyReport',
      'getDailyChart',
      'getManagerReport',
      'getPipelineReport',
      'getCustomerReport',
    ];
    const allowed = (key: string) => {
      const [op, role] = key.split(' ');
      return (
        (role === 'agent' && agentsAcrossBranches.includes(op!)) ||
        (role === 'admin' && adminsAcrossBranches.includes(op!)) ||
        untargeted.includes(op!)
      );
    };
    expect(leaks.map(([key]) => key).filter((key) => !allowed(key))).toEqual([]);
  });
});
