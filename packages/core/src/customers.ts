import * as z from 'zod/mini';
import type { Actor } from './caller';
import {
  amount,
  customerNumber,
  identifier,
  isoDate,
  multiLineText,
  personName,
  safeInteger,
  singleLineText,
  withMeta,
  listOf,
} from './fields';
import { isTimeZone, locales } from './locales';

export const customerTypes = ['individual', 'corporate'] as const;
export const contactChannels = ['voice', 'sms', 'email', 'web'] as const;
export type ContactChannel = (typeof contactChannels)[number];

/** A level rule: customers with at least `minAum` assets under management reach `level`. */
export interface LevelRule {
  level: string;
  minAum: number;
}

/** Ordered customer levels, lowest first, and the level from which a primary manager is mandatory. */
export interface LevelPolicy {
  levels: readonly string[];
  managedFrom: string;
  /** Automatic level by assets under management: the highest level whose threshold is met. */
  rules: readonly LevelRule[];
}

export const defaultLevelPolicy: LevelPolicy = {
  levels: ['standard', 'gold', 'vip', 'private'],
  managedFrom: 'vip',
  rules: [
    { level: 'gold', minAum: 200_000 },
    { level: 'vip', minAum: 1_000_000 },
    { level: 'private', minAum: 6_000_000 },
  ],
};

/** The level policy for configured levels: the asset rules (configured or default) that name a configured level. */
export const levelPolicyFor = (
  levels: readonly string[],
  managedFrom: string,
  rules: readonly LevelRule[] = defaultLevelPolicy.rules,
): LevelPolicy => ({
  levels,
  managedFrom,
  rules: [...rules].filter((r) => levels.includes(r.level)).sort((a, b) => a.minAum - b.minAum),
});

/** Reads LEVEL_RULES, e.g. `gold:200000,vip:1000000`; undefined when a pair is not `level:amount`. */
export function parseLevelRules(text: string): LevelRule[] | undefined {
  const rules = text
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => /^([\w-]+)\s*:\s*(\d+(?:\.\d+)?)$/.exec(pair));
  if (rules.some((m) => !m)) return undefined;
  return rules.map((m) => ({ level: m![1]!, minAum: Number(m![2]) }));
}

export const levelRank = (policy: LevelPolicy, level: string) => policy.levels.indexOf(level);

/** Corporate customers and individuals at `managedFrom` and above must have a primary manager. */
export const requiresPrimaryManager = (policy: LevelPolicy, type: string, level: string) =>
  type === 'corporate' || levelRank(policy, level) >= levelRank(policy, policy.managedFrom);

/** The level the rules give for these figures, or undefined when no rule applies. */
export function levelByRule(policy: LevelPolicy, figures: { aum?: number }): string | undefined {
  if (figures.aum === undefined) return undefined;
  let result: string | undefined;
  for (const rule of policy.rules) if (figures.aum >= rule.minAum) result = rule.level;
  return result ?? policy.levels[0];
}

/** A level approved through a change request: the rules leave it alone until `validUntil`. */
export interface LevelApproval {
  requestId: string;
  level: string;
  approvedAt: string;
  validUntil: string;
}

export type LevelRuleOutcome = 'raised' | 'unchanged' | 'not_lowered' | 'held_by_approval';

/** What the asset rules decided for a customer's new figures, and the figures and thresholds they used. */
export interface LevelRuleDecision {
  outcome: LevelRuleOutcome;
  from: string;
  to: string;
  ruleLevel: string;
  aum: number;
  rules: readonly LevelRule[];
}

/**
 * The rules may raise a level, never lower it, and never touch a level approved through a change request while
 * that approval is valid. Undefined when the figures give the rules nothing to go on.
 */
export function decideLevelByRule(
  policy: LevelPolicy,
  customer: Pick<Customer, 'level' | 'levelApproval'>,
  figures: { aum?: number },
  now: Date,
): LevelRuleDecision | undefined {
  const ruleLevel = levelByRule(policy, figures);
  if (ruleLevel === undefined || figures.aum === undefined) return undefined;
  const decision = (outcome: LevelRuleOutcome, to = customer.level): LevelRuleDecision => ({
    outcome,
    from: customer.level,
    to,
    ruleLevel,
    aum: figures.aum!,
    rules: policy.rules,
  });
  if (ruleLevel === customer.level) return decision('unchanged');
  const approval = customer.levelApproval;
  if (approval && approval.level === customer.level && Date.parse(approval.validUntil) > now.getTime()) {
    return decision('held_by_approval');
  }
  if (levelRank(policy, ruleLevel) < levelRank(policy, customer.level)) return decision('not_lowered');
  return decision('raised', ruleLevel);
}

export const ContactPointInput = z.object({
  kind: z.enum(['phone', 'email']),
  value: singleLineText(254, 3),
  verified: z._default(z.boolean(), false),
  preferred: z._default(z.boolean(), false),
});
export type ContactPointInput = z.infer<typeof ContactPointInput>;
export type ContactPoint = ContactPointInput;

const timeOfDay = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM'));

export const ContactPreferences = z.object({
  quietHours: z.optional(
    z.object({
      start: timeOfDay,
      end: timeOfDay,
      timezone: z._default(
        singleLineText(64).check(z.refine(isTimeZone, 'an IANA time zone, e.g. Asia/Shanghai')),
        'Asia/Shanghai',
      ),
    }),
  ),
  optOut: z._default(
    z.object({
      sms: z._default(z.boolean(), false),
      email: z._default(z.boolean(), false),
      voice: z._default(z.boolean(), false),
    }),
    { sms: false, email: false, voice: false },
  ),
  /** The language messages to the customer are written in (else the case's, else PUBLIC_DEFAULT_LOCALE). */
  locale: z.optional(z.enum(locales)),
});
export type ContactPreferences = z.infer<typeof ContactPreferences>;

/** Figures from core banking; only supervisors/admins and managers in scope may see them. */
export const CustomerFigures = z.object({
  creditRating: z.optional(singleLineText(10)),
  points: z.optional(safeInteger(0, 1e12)),
  aum: z.optional(amount(0, 1e15)),
  contribution: z.optional(amount(-1e15, 1e15)),
  products: z.optional(listOf(z.object({ code: singleLineText(40), name: singleLineText(120) }), 100)),
});
export type CustomerFigures = z.infer<typeof CustomerFigures>;

/** At most one preferred contact point per kind, and no repeated values. */
export function contactPointIssues(points: readonly ContactPoint[]): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  for (const kind of ['phone', 'email'] as const) {
    if (points.filter((p) => p.kind === kind && p.preferred).length > 1)
      issues.push({ path: 'contactPoints', message: `only one ${kind} may be preferred` });
  }
  const seen = new Set<string>();
  points.forEach((p, i) => {
    const key = `${p.kind}:${p.value}`;
    if (seen.has(key)) issues.push({ path: `contactPoints.${i}.value`, message: 'listed twice' });
    seen.add(key);
  });
  return issues;
}

export type CustomerStatus = 'active' | 'closed' | 'merged';

export interface Customer {
  id: string;
  customerNumber: string;
  name: string;
  type: (typeof customerTypes)[number];
  level: string;
  branchId: string;
  contactPoints: ContactPoint[];
  preferredChannel?: ContactChannel;
  preferences: ContactPreferences;
  tags: string[];
  figures: CustomerFigures;
  notes?: string;
  status: CustomerStatus;
  primaryManagerId: string | null;
  assistingManagerIds: string[];
  /** The customer needs a primary manager and an assignment request awaits the branch's supervisors. */
  pendingAssignment?: { requestId: string; requestedAt: string };
  /** The level was set by an approved request: the rules leave it alone while the approval is valid. */
  levelApproval?: LevelApproval;
  mergedInto?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** What an agent may see: no financial figures, no notes. */
export function reducedProfile(customer: Customer): Omit<Customer, 'figures' | 'notes'> {
  const { figures: _f, notes: _n, ...rest } = customer;
  return rest;
}

/**
 * Counters kept in their own item (CUST#id / STATS) by the contact and case transactions,
 * so saving a profile never overwrites them.
 */
export interface CustomerStats {
  /** Open complaints/inquiries. */
  openCases: number;
  /** Inbound contacts since the customer last had no open case; escalates at ESCALATE_AFTER_CONTACTS. */
  unresolvedContacts: number;
  lastContactAt?: string;
}

/** Who manages a customer: what an assignment change request moves. */
export interface Managers {
  primaryManagerId: string | null;
  assistingManagerIds: string[];
}

export type AssignmentChange = {
  kind: 'assignment';
  /** A manager id to make primary, or null to remove the primary manager; absent leaves it. */
  primaryManagerId?: string | null;
  addAssisting?: string[];
  removeAssisting?: string[];
};
/** `validUntil`: how long the approved level holds against the automatic rules (a date). */
export type LevelChange = { kind: 'level'; level: string; validUntil?: string };
/** Who the customer is reachable as: phones and emails added or removed (each becomes or stops being an identity). */
export type ContactPointsChange = {
  kind: 'contact_points';
  add?: ContactPoint[];
  remove?: { kind: ContactPoint['kind']; value: string }[];
};
export type CustomerNumberChange = { kind: 'customer_number'; customerNumber: string };
/** Changes of who the customer is: only ever through a change request a supervisor of the branch approves. */
export type IdentityChange = ContactPointsChange | CustomerNumberChange;
export type CustomerChange = AssignmentChange | LevelChange | IdentityChange;

export const isIdentityChange = (change: CustomerChange): change is IdentityChange =>
  change.kind === 'contact_points' || change.kind === 'customer_number';

const sameContactPoint = (a: { kind: string; value: string }) => (b: { kind: string; value: string }) =>
  a.kind === b.kind && a.value === b.value;

/**
 * True when `after` adds, removes or (un)verifies a phone or email of `before`: identity changes that only a change
 * request makes. Reordering and preferring are profile edits.
 */
export function changesIdentities(before: readonly ContactPoint[], after: readonly ContactPoint[]): boolean {
  const key = (points: readonly ContactPoint[]) =>
    points
      .map((p) => `${p.kind}\u0000${p.value}\u0000${p.verified}`)
      .sort()
      .join('\u0001');
  return key(before) !== key(after);
}

export const changeRequestStatuses = ['pending', 'approved', 'rejected'] as const;
export type ChangeRequestStatus = (typeof changeRequestStatuses)[number];

/** Maker-checker: a change to a customer's managers or level, requested by one user and decided by a supervisor. */
export interface ChangeRequest {
  id: string;
  customerId: string;
  customerNumber: string;
  customerName: string;
  branchId: string;
  change: CustomerChange;
  reason: string;
  status: ChangeRequestStatus;
  requestedBy: string;
  requestedAt: string;
  decidedBy?: string;
  decidedAt?: string;
  note?: string;
}

/** The customer as it would be after `change`; the old primary manager never stays on as assisting twice. */
export function applyChange(customer: Customer, change: CustomerChange): Customer {
  if (change.kind === 'level') return { ...customer, level: change.level };
  if (change.kind === 'customer_number') return { ...customer, customerNumber: change.customerNumber };
  if (change.kind === 'contact_points') {
    const kept = customer.contactPoints.filter((p) => !(change.remove ?? []).some(sameContactPoint(p)));
    const added = (change.add ?? []).filter((p) => !kept.some(sameContactPoint(p)));
    return { ...customer, contactPoints: [...kept, ...added] };
  }
  const primaryManagerId = change.primaryManagerId === undefined ? customer.primaryManagerId : change.primaryManagerId;
  const removed = new Set(change.removeAssisting ?? []);
  const assisting = [...customer.assistingManagerIds, ...(change.addAssisting ?? [])].filter(
    (m) => !removed.has(m) && m !== primaryManagerId,
  );
  return { ...customer, primaryManagerId, assistingManagerIds: [...new Set(assisting)] };
}

/** True when `after` breaks the rule that corporate and managed-level customers keep a primary manager. */
export const lacksRequiredManager = (
  policy: LevelPolicy,
  customer: Pick<Customer, 'type' | 'level' | 'primaryManagerId'>,
) => requiresPrimaryManager(policy, customer.type, customer.level) && !customer.primaryManagerId;

/** One line in a customer's own history: who changed what, when and why. */
export interface CustomerHistoryEntry {
  id: string;
  customerId: string;
  at: string;
  actor: Actor;
  action: string;
  details: Record<string, unknown>;
}

/** What the customer 360 view shows besides the profile. */
export interface CustomerCounters {
  contactsLast30Days: number;
  openCases: number;
  unresolvedContacts: number;
  lastContactAt?: string;
}

export const CustomerCreateInput = z.strictObject({
  customerNumber,
  name: personName(200),
  type: z.enum(customerTypes),
  branchId: z.optional(identifier(40)),
  level: z.optional(identifier(40)),
  primaryManagerId: z.optional(identifier()),
  assistingManagerIds: z.optional(listOf(identifier(), 10)),
  contactPoints: z._default(listOf(ContactPointInput, 20), []),
  preferredChannel: z.optional(z.enum(contactChannels)),
  preferences: z.optional(ContactPreferences),
  tags: z._default(listOf(singleLineText(40), 30), []),
  figures: z.optional(CustomerFigures),
  notes: z.optional(multiLineText(5000, 0)),
});
export type CustomerCreateInput = z.infer<typeof CustomerCreateInput>;

/** Owner, level, status, version and timestamps change only through their own flows: refused here. */
export const CustomerPatchInput = z.partial(
  z.strictObject({
    name: personName(200),
    contactPoints: listOf(ContactPointInput, 20),
    preferredChannel: z.nullable(z.enum(contactChannels)),
    preferences: ContactPreferences,
    tags: listOf(singleLineText(40), 30),
    figures: CustomerFigures,
    notes: z.nullable(multiLineText(5000, 0)),
  }),
);
export type CustomerPatchInput = z.infer<typeof CustomerPatchInput>;

/** Closing or reopening a customer relationship says why. */
export const CustomerStatusInput = z.strictObject({ reason: singleLineText(500, 3) });

const managerId = identifier();
const changeReason = singleLineText(500, 3);

export const ChangeRequestInput = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('assignment'),
    primaryManagerId: z.optional(z.nullable(managerId)),
    addAssisting: z.optional(listOf(managerId, 10)),
    removeAssisting: z.optional(listOf(managerId, 10)),
    reason: changeReason,
  }),
  z.strictObject({
    kind: z.literal('level'),
    level: identifier(40),
    validUntil: withMeta(z.optional(isoDate), {
      description:
        'Until when the approved level holds against the automatic rules (default: LEVEL_APPROVAL_VALID_DAYS)',
    }),
    reason: changeReason,
  }),
  z
    .strictObject({
      kind: z.literal('contact_points'),
      add: z.optional(listOf(ContactPointInput, 5)),
      remove: z.optional(
        z
          .array(z.strictObject({ kind: z.enum(['phone', 'email']), value: singleLineText(254, 3) }))
          .check(z.maxLength(5)),
      ),
      reason: changeReason,
    })
    .check(z.refine((c) => (c.add?.length ?? 0) + (c.remove?.length ?? 0) > 0, { message: 'add or remove something' })),
  z.strictObject({ kind: z.literal('customer_number'), customerNumber, reason: changeReason }),
]);
export type ChangeRequestInput = z.infer<typeof ChangeRequestInput>;

export const DecisionInput = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  note: z.optional(singleLineText(500)),
  primaryManagerId: withMeta(z.optional(managerId), {
    description: 'Approving an assignment request that names no primary manager: the manager to assign',
  }),
});
export type DecisionInput = z.infer<typeof DecisionInput>;

export const MergeInput = z.strictObject({ mergedId: identifier(), reason: singleLineText(500, 3) });
export type MergeInput = z.infer<typeof MergeInput>;
