import * as z from 'zod';
import { InvalidTransitionError } from './errors';
import { identifier, multiLineText, singleLineText } from './fields';

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

/** The lifecycle, as an explicit table: status -> statuses it may move to. */
export const caseTransitions: Record<CaseStatus, readonly CaseStatus[]> = {
  new: ['acknowledged', 'in_progress', 'resolved', 'closed', 'converted'],
  acknowledged: ['in_progress', 'resolved', 'closed', 'converted'],
  in_progress: ['resolved', 'closed', 'converted'],
  resolved: ['closed', 'in_progress'],
  closed: [],
  converted: [],
};

export const openCaseStatuses: readonly CaseStatus[] = ['new', 'acknowledged', 'in_progress'];
export const isOpen = (status: CaseStatus) => openCaseStatuses.includes(status);

/**
 * When a new case must have been acted on (moved out of `new`): the seeds' 24–48 hours, by priority.
 * `baseHours` (CASE_RESPOND_WITHIN_HOURS) is the normal priority's window.
 */
export function responseDeadline(createdAt: string, priority: CasePriority, baseHours: number): string {
  const hours = { urgent: baseHours / 6, high: baseHours / 2, normal: baseHours, low: baseHours * 2 }[priority];
  return new Date(Date.parse(createdAt) + hours * 3_600_000).toISOString();
}

/** Waiting for a first response: new and not deleted. */
export const awaitsResponse = (c: Pick<Case, 'status' | 'deleted'>) => c.status === 'new' && !c.deleted;

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
  /** The customer's primary manager when the case was opened; null means the branch queue. */
  ownerId: string | null;
  assistingManagerIds: string[];
  /** For public status checks: the phone/email the submitter gave (normalised). */
  submitterContact?: { phone?: string; email?: string };
  escalated: boolean;
  /** When the case must have left `new` (see responseDeadline); absent on cases from before it existed. */
  respondBy?: string;
  opportunityId?: string;
  deleted: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** What registering a complaint or inquiry takes, whoever registers it. */
export const CaseCreateInput = z
  .object({
    type: z.enum(caseTypes),
    subject: z.enum(inquirySubjects).optional(),
    productCode: singleLineText(40).optional(),
    category: singleLineText(80).default('general'),
    priority: z.enum(casePriorities).default('normal'),
    title: singleLineText(200).optional(),
    description: multiLineText(10_000),
    customerId: identifier().nullable().optional(),
    branchId: identifier(40).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.type === 'inquiry' && !v.subject) {
      ctx.addIssue({ code: 'custom', path: ['subject'], message: 'an inquiry needs a subject' });
    }
    if (v.type === 'complaint' && v.subject) {
      ctx.addIssue({ code: 'custom', path: ['subject'], message: 'only inquiries have a subject' });
    }
    if (v.subject === 'product' && !v.productCode) {
      ctx.addIssue({
        code: 'custom',
        path: ['productCode'],
        message: 'an inquiry about a product needs its product code',
      });
    }
  });
export type CaseCreateInput = z.input<typeof CaseCreateInput>;

/** Editable fields, and optionally a status change with a note; owner, origin and customer are fixed. */
export const CasePatchInput = z
  .object({
    title: singleLineText(200),
    description: multiLineText(10_000),
    category: singleLineText(80),
    priority: z.enum(casePriorities),
    productCode: singleLineText(40),
    status: z.enum(caseStatuses),
    note: multiLineText(2000),
  })
  .partial()
  .strict();
export type CasePatchInput = z.infer<typeof CasePatchInput>;

export const CaseNoteInput = z.object({ text: multiLineText(5000) }).strict();
export const CaseRestoreInput = z.object({ reason: singleLineText(500).optional() }).strict();
