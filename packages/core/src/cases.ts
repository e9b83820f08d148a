import * as z from 'zod';
import { InvalidTransitionError } from './errors';
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
  /** Human reference, e.g. C-2026-000123; also the id. */
  id: string;
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
  /** What staff tell the customer about the outcome (the resolved/closed message, the status page). */
  resolution?: string;
  /** The language the customer wrote in (the public form's), for messages to them. */
  locale?: Locale;
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
    productCode: z.string().trim().min(1).max(40).optional(),
    category: z.string().trim().min(1).max(80).default('general'),
    priority: z.enum(casePriorities).default('normal'),
    title: z.string().trim().min(1).max(200).optional(),
    description: z.string().trim().min(1).max(10_000),
    customerId: z.string().min(1).max(80).nullable().optional(),
    branchId: z.string().min(1).max(40).optional(),
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
    title: z.string().trim().min(1).max(200),
    description: z.string().trim().min(1).max(10_000),
    category: z.string().trim().min(1).max(80),
    priority: z.enum(casePriorities),
    productCode: z.string().trim().min(1).max(40),
    resolution: z.string().trim().min(1).max(2000).meta({
      description: 'The outcome in words for the customer: sent when resolved or closed, shown on the status page',
    }),
    status: z.enum(caseStatuses),
    note: z.string().trim().min(1).max(2000),
  })
  .partial()
  .strict();
export type CasePatchInput = z.infer<typeof CasePatchInput>;

export const CaseNoteInput = z.object({ text: z.string().trim().min(1).max(5000) }).strict();

/** A reply to the customer from the case: by the chosen channel, else the customer's preferred one. */
export const CaseReplyInput = z
  .object({
    text: z.string().trim().min(1).max(2000),
    channel: z.enum(['sms', 'email']).optional().meta({ description: "Default: the customer's preferred channel" }),
  })
  .strict()
  .meta({ id: 'CaseReply' });
export type CaseReplyInput = z.infer<typeof CaseReplyInput>;

/** A case that came from the customer (not one staff opened on their own): its acknowledgement is exempt from the cap. */
export const customerInitiated = (c: Pick<Case, 'origin'>) => c.origin !== 'manager';
export const CaseRestoreInput = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();
