import type { Caller, Role } from './caller';
import type { Case } from './cases';
import type { Opportunity } from './opportunities';
import { managesCustomer, type ManagedRecord } from './scope';

/**
 * Who may do what, in one place. Every decision is a role and the caller's relations to the object: a grant
 * names, per role, the relations any one of which is enough ('always' needs none). Services ask here; the
 * tables below are the whole permission model and are unit-tested cell by cell (access.test.ts).
 */
export type Grant<R extends string> = Partial<Record<Role, 'always' | readonly R[]>>;

export function allows<R extends string>(grant: Grant<R>, role: Role, relations: readonly R[]): boolean {
  const granted = grant[role];
  return granted === 'always' || (!!granted && granted.some((r) => relations.includes(r)));
}

const inBranch = (caller: Caller, branchId: string) => caller.branchId === branchId;

// ---------------------------------------------------------------- customers
/**
 * manager: the caller is the customer's primary or assisting manager; branch: the customer is in the caller's branch.
 */
export type CustomerRelation = 'manager' | 'branch';

const managesOrSupervises = {
  agent: ['manager'],
  manager: ['manager'],
  supervisor: ['manager', 'branch'],
  admin: ['manager', 'branch'],
} as const satisfies Grant<CustomerRelation>;
const supervisesBranch = { supervisor: ['branch'], admin: ['branch'] } as const satisfies Grant<CustomerRelation>;

export const customerGrants = {
  /** The profile (agents get the reduced one), the 360 view, the timeline. */
  read: { ...managesOrSupervises, agent: 'always' },
  /** Figures and notes, and everything an agent's reduced profile leaves out. */
  readFull: managesOrSupervises,
  /** Profile fields, status, history, change requests, opportunities for the customer. */
  change: managesOrSupervises,
  /** Ask for a change of managers or level (then `change` decides whether this customer is in scope). */
  requestChange: { manager: 'always', supervisor: 'always', admin: 'always' },
  /**
   * Propose adding or removing a phone, email or customer number: whoever may read the customer (agents take the
   * calls that reveal them); a supervisor of the customer's branch approves.
   */
  proposeIdentityChange: { ...managesOrSupervises, agent: 'always' },
  /** Level, managers and financial figures, set directly (others request a change). */
  setManagedFields: supervisesBranch,
  merge: supervisesBranch,
} satisfies Record<string, Grant<CustomerRelation>>;
export type CustomerAction = keyof typeof customerGrants;

export const customerRelations = (caller: Caller, customer: ManagedRecord): CustomerRelation[] => [
  ...(managesCustomer(caller, customer) ? (['manager'] as const) : []),
  ...(inBranch(caller, customer.branchId) ? (['branch'] as const) : []),
];

export const mayOnCustomer = (caller: Caller, action: CustomerAction, customer: ManagedRecord) =>
  allows(customerGrants[action], caller.role, customerRelations(caller, customer));

/** Customers are created in the caller's own branch, whatever the role (admins too: see docs/security.md). */
export const mayCreateCustomerIn = (caller: Caller, branchId: string) => inBranch(caller, branchId);

// ---------------------------------------------------------------- cases
/**
 * owner: the case is the caller's to work (ownerId); manager: the caller is a primary or assisting manager of
 * the case's customer (as the case records it, or as the customer is now); branch: the case is in the caller's
 * branch.
 */
export type CaseRelation = 'owner' | 'manager' | 'branch';

const worksCase = {
  agent: ['owner'],
  manager: ['owner', 'manager'],
  supervisor: ['owner', 'branch'],
  admin: ['owner', 'branch'],
} as const satisfies Grant<CaseRelation>;

export const caseGrants = {
  read: { ...worksCase, agent: 'always' },
  /** Edit, move, delete; add messages as staff. */
  work: worksCase,
  /** Write to the customer from the case (SMS/email): agents on any case they answer for, others as for `work`. */
  reply: { ...worksCase, agent: 'always' },
  /** Change its type, subject, product code or category. */
  reclassify: worksCase,
  /** Move a resolved or closed case back to work. */
  reopen: worksCase,
  /** Give it to someone else: the branch's supervisors, or its owner (to a colleague in the branch). */
  assign: { manager: ['owner'], supervisor: ['branch'], admin: ['branch'] },
  /** Turn a product inquiry into an opportunity: the case's or its customer's managers, the branch's supervisors. */
  convert: {
    agent: ['owner', 'manager'],
    manager: ['owner', 'manager'],
    supervisor: ['owner', 'manager', 'branch'],
    admin: ['owner', 'manager', 'branch'],
  },
  /** A deleted case is seen and restored by the admins of its branch only. */
  readDeleted: { admin: ['branch'] },
  /** The branch's queue (cases without an owner) and all of the branch's cases. */
  listBranch: { supervisor: ['branch'], admin: ['branch'] },
  /** The cases of the customers the caller manages (primary or assisting), whoever owns them. */
  listMyCustomers: { manager: 'always', supervisor: 'always', admin: 'always' },
} satisfies Record<string, Grant<CaseRelation>>;
export type CaseAction = keyof typeof caseGrants;

/**
 * `customer`: the case's customer as it is now, when the case's own record of its managers may lag behind
 * (a large book still moving).
 */
export const caseRelations = (
  caller: Caller,
  c: Pick<Case, 'ownerId' | 'branchId'> & { primaryManagerId?: string | null; assistingManagerIds: readonly string[] },
  customer?: ManagedRecord,
): CaseRelation[] => [
  ...(c.ownerId === caller.userId ? (['owner'] as const) : []),
  ...(managesCustomer(caller, { ...c, primaryManagerId: c.primaryManagerId ?? null }) ||
  (customer && managesCustomer(caller, customer))
    ? (['manager'] as const)
    : []),
  ...(inBranch(caller, c.branchId) ? (['branch'] as const) : []),
];

export const mayOnCase = (caller: Caller, action: CaseAction, relations: readonly CaseRelation[]) =>
  allows(caseGrants[action], caller.role, relations);

/** Whether the caller's access to a case can depend on its customer's current managers (worth reading it). */
export const caseAccessNeedsCustomer = (caller: Caller) => caller.role === 'manager';

// ---------------------------------------------------------------- opportunities
/**
 * owner; collaborator; supervisor: the owner's supervisor named on it; teammate: on the owner's team;
 * manager: manages its customer; branch: it belongs to the caller's branch.
 */
export type OpportunityRelation = 'owner' | 'collaborator' | 'supervisor' | 'teammate' | 'manager' | 'branch';

const changesOpportunity = {
  agent: ['owner'],
  manager: ['owner'],
  supervisor: ['owner', 'branch'],
  admin: ['owner', 'branch'],
} as const satisfies Grant<OpportunityRelation>;
const withTeam = (grant: Grant<OpportunityRelation>, ...more: OpportunityRelation[]): Grant<OpportunityRelation> =>
  Object.fromEntries(Object.entries(grant).map(([role, relations]) => [role, [...(relations as []), ...more]]));
const onTeam = withTeam(changesOpportunity, 'collaborator', 'supervisor');

export const opportunityGrants = {
  /** Stage, amounts, team. */
  change: changesOpportunity,
  /** Record activities. */
  work: onTeam,
  read: withTeam(onTeam, 'teammate', 'manager'),
  /** Open one (agents register inquiries; a manager converts or opens opportunities). */
  create: { manager: 'always', supervisor: 'always', admin: 'always' },
  /** The branch pipeline. */
  listBranch: { supervisor: ['branch'], admin: ['branch'] },
} satisfies Record<string, Grant<OpportunityRelation>>;
export type OpportunityAction = keyof typeof opportunityGrants;

export const opportunityRelations = (
  caller: Caller,
  opp: Pick<Opportunity, 'ownerId' | 'collaboratorIds' | 'supervisorId' | 'teamId' | 'branchId'>,
  more: { callerTeamId?: string; customer?: ManagedRecord } = {},
): OpportunityRelation[] => {
  const held: OpportunityRelation[] = [];
  if (opp.ownerId === caller.userId) held.push('owner');
  if (opp.collaboratorIds.includes(caller.userId)) held.push('collaborator');
  if (opp.supervisorId === caller.userId) held.push('supervisor');
  if (opp.teamId && more.callerTeamId === opp.teamId) held.push('teammate');
  if (more.customer && managesCustomer(caller, more.customer)) held.push('manager');
  if (inBranch(caller, opp.branchId)) held.push('branch');
  return held;
};

export const mayOnOpportunity = (
  caller: Caller,
  action: OpportunityAction,
  relations: readonly OpportunityRelation[],
) => allows(opportunityGrants[action], caller.role, relations);

// ---------------------------------------------------------------- the branch's own work
/** branch: the object is in the caller's branch; requester: the caller asked for it. */
export type BranchRelation = 'branch' | 'requester';

export const branchGrants = {
  readChangeRequest: {
    agent: ['requester'],
    manager: ['requester'],
    supervisor: ['requester', 'branch'],
    admin: ['requester', 'branch'],
  },
  listChangeRequests: { supervisor: ['branch'], admin: ['branch'] },
  /** Approve or reject (never one's own: see mayDecideChangeRequest). */
  decideChangeRequest: { supervisor: ['branch'], admin: ['branch'] },
  /** Form, change and disband teams. */
  formTeam: { supervisor: ['branch'], admin: ['branch'] },
  readTeam: { agent: ['branch'], manager: ['branch'], supervisor: ['branch'], admin: ['branch'] },
  importCases: { supervisor: ['branch'], admin: ['branch'] },
  /** The contacts of senders no customer is known by: agents and supervisors work them, managers do not. */
  workUnidentified: { agent: 'always', supervisor: 'always', admin: 'always' },
  /** Work the system gave up on after its retries (not branch data: ids, kinds and errors). */
  readStuckWork: { admin: 'always' },
  /** Who read a customer of the branch (the audit trail of reads). */
  readAudit: { admin: ['branch'] },
} satisfies Record<string, Grant<BranchRelation>>;
export type BranchAction = keyof typeof branchGrants;

export const mayInBranch = (caller: Caller, action: BranchAction, of: { branchId: string; requestedBy?: string }) =>
  allows(branchGrants[action], caller.role, [
    ...(inBranch(caller, of.branchId) ? (['branch'] as const) : []),
    ...(of.requestedBy === caller.userId ? (['requester'] as const) : []),
  ]);

/** Maker-checker: nobody decides on their own request, whatever their role. */
export const isOwnRequest = (caller: Caller, request: { requestedBy: string }) => request.requestedBy === caller.userId;

// ---------------------------------------------------------------- reports
/** own: the figures are the caller's own (a manager's); branch: they are figures of the caller's branch. */
export type ReportRelation = 'own' | 'branch';

export const reportGrants = {
  /** A branch's figures: the daily, pipeline and customer reports of the branch, and each of its managers. */
  readBranch: { supervisor: ['branch'], admin: 'always' },
  /** One manager's figures: their cases, customers, pipeline and the contacts they logged. */
  readManager: { manager: ['own'], supervisor: ['branch'], admin: 'always' },
} satisfies Record<string, Grant<ReportRelation>>;
export type ReportAction = keyof typeof reportGrants;

/** Whether the caller may read the figures of a branch they have no relation to (a choice of branch to offer). */
export const mayReadAnyBranchReports = (caller: Caller) => allows(reportGrants.readBranch, caller.role, []);

/** `managerId`: whose figures (readManager); `branchId`: the branch they belong to. */
export const mayOnReport = (caller: Caller, action: ReportAction, of: { branchId: string; managerId?: string }) =>
  allows(reportGrants[action], caller.role, [
    ...(of.managerId !== undefined && of.managerId === caller.userId ? (['own'] as const) : []),
    ...(inBranch(caller, of.branchId) ? (['branch'] as const) : []),
  ]);
