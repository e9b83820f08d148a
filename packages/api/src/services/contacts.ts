import { z } from '@hono/zod-openapi';
import {
  actorOf,
  casePriorities,
  NotFoundError,
  caseTypes,
  excerptOf,
  inquirySubjects,
  ValidationError,
  type Caller,
  type TimelineEntry,
} from '@cc/core';
import {
  findStoredResponse,
  LIVE_CUSTOMER_LABEL,
  liveCustomerCheck,
  TransactionRefused,
  type IdempotencyClaim,
} from '@cc/store';
import type { AppDeps } from '../deps';
import { customerService } from './customers';
import { contactRecorder, type ResolvedSender } from './intake';

export const contactOutcomes = [
  'resolved',
  'follow_up',
  'callback_requested',
  'transferred',
  'no_answer',
  'voicemail',
  'complaint_registered',
  'other',
] as const;

/** A complaint or inquiry opened in the same request as the call that raised it. */
export const ContactCaseInput = z
  .object({
    type: z.enum(caseTypes),
    category: z.string().trim().min(1).max(40),
    title: z.string().trim().min(3).max(200),
    description: z.string().trim().min(1).max(5000),
    priority: z.enum(casePriorities).optional(),
    subject: z.enum(inquirySubjects).optional(),
    productCode: z.string().trim().max(40).optional(),
  })
  .strict();
export type ContactCaseInput = z.infer<typeof ContactCaseInput>;

export const ContactCreateInput = z
  .object({
    customerId: z.string().min(1).max(80).optional(),
    phone: z.string().min(3).max(40).optional(),
    email: z.string().min(3).max(254).optional(),
    direction: z.enum(['inbound', 'outbound']),
    channel: z.literal('voice').default('voice'),
    startedAt: z.iso.datetime({ offset: true }),
    endedAt: z.iso.datetime({ offset: true }).optional(),
    durationSeconds: z.number().int().min(0).max(86_400).optional(),
    outcome: z.enum(contactOutcomes),
    notes: z.string().max(5000).default(''),
    caseId: z
      .string()
      .min(1)
      .max(40)
      .optional()
      .openapi({ description: 'An existing complaint/inquiry this call was about' }),
    case: ContactCaseInput.optional().openapi({
      description: 'Open a complaint or inquiry for this customer in the same request',
    }),
  })
  .strict()
  .openapi('ContactCreate');
export type ContactCreateInput = z.infer<typeof ContactCreateInput>;

/** Opens a case for a logged contact; provided by the case service once it exists (see wiring in routes/contacts.ts). */
export type OpenCaseForContact = (
  caller: Caller,
  customerId: string,
  input: ContactCaseInput,
  contactId: string,
) => Promise<{ caseId: string }>;

function durationOf(input: ContactCreateInput): number | undefined {
  if (input.endedAt) {
    const seconds = Math.round((Date.parse(input.endedAt) - Date.parse(input.startedAt)) / 1000);
    if (seconds < 0)
      throw new ValidationError('The call cannot end before it starts', [
        { path: 'endedAt', message: 'before startedAt' },
      ]);
    if (input.durationSeconds !== undefined && Math.abs(input.durationSeconds - seconds) > 1) {
      throw new ValidationError('durationSeconds disagrees with startedAt/endedAt', [
        { path: 'durationSeconds', message: 'give one or the other' },
      ]);
    }
    return seconds;
  }
  return input.durationSeconds;
}

/** Agents log calls: the customer by id, or by a phone/email that is resolved (unknown callers stay unidentified). */
export function contactService(deps: AppDeps, openCase?: OpenCaseForContact) {
  const recorder = contactRecorder(deps);
  const customers = customerService(deps);

  /** Agents may log a call for any customer, so for them the transaction checks the customer instead of a read. */
  const checkedInTransaction = (caller: Caller) => caller.role === 'agent';

  async function whoFor(
    caller: Caller,
    input: ContactCreateInput,
  ): Promise<ResolvedSender | { customerId: string; sender?: undefined }> {
    if (input.customerId) {
      if (!checkedInTransaction(caller)) await customers.readable(caller, input.customerId);
      return { customerId: input.customerId };
    }
    const kind = input.phone ? 'phone' : input.email ? 'email' : undefined;
    if (!kind)
      throw new ValidationError('Give customerId, phone or email', [
        { path: 'customerId', message: 'one of customerId, phone, email is required' },
      ]);
    const resolved = await recorder.resolveSender(kind, (kind === 'phone' ? input.phone : input.email)!);
    if (!resolved) throw new ValidationError(`Not a valid ${kind}`, [{ path: kind, message: 'invalid' }]);
    if (resolved.customerId && !checkedInTransaction(caller)) {
      // Resolved, but outside the caller's scope: keep the contact unidentified rather than reveal whose it is.
      const visible = await customers.readable(caller, resolved.customerId).then(
        () => true,
        () => false,
      );
      if (!visible) return { customerId: null, sender: resolved.sender };
    }
    return resolved;
  }

  async function log(caller: Caller, input: ContactCreateInput, claim: IdempotencyClaim | undefined) {
    if (input.case && input.caseId)
      throw new ValidationError('Give caseId or case, not both', [{ path: 'case', message: 'conflicts with caseId' }]);
    const who = await whoFor(caller, input);
    if (input.case && !who.customerId)
      throw new ValidationError('A case needs an identified customer', [
        { path: 'case', message: 'the caller could not be identified' },
      ]);
    if (input.case && !openCase)
      throw new ValidationError(
        'Cases cannot be opened here yet',
        [{ path: 'case', message: 'not available' }],
        'case.unavailable',
      );
    const durationSeconds = durationOf(input);
    // A retry of a request that already succeeded must not open a second case (without one, the claim in the transaction suffices).
    const stored =
      claim && input.case && (await findStoredResponse<TimelineEntry & { caseId?: string }>(deps.store, claim));
    if (stored) return { response: stored, replayed: true };
    let caseId = input.caseId;
    const liveCheck =
      who.customerId && checkedInTransaction(caller) ? [liveCustomerCheck(deps.store, who.customerId)] : [];
    const recorded = await recorder
      .record<TimelineEntry & { caseId?: string }>(
        {
          customerId: who.customerId,
          sender: who.sender,
          channel: 'voice',
          direction: input.direction,
          occurredAt: new Date(input.startedAt).toISOString(),
          actor: actorOf(caller),
          summary: `${input.direction === 'inbound' ? 'Inbound' : 'Outbound'} call: ${input.outcome.replace(/_/g, ' ')}${input.notes ? ` — ${excerptOf(input.notes, 120)}` : ''}`,
          details: {
            outcome: input.outcome,
            notes: input.notes,
            startedAt: input.startedAt,
            ...(input.endedAt && { endedAt: input.endedAt }),
            ...(durationSeconds !== undefined && { durationSeconds }),
            loggedBy: caller.userId,
          },
        },
        {
          claim,
          extra: async (entry) => {
            // The case is created first (its own transaction); the contact links it. A retry with the same
            // Idempotency-Key that lost the race replays the stored answer, so at most one contact points at it.
            if (input.case && !caseId)
              caseId = (await openCase!(caller, entry.customerId!, input.case, entry.id)).caseId;
            if (caseId) entry.links = { ...entry.links, caseId };
            return liveCheck;
          },
          casesOpenedWithIt: input.case ? 1 : 0,
          respond: (entry) => ({ status: 201, body: { ...entry, ...(caseId && { caseId }) } }),
        },
      )
      .catch((error: unknown) => {
        if (error instanceof TransactionRefused && error.failedLabels.includes(LIVE_CUSTOMER_LABEL))
          throw new NotFoundError('customer', who.customerId!);
        throw error;
      });
    return recorded;
  }

  return { log, recorder };
}
