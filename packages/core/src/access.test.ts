import { describe, expect, it } from 'vitest';
import {
  branchGrants,
  caseGrants,
  caseRelations,
  customerGrants,
  mayInBranch,
  mayOnCase,
  mayOnCustomer,
  mayOnOpportunity,
  mayOnReport,
  mayReadAnyBranchReports,
  opportunityGrants,
  reportGrants,
  type BranchAction,
  type CaseAction,
  type CaseRelation,
  type CustomerAction,
  type OpportunityAction,
  type OpportunityRelation,
  type ReportAction,
} from './access';
import type { Caller, Role } from './caller';
import { roles } from './caller';

/**
 * The permission model as tables: for each action, which roles may act with which relation to the object.
 * Every cell is checked, so a change to a grant that the table does not also say fails here.
 */
const caller = (role: Role, branchId = 'BR-001'): Caller => ({ userId: `${role}-me`, role, branchId });

/** A customer the caller manages (`manager`), in the caller's branch (`branch`), both, or neither. */
function customerFor(c: Caller, relations: readonly ('manager' | 'branch')[]) {
  return {
    branchId: relations.includes('branch') ? c.branchId : 'BR-OTHER',
    primaryManagerId: relations.includes('manager') ? c.userId : 'someone-else',
    assistingManagerIds: [],
  };
}

type Row = Record<Role, string>;
/** A cell names the relations any one of which allows the role; '-': never; 'always': whatever the relation. */
const customerTable: Record<CustomerAction, Row> = {
  read: { agent: 'always', manager: 'manager', supervisor: 'manager branch', admin: 'manager branch' },
  readFull: { agent: 'manager', manager: 'manager', supervisor: 'manager branch', admin: 'manager branch' },
  change: { agent: 'manager', manager: 'manager', supervisor: 'manager branch', admin: 'manager branch' },
  requestChange: { agent: '-', manager: 'always', supervisor: 'always', admin: 'always' },
  proposeIdentityChange: { agent: 'always', manager: 'manager', supervisor: 'manager branch', admin: 'manager branch' },
  setManagedFields: { agent: '-', manager: '-', supervisor: 'branch', admin: 'branch' },
  merge: { agent: '-', manager: '-', supervisor: 'branch', admin: 'branch' },
};

const relationSets = [[], ['manager'], ['branch'], ['manager', 'branch']] as const;

/** What a cell says about a caller holding exactly `held`. */
const expected = (cell: string, held: readonly string[]) =>
  cell === 'always' || (cell !== '-' && cell.split(' ').some((r) => held.includes(r)));

describe('customers', () => {
  it('the table covers every action the grants define', () => {
    expect(Object.keys(customerTable).sort()).toEqual(Object.keys(customerGrants).sort());
  });

  for (const [action, row] of Object.entries(customerTable) as [CustomerAction, Row][]) {
    for (const role of roles) {
      for (const held of relationSets) {
        it(`${action}: ${role} with [${held.join(', ')}] → ${expected(row[role], held)}`, () => {
          const c = caller(role);
          expect(mayOnCustomer(c, action, customerFor(c, held))).toBe(expected(row[role], held));
        });
      }
    }
  }
});

const caseTable: Record<CaseAction, Row> = {
  read: { agent: 'always', manager: 'owner manager', supervisor: 'owner branch', admin: 'owner branch' },
  work: { agent: 'owner', manager: 'owner manager', supervisor: 'owner branch', admin: 'owner branch' },
  reclassify: { agent: 'owner', manager: 'owner manager', supervisor: 'owner branch', admin: 'owner branch' },
  reopen: { agent: 'owner', manager: 'owner manager', supervisor: 'owner branch', admin: 'owner branch' },
  assign: { agent: '-', manager: 'owner', supervisor: 'branch', admin: 'branch' },
  convert: {
    agent: 'owner manager',
    manager: 'owner manager',
    supervisor: 'owner manager branch',
    admin: 'owner manager branch',
  },
  reply: { agent: 'always', manager: 'owner manager', supervisor: 'owner branch', admin: 'owner branch' },
  readDeleted: { agent: '-', manager: '-', supervisor: '-', admin: 'branch' },
  listBranch: { agent: '-', manager: '-', supervisor: 'branch', admin: 'branch' },
  listMyCustomers: { agent: '-', manager: 'always', supervisor: 'always', admin: 'always' },
};
const caseRelationSets: (readonly CaseRelation[])[] = [
  [],
  ['owner'],
  ['manager'],
  ['branch'],
  ['owner', 'branch'],
  ['manager', 'branch'],
];

describe('cases', () => {
  it('the table covers every action the grants define', () => {
    expect(Object.keys(caseTable).sort()).toEqual(Object.keys(caseGrants).sort());
  });

  for (const [action, row] of Object.entries(caseTable) as [CaseAction, Row][]) {
    for (const role of roles) {
      for (const held of caseRelationSets) {
        it(`${action}: ${role} with [${held.join(', ')}] → ${expected(row[role], held)}`, () => {
          expect(mayOnCase(caller(role), action, held)).toBe(expected(row[role], held));
        });
      }
    }
  }
});

describe('relations to a case', () => {
  const me = caller('manager');
  const base = {
    ownerId: 'someone',
    primaryManagerId: 'someone',
    assistingManagerIds: [] as string[],
    branchId: 'BR-X',
  };
  it.each([
    ['owns it', { ownerId: me.userId }, undefined, ['owner']],
    ["is the customer's primary manager", { primaryManagerId: me.userId }, undefined, ['manager']],
    ['assists on the customer', { assistingManagerIds: [me.userId] }, undefined, ['manager']],
    [
      'manages the customer now, though the case has not followed yet',
      {},
      { branchId: 'BR-X', primaryManagerId: me.userId, assistingManagerIds: [] },
      ['manager'],
    ],
    ['works in its branch', { branchId: me.branchId }, undefined, ['branch']],
    ['has nothing to do with it', {}, undefined, []],
  ] as const)('a caller who %s', (_, fields, customer, relations) => {
    expect(caseRelations(me, { ...base, ...fields }, customer)).toEqual(relations);
  });
});

const opportunityTable: Record<OpportunityAction, Row> = {
  change: { agent: 'owner', manager: 'owner', supervisor: 'owner branch', admin: 'owner branch' },
  work: {
    agent: 'owner collaborator supervisor',
    manager: 'owner collaborator supervisor',
    supervisor: 'owner branch collaborator supervisor',
    admin: 'owner branch collaborator supervisor',
  },
  read: {
    agent: 'owner collaborator supervisor teammate manager',
    manager: 'owner collaborator supervisor teammate manager',
    supervisor: 'owner branch collaborator supervisor teammate manager',
    admin: 'owner branch collaborator supervisor teammate manager',
  },
  create: { agent: '-', manager: 'always', supervisor: 'always', admin: 'always' },
  listBranch: { agent: '-', manager: '-', supervisor: 'branch', admin: 'branch' },
};
const opportunityRelationSets: (readonly OpportunityRelation[])[] = [
  [],
  ['owner'],
  ['collaborator'],
  ['supervisor'],
  ['teammate'],
  ['manager'],
  ['branch'],
];

describe('opportunities', () => {
  it('the table covers every action the grants define', () => {
    expect(Object.keys(opportunityTable).sort()).toEqual(Object.keys(opportunityGrants).sort());
  });

  for (const [action, row] of Object.entries(opportunityTable) as [OpportunityAction, Row][]) {
    for (const role of roles) {
      for (const held of opportunityRelationSets) {
        it(`${action}: ${role} with [${held.join(', ')}] → ${expected(row[role], held)}`, () => {
          expect(mayOnOpportunity(caller(role), action, held)).toBe(expected(row[role], held));
        });
      }
    }
  }
});

const branchTable: Record<BranchAction, Row> = {
  readChangeRequest: {
    agent: 'requester',
    manager: 'requester',
    supervisor: 'requester branch',
    admin: 'requester branch',
  },
  listChangeRequests: { agent: '-', manager: '-', supervisor: 'branch', admin: 'branch' },
  decideChangeRequest: { agent: '-', manager: '-', supervisor: 'branch', admin: 'branch' },
  formTeam: { agent: '-', manager: '-', supervisor: 'branch', admin: 'branch' },
  readTeam: { agent: 'branch', manager: 'branch', supervisor: 'branch', admin: 'branch' },
  importCases: { agent: '-', manager: '-', supervisor: 'branch', admin: 'branch' },
  workUnidentified: { agent: 'always', manager: '-', supervisor: 'always', admin: 'always' },
  readStuckWork: { agent: '-', manager: '-', supervisor: '-', admin: 'always' },
  readAudit: { agent: '-', manager: '-', supervisor: '-', admin: 'branch' },
};

describe("the branch's own work", () => {
  it('the table covers every action the grants define', () => {
    expect(Object.keys(branchTable).sort()).toEqual(Object.keys(branchGrants).sort());
  });

  for (const [action, row] of Object.entries(branchTable) as [BranchAction, Row][]) {
    for (const role of roles) {
      for (const held of [[], ['branch'], ['requester'], ['branch', 'requester']] as string[][]) {
        it(`${action}: ${role} with [${held.join(', ')}] → ${expected(row[role], held)}`, () => {
          const c = caller(role);
          const of = {
            branchId: held.includes('branch') ? c.branchId : 'BR-OTHER',
            requestedBy: held.includes('requester') ? c.userId : 'someone-else',
          };
          expect(mayInBranch(c, action, of)).toBe(expected(row[role], held));
        });
      }
    }
  }
});

const reportTable: Record<ReportAction, Row> = {
  readBranch: { agent: '-', manager: '-', supervisor: 'branch', admin: 'always' },
  readManager: { agent: '-', manager: 'own', supervisor: 'branch', admin: 'always' },
};

describe('reports', () => {
  it('the table covers every action the grants define', () => {
    expect(Object.keys(reportTable).sort()).toEqual(Object.keys(reportGrants).sort());
  });

  for (const [action, row] of Object.entries(reportTable) as [ReportAction, Row][]) {
    for (const role of roles) {
      for (const held of [[], ['own'], ['branch'], ['own', 'branch']] as string[][]) {
        it(`${action}: ${role} with [${held.join(', ')}] → ${expected(row[role], held)}`, () => {
          const c = caller(role);
          const of = {
            branchId: held.includes('branch') ? c.branchId : 'BR-OTHER',
            managerId: held.includes('own') ? c.userId : 'someone-else',
          };
          expect(mayOnReport(c, action, of)).toBe(expected(row[role], held));
        });
      }
    }
  }

  it.each(roles)('%s may choose any branch to read: only when a branch needs no relation', (role) => {
    expect(mayReadAnyBranchReports(caller(role))).toBe(reportTable.readBranch[role] === 'always');
  });
});
