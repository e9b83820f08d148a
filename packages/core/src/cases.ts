import * as z from 'zod/mini';
import type { Customer } from './customers';
import { InvalidTransitionError, type FieldIssue } from './errors';
import { identifier, multiLineText, singleLineText, withMeta } from './fields';
import type { Locale } from './locales';

export const caseTypes = ['complaint', 'inquiry'] as const;
export type CaseType = (typeof caseTypes)[number];
export const inquirySubjects = ['product', 'service', 'account', 'other'] as const;
export const casePriorities = ['low', 'normal', 'high', 'urgent'] as const;
export type CasePriority = (typeof casePriorities)[number];
/** Where a case came from: entered in this system, or imported from an external one. */
export const caseOrigins = [
  'agent',
  'manager',
  'web',
  'sms',
  'email',
  'voice',
  'call_center_import',
  'online_banking_import',
] as const;
export type CaseOrigin = (typeof caseOrigins)[number];

export const caseStatuses = ['new', 'acknowledged', 'in_progress', 'resolved', 'closed', 'converted'] as const;
export type CaseStatus = (typeof caseStatuses)[number];

/**
 * The lifecycle, as an explicit table: status -> statuses it may move to. A closed case can be reopened
 * (back to in progress); a converted one lives on as its opportunity.
 */
export const caseTransitions: Record<CaseStatus, readonly CaseStatus[]> = {
  new: ['acknowledged', 'in_progress', 'resolved', 'closed', 'converted'],
  acknowledged: ['in_progress', 'resolved', 'closed', 'converted'],
  in_progress: ['resolved', 'closed', 'converted'],
  resolved: ['closed', 'in_progress'],
  closed: ['in_progress'],
  converted: [],
};

export const openCaseStatuses: readonly CaseStatus[] = ['new', 'acknowledged', 'in_progress'];
export const isOpen = (status: CaseStatus) => openCaseStatuses.includes(status);

/** Resolving and closing say how the case ended (the outcome note). */
export const needsOutcome = (to: CaseStatus) => to === 'resolved' || to === 'closed';

/** A move from resolved or closed back to work. */
export const isReopening = (from: CaseStatus, to: CaseStatus) =>
  (from === 'resolved' || from === 'closed') && isOpen(to);

/** Hours allowed per priority. */
export type HoursByPriority = Record<CasePriority, number>;

/** The seeds' spread around the normal priority's window: urgent a sixth, high half, low double. */
export const hoursByPriority = (normal: number): HoursByPriority => ({
  urgent: normal / 6,
  high: normal / 2,
  normal,
  low: normal * 2,
});

/**
 * Reads a deadline setting: one number (the normal priority's hours, the others by `hoursByPriority`) or every
 * priority spelled out, e.g. `urgent=4,high=12,normal=24,low=48`. Undefined when it is neither.
 */
export function parseHoursByPriority(text: string): HoursByPriority | undefined {
  const value = text.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) > 0 ? hoursByPriority(Number(value)) : undefined;
  const pairs = value.split(',').map((p) => p.split('=').map((s) => s.trim()));
  const table = Object.fromEntries(pairs.map(([k, v]) => [k, Number(v)]));
  const complete =
    pairs.length === casePriorities.length &&
    casePriorities.every((p) => Number.isFinite(table[p]) && table[p]! > 0 && pairs.filter(([k]) => k === p).length);
  return complete ? (table as HoursByPriority) : undefined;
}

/** The two promises a case carries: a first response (leaving `new`) and a resolution, each by priority. */
export interface CaseDeadlinePolicy {
  response: HoursByPriority;
  resolution: HoursByPriority;
}

const hoursAfter = (start: string, hours: number) => new Date(Date.parse(start) + hours * 3_600_000).toISOString();

/**
 * When a new case must have been acted on (moved out of `new`): the seeds' 24–48 hours, by priority.
 * `baseHours` (CASE_RESPOND_WITHIN_HOURS) is the normal priority's window.
 */
export const responseDeadline = (createdAt: string, priority: CasePriority, baseHours: number): string =>
  hoursAfter(createdAt, hoursByPriority(baseHours)[priority]);

/**
 * Both deadlines for the case's priority now: the first response counts from creation, the resolution from
 * creation or from the last reopening. Recomputed whenever the priority changes (escalation makes it urgent).
 */
export const caseDeadlines = (
  c: Pick<Case, 'createdAt' | 'priority' | 'reopenedAt'>,
  policy: CaseDeadlinePolicy,
): Pick<Case, 'respondBy' | 'resolveBy'> => ({
  respondBy: hoursAfter(c.createdAt, policy.response[c.priority]),
  resolveBy: hoursAfter(c.reopenedAt ?? c.createdAt, policy.resolution[c.priority]),
});

/** Waiting for a first response: new and not deleted. */
export const awaitsResponse = (c: Pick<Case, 'status' | 'deleted'>) => c.status === 'new' && !c.deleted;

export const deadlineKinds = ['response', 'resolution'] as const;
export type DeadlineKind = (typeof deadlineKinds)[number];

/** A deadline missed, kept on the case (reports count these) as the sweeper reported it. */
export interface CaseBreach {
  kind: DeadlineKind;
  dueAt: string;
  reportedAt: string;
}

/**
 * The deadlines still watched for a breach: the first response while the case is new, the resolution while it
 * is open; each until its breach was reported (once; the resolution once more after each reopening).
 */
export function watchedDeadlines(
  c: Pick<Case, 'status' | 'deleted' | 'respondBy' | 'resolveBy' | 'breaches' | 'createdAt' | 'reopenedAt'>,
): Partial<Record<DeadlineKind, string>> {
  const periodStart = c.reopenedAt ?? c.createdAt;
  const reported = (kind: DeadlineKind) =>
    (c.breaches ?? []).some((b) => b.kind === kind && (kind === 'response' || b.reportedAt >= periodStart));
  return {
    ...(awaitsResponse(c) && c.respondBy && !reported('response') && { response: c.respondBy }),
    ...(isOpen(c.status) && !c.deleted && c.resolveBy && !reported('resolution') && { resolution: c.resolveBy }),
  };
}

/**
 * What a customer's message does to a case that is no longer open: a resolved case, or one closed within
 * `reopenWithinDays`, is reopened; an older closed case gets a new case linked to it; a converted case keeps the
 * message (the opportunity carries on) and its owner is told.
 */
export function onCustomerMessage(
  c: Pick<Case, 'status' | 'closedAt' | 'updatedAt'>,
  now: Date,
  reopenWithinDays: number,
): 'append' | 'reopen' | 'new_case' {
  if (c.status === 'resolved') return 'reopen';
  if (c.status !== 'closed') return 'append';
  const closedAt = Date.parse(c.closedAt ?? c.updatedAt);
  return now.getTime() - closedAt <= reopenWithinDays * 86_400_000 ? 'reopen' : 'new_case';
}

/** The managers a customer's open cases follow: none (the branch queue) once the relationship is closed. */
export interface CaseManagers {
  primaryManagerId: string | null;
  assistingManagerIds: string[];
}

export const caseManagersOf = (
  customer: Pick<Customer, 'status' | 'primaryManagerId'> & { assistingManagerIds: readonly string[] },
): CaseManagers =>
  customer.status === 'active'
    ? { primaryManagerId: customer.primaryManagerId, assistingManagerIds: [...customer.assistingManagerIds] }
    : { primaryManagerId: null, assistingManagerIds: [] };

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Whether the case already follows these managers. */
export const followsManagers = (c: Pick<Case, 'primaryManagerId' | 'assistingManagerIds'>, m: CaseManagers) =>
  (c.primaryManagerId ?? null) === m.primaryManagerId && sameSet(c.assistingManagerIds, m.assistingManagerIds);

/**
 * The case after its customer's managers changed: a new primary manager takes the case over (whoever it had
 * been assigned to); a change of assisting managers only changes who assists.
 */
export const withManagers = (c: Case, m: CaseManagers): Case => ({
  ...c,
  ownerId: (c.primaryManagerId ?? null) === m.primaryManagerId ? c.ownerId : m.primaryManagerId,
  primaryManagerId: m.primaryManagerId,
  assistingManagerIds: [...m.assistingManagerIds],
});

export function assertCaseTransition(from: CaseStatus, to: CaseStatus): void {
  if (!caseTransitions[from].includes(to)) throw new InvalidTransitionError('case', from, to, caseTransitions[from]);
}

export interface Case {
  /** Staff's reference, e.g. C-2026-000123 (counted per year); also the id and the key. */
  id: string;
  /**
   * The customer's reference (random and checked, see references.ts): the receipt, the status lookup and email
   * subjects use it, so a case cannot be reached by counting. Absent on cases from before it existed.
   */
  publicReference?: string;
  type: CaseType;
  subject?: (typeof inquirySubjects)[number];
  productCode?: string;
  category: string;
  priority: CasePriority;
  title: string;
  description: string;
  status: CaseStatus;
  origin: CaseOrigin;
  /** Who registered it: a user id, or the channel for customer self-service and imports. */
  createdBy: { kind: 'user'; id: string } | { kind: 'channel'; channel: CaseOrigin; externalId?: string };
  customerId: string | null;
  customerNumber?: string;
  customerName?: string;
  branchId: string;
  /**
   * Who works the case: the customer's primary manager, unless it was assigned to someone else; null means the
   * branch queue. Follows the customer when its primary manager changes.
   */
  ownerId: string | null;
  /** The customer's primary manager, kept in step with the customer (see withManagers). */
  primaryManagerId: string | null;
  /** The customer's assisting managers, kept in step with the customer. */
  assistingManagerIds: string[];
  /** For public status checks: the phone/email the submitter gave (normalised). */
  submitterContact?: { phone?: string; email?: string };
  escalated: boolean;
  /** When the case must have left `new` (see caseDeadlines); absent on cases from before it existed. */
  respondBy?: string;
  /** When the case must be resolved (see caseDeadlines). */
  resolveBy?: string;
  /** Deadlines missed, as reported by the sweeper (once each). */
  breaches?: CaseBreach[];
  /** The outcome note of the last resolution or closing: the customer reads it (outcome message, status page). */
  outcome?: string;
  resolvedAt?: string;
  closedAt?: string;
  reopenedAt?: string;
  /** When it happened in the source system (imported cases); createdAt is when it entered this one. */
  occurredAt?: string;
  /** The earlier case a customer wrote on after it had been closed for long. */
  relatedCaseId?: string;
  /** The case opened when the customer wrote on this one after it had been closed for long. */
  followedBy?: string;
  opportunityId?: string;
  /** The language the customer wrote in (the public form's), for messages to them. */
  locale?: Locale;
  deleted: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** A case's type, subject and product code agree: inquiries have a subject, product inquiries a product code. */
export function classificationIssues(c: {
  type: CaseType;
  subject?: string | null;
  productCode?: string | null;
}): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (c.type === 'inquiry' && !c.subject) issues.push({ path: 'subject', message: 'an inquiry needs a subject' });
  if (c.type === 'complaint' && c.subject) issues.push({ path: 'subject', message: 'only inquiries have a subject' });
  if (c.subject === 'product' && !c.productCode) {
    issues.push({ path: 'productCode', message: 'an inquiry about a product needs its product code' });
  }
  return issues;
}

const article = (word: string) => (/^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`);

/** "a complaint", "an inquiry about service". */
export const describeCaseKind = (c: Pick<Case, 'type' | 'subject'>) =>
  `${article(c.type)}${c.subject ? ` about ${c.subject}` : ''}`;

/** What registering a complaint or inquiry takes, whoever registers it. */
export const CaseCreateInput = z
  .strictObject({
    type: z.enum(caseTypes),
    subject: z.optional(z.enum(inquirySubjects)),
    productCode: z.optional(singleLineText(40)),
    category: z._default(singleLineText(80), 'general'),
    priority: z._default(z.enum(casePriorities), 'normal'),
    title: z.optional(singleLineText(200)),
    description: multiLineText(10_000),
    customerId: z.optional(z.nullable(identifier())),
    branchId: z.optional(identifier(40)),
  })
  .check(
    z.superRefine((v, ctx) => {
      for (const issue of classificationIssues(v))
        ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
    }),
  );
export type CaseCreateInput = z.input<typeof CaseCreateInput>;

/** The fields that say what kind of case it is; changing them is a reclassification. */
export const classificationFields = ['type', 'subject', 'productCode', 'category'] as const;

/**
 * Editable fields (type, subject, product code and category reclassify the case), and optionally a status
 * change with a note (required when resolving or closing: the outcome). Owner, origin and customer change
 * through their own flows.
 */
export const CasePatchInput = z.partial(
  z.strictObject({
    type: z.enum(caseTypes),
    subject: z.nullable(z.enum(inquirySubjects)),
    title: singleLineText(200),
    description: multiLineText(10_000),
    category: singleLineText(80),
    priority: z.enum(casePriorities),
    productCode: singleLineText(40),
    status: z.enum(caseStatuses),
    note: multiLineText(2000),
  }),
);
export type CasePatchInput = z.infer<typeof CasePatchInput>;

const reason = singleLineText(500, 3);

/** Give a case to another user (a supervisor, or the owner to a colleague), saying why. */
export const CaseAssignInput = z.strictObject({ ownerId: identifier(), reason });
export type CaseAssignInput = z.infer<typeof CaseAssignInput>;

/** Deleting a case says why. */
export const CaseDeleteInput = z.strictObject({ reason });

export const CaseNoteInput = z.strictObject({ text: multiLineText(5000) });

/** A reply to the customer from the case: by the chosen channel, else the customer's preferred one. */
export const CaseReplyInput = withMeta(
  z.strictObject({
    text: multiLineText(2000),
    channel: withMeta(z.optional(z.enum(['sms', 'email'])), {
      description: "Default: the customer's preferred channel",
    }),
  }),
  { id: 'CaseReply' },
);
export type CaseReplyInput = z.infer<typeof CaseReplyInput>;

/** A case the customer started (not one staff opened on their own): its acknowledgement is exempt from the cap. */
export const customerInitiated = (c: Pick<Case, 'origin'>) => c.origin !== 'manager';
export const CaseRestoreInput = z.strictObject({ reason: z.optional(singleLineText(500)) });
