import * as z from 'zod/mini';
import type { Actor, Caller } from './caller';
import { isSupervisorOf } from './caller';
import type { CaseOrigin } from './cases';
import { InvalidTransitionError } from './errors';
import {
  amount,
  emailInput,
  identifier,
  isoDate,
  isoDateTime,
  multiLineText,
  personName,
  phoneInput,
  singleLineText,
  listOf,
} from './fields';

export const opportunityStages = ['new', 'qualified', 'proposal', 'negotiation', 'won', 'lost'] as const;
export type OpportunityStage = (typeof opportunityStages)[number];

/**
 * The sales pipeline, as an explicit table: stage -> stages it may move to.
 * Forward one stage at a time; back one stage (a proposal that needs requalifying) while open;
 * `lost` from any open stage; `won` only after negotiation. Won and lost are final.
 */
export const opportunityTransitions: Record<OpportunityStage, readonly OpportunityStage[]> = {
  new: ['qualified', 'lost'],
  qualified: ['proposal', 'new', 'lost'],
  proposal: ['negotiation', 'qualified', 'lost'],
  negotiation: ['won', 'proposal', 'lost'],
  won: [],
  lost: [],
};

export const isOpenStage = (stage: OpportunityStage) => stage !== 'won' && stage !== 'lost';

export function assertOpportunityTransition(from: OpportunityStage, to: OpportunityStage): void {
  if (!opportunityTransitions[from].includes(to))
    throw new InvalidTransitionError('opportunity', from, to, opportunityTransitions[from]);
}

export const activityTypes = ['call', 'visit', 'email', 'note'] as const;
export type ActivityType = (typeof activityTypes)[number];

export const currencyCode = z.string().check(z.regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as CNY'));
/** Expected amounts: at most 10^13 in major units, whole cents. */
export const moneyAmount = amount(0, 1e13);

export const NextStepInput = z.strictObject({ at: isoDateTime, description: singleLineText(500) });
export type NextStepInput = z.infer<typeof NextStepInput>;

export interface NextStep {
  at: string;
  description: string;
  /** Set when the team was told the step is overdue; a new next step clears it. */
  overdueNotifiedAt?: string;
}

export interface Prospect {
  name: string;
  phone?: string;
  email?: string;
}

/** Where an opportunity came from: a converted case, or opened directly by staff. */
export interface OpportunitySource {
  kind: 'case' | 'direct' | 'customer_record';
  caseId?: string;
  /** The case's origin channel (call center, web, ...) when converted. */
  channel?: CaseOrigin;
  contact?: { phone?: string; email?: string };
}

export interface Opportunity {
  id: string;
  title: string;
  /** Null for a new-customer opportunity; then `prospect` names who it is about. */
  customerId: string | null;
  customerNumber?: string;
  customerName?: string;
  prospect?: Prospect;
  branchId: string;
  productCode: string;
  expectedAmount: number;
  currency: string;
  expectedCloseDate: string;
  stage: OpportunityStage;
  lostReason?: string;
  /** The 1+N team: the owner, collaborating product managers, and the owner's supervisor. */
  ownerId: string;
  collaboratorIds: string[];
  supervisorId?: string;
  /** The owner's team when the opportunity was opened; serves the team pipeline view. */
  teamId?: string;
  source: OpportunitySource;
  nextStep?: NextStep;
  version: number;
  createdAt: string;
  updatedAt: string;
  closedAt?: string;
}

export interface StageChange {
  id: string;
  opportunityId: string;
  from: OpportunityStage | null;
  to: OpportunityStage;
  at: string;
  actor: Actor;
  note?: string;
  lostReason?: string;
}

export interface Activity {
  id: string;
  opportunityId: string;
  type: ActivityType;
  note: string;
  at: string;
  actor: Actor;
  nextStep?: { at: string; description: string };
}

/** Everyone told about the opportunity's events, each once. */
export const teamOf = (opp: Pick<Opportunity, 'ownerId' | 'collaboratorIds' | 'supervisorId'>): string[] => [
  ...new Set([opp.ownerId, ...opp.collaboratorIds, ...(opp.supervisorId ? [opp.supervisorId] : [])]),
];

/** May change it (stage, amounts, team): the owner, or a supervisor/admin of its branch. */
export const canChangeOpportunity = (caller: Caller, opp: Pick<Opportunity, 'ownerId' | 'branchId'>) =>
  opp.ownerId === caller.userId || isSupervisorOf(caller, opp.branchId);

/**
 * May read it and record activities: the change rights plus collaborators and the owner's supervisor.
 * The customer's managers may also read; that needs the customer record, so the service checks it.
 */
export const isOnOpportunityTeam = (caller: Caller, opp: Opportunity) =>
  canChangeOpportunity(caller, opp) ||
  opp.collaboratorIds.includes(caller.userId) ||
  opp.supervisorId === caller.userId;

/** Sums in minor units so totals are exact whatever the order of addition. */
export const toMinor = (value: number) => Math.round(value * 100);
export const fromMinor = (minor: number) => minor / 100;

/** What every way of opening an opportunity asks for. */
export const OpportunityTerms = z.strictObject({
  title: z.optional(singleLineText(200)),
  productCode: singleLineText(40),
  expectedAmount: moneyAmount,
  currency: currencyCode,
  expectedCloseDate: isoDate,
  ownerId: z.optional(identifier()),
  collaboratorIds: z._default(listOf(identifier(), 20), []),
  nextStep: z.optional(NextStepInput),
});
export type OpportunityTerms = z.infer<typeof OpportunityTerms>;

export const ProspectInput = z.strictObject({
  name: personName(200),
  phone: z.optional(phoneInput),
  email: z.optional(emailInput),
});

/** `POST /opportunities`: for a known customer (customerId) or a new one (prospect), not both. */
export const OpportunityCreateInput = z
  .extend(OpportunityTerms, {
    customerId: z.optional(identifier()),
    prospect: z.optional(ProspectInput),
  })
  .check(
    z.refine((i) => (i.customerId === undefined) !== (i.prospect === undefined), {
      message: 'give either customerId or prospect',
      path: ['customerId'],
    }),
  );
export type OpportunityCreateInput = z.infer<typeof OpportunityCreateInput>;

/** Converting a product inquiry: the product defaults to the inquiry's product. */
export const ConvertInput = z.extend(OpportunityTerms, {
  productCode: z.optional(singleLineText(40)),
  note: z.optional(multiLineText(1000, 0)),
});
export type ConvertInput = z.infer<typeof ConvertInput>;

export const OpportunityPatchInput = z.partial(
  z.strictObject({
    title: singleLineText(200),
    expectedAmount: moneyAmount,
    currency: currencyCode,
    expectedCloseDate: isoDate,
    collaboratorIds: listOf(identifier(), 20),
    nextStep: z.nullable(NextStepInput),
  }),
);
export type OpportunityPatchInput = z.infer<typeof OpportunityPatchInput>;

export const StageInput = z
  .strictObject({
    stage: z.enum(opportunityStages),
    lostReason: z.optional(singleLineText(500, 3)),
    note: z.optional(multiLineText(1000, 0)),
  })
  .check(
    z.refine((i) => i.stage !== 'lost' || i.lostReason !== undefined, {
      message: 'required when the stage is lost',
      path: ['lostReason'],
    }),
    z.refine((i) => i.stage === 'lost' || i.lostReason === undefined, {
      message: 'only for the lost stage',
      path: ['lostReason'],
    }),
  );
export type StageInput = z.infer<typeof StageInput>;

export const ActivityInput = z.strictObject({
  type: z.enum(activityTypes),
  note: multiLineText(2000),
  nextStep: z.optional(NextStepInput),
});
export type ActivityInput = z.infer<typeof ActivityInput>;

export const pipelineViews = ['mine', 'team', 'branch'] as const;
export type PipelineViewName = (typeof pipelineViews)[number];
