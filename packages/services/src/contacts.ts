import {
  actorOf,
  allows,
  customerGrants,
  excerptOf,
  NotFoundError,
  outsideRetention,
  ValidationError,
  type Caller,
  type ContactCreateInput,
  type TimelineEntry,
} from '@cc/core';
import { LIVE_CUSTOMER_LABEL, liveCustomerCheck, TransactionRefused, type IdempotencyClaim } from '@cc/store';
import type { PreparedCase } from './case-opening';
import type { CaseService } from './cases';
import type { ContactRecorder, Recorded, ResolvedSender } from './contact-recorder';
import type { ServiceContext } from './context';
import type { CustomerContactService } from './customer-contact';
import type { CustomerService } from './customers';

export type LoggedContact = TimelineEntry & { caseId?: string };

/** A call happened within the retention period and not in the future. */
function assertPlausibleTimes(input: ContactCreateInput, now: Date, retentionDays: number): void {
  const issues = [
    ...outsideRetention(input.startedAt, now, retentionDays, 'startedAt'),
    ...(input.endedAt ? outsideRetention(input.endedAt, now, retentionDays, 'endedAt') : []),
  ];
  if (issues.length) throw new ValidationError('The call times are not plausible', issues);
}

function durationOf(input: ContactCreateInput): number | undefined {
  if (input.endedAt) {
    const seconds = Math.round((Date.parse(input.endedAt) - Date.parse(input.startedAt)) / 1000);
    if (seconds < 0) {
      throw new ValidationError('The call cannot end before it starts', [
        { path: 'endedAt', message: 'before startedAt' },
      ]);
    }
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
export function contactService(
  ctx: ServiceContext,
  deps: {
    recorder: ContactRecorder;
    customers: CustomerService;
    cases: CaseService;
    guard: Pick<CustomerContactService, 'judgeCall'>;
  },
) {
  const { recorder, customers, cases, guard } = deps;

  /**
   * Who may read any customer (agents) may log a call for any: the transaction then only checks the customer
   * exists, instead of a read first.
   */
  const checkedInTransaction = (caller: Caller) => allows(customerGrants.read, caller.role, []);

  async function whoFor(
    caller: Caller,
    input: ContactCreateInput,
  ): Promise<ResolvedSender | { customerId: string; sender?: undefined }> {
    if (input.customerId) {
      if (!checkedInTransaction(caller)) await customers.readable(caller, input.customerId);
      return { customerId: input.customerId };
    }
    const kind = input.phone ? 'phone' : input.email ? 'email' : undefined;
    if (!kind) {
      throw new ValidationError('Give customerId, phone or email', [
        { path: 'customerId', message: 'one of customerId, phone, email is required' },
      ]);
    }
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

  /** A call names a case the caller may read, and one of the same customer (never another customer's case). */
  async function assertCaseOf(caller: Caller, caseId: string, customerId: string | null): Promise<void> {
    const c = await cases.loadFor(caller, caseId, 'read');
    if (c.deleted || !customerId || c.customerId !== customerId) throw new NotFoundError('case', caseId);
  }

  async function log(
    caller: Caller,
    input: ContactCreateInput,
    claim: IdempotencyClaim | undefined,
  ): Promise<Recorded<LoggedContact>> {
    if (input.case && input.caseId) {
      throw new ValidationError('Give caseId or case, not both', [{ path: 'case', message: 'conflicts with caseId' }]);
    }
    assertPlausibleTimes(input, ctx.clock(), ctx.settings.RETENTION_DAYS);
    const who = await whoFor(caller, input);
    if (input.case && !who.customerId) {
      throw new ValidationError('A case needs an identified customer', [
        { path: 'case', message: 'the caller could not be identified' },
      ]);
    }
    const durationSeconds = durationOf(input);
    if (input.caseId) await assertCaseOf(caller, input.caseId, who.customerId);
    let opened: PreparedCase | undefined;
    const liveCheck =
      who.customerId && checkedInTransaction(caller) ? [liveCustomerCheck(ctx.store, who.customerId)] : [];
    const recorded = await recorder
      .record<LoggedContact>(
        {
          customerId: who.customerId,
          sender: who.sender,
          channel: 'voice',
          direction: input.direction,
          occurredAt: new Date(input.startedAt).toISOString(),
          actor: actorOf(caller),
          summary:
            `${input.direction === 'inbound' ? 'Inbound' : 'Outbound'} call: ${input.outcome.replace(/_/g, ' ')}` +
            `${input.notes ? ` — ${excerptOf(input.notes, 120)}` : ''}`,
          details: {
            outcome: input.outcome,
            notes: input.notes,
            // Times are kept in UTC (Z), whatever offset the agent's client sent.
            startedAt: new Date(input.startedAt).toISOString(),
            ...(input.endedAt && { endedAt: new Date(input.endedAt).toISOString() }),
            ...(durationSeconds !== undefined && { durationSeconds }),
            loggedBy: caller.userId,
          },
        },
        {
          claim,
          // A retry of a request that already succeeded is answered before any work.
          replayFirst: !!input.case,
          // A case opened with the call commits in the contact's transaction, with its idempotency record: a
          // duplicate (concurrent or retried) or a crash leaves both or neither, never a case without its contact.
          extra: async (entry) => {
            // The call happened: it is logged whatever the guard says, flagged with the rules it broke (a stable
            // attribute, details.guard.broken, that reports count), and it counts towards the customer's cap.
            const call =
              input.direction === 'outbound' && entry.customerId
                ? await guard.judgeCall(entry.customerId, new Date(input.startedAt), entry.id)
                : undefined;
            if (call?.details) entry.details = { ...entry.details, guard: call.details };
            const guarded = call ? [call.item] : [];
            // Last, as it takes the case's number: see PreparedCase.settled.
            opened = input.case
              ? await cases.prepare({ caller }, { ...input.case, customerId: entry.customerId })
              : undefined;
            const caseId = opened?.case.id ?? input.caseId;
            if (caseId) entry.links = { ...entry.links, caseId };
            return {
              items: [...liveCheck, ...guarded, ...(opened?.items ?? [])],
              openCases: opened?.counters?.openCases,
              settled: opened?.settled,
            };
          },
          respond: (entry) => ({
            status: 201,
            body: { ...entry, ...(entry.links.caseId && { caseId: entry.links.caseId }) },
          }),
        },
      )
      .catch((error: unknown) => {
        if (error instanceof TransactionRefused && error.failedLabels.includes(LIVE_CUSTOMER_LABEL)) {
          throw new NotFoundError('customer', who.customerId!);
        }
        throw error;
      });
    if (!recorded.replayed && opened) await cases.afterCommit(opened);
    return recorded;
  }

  return { log };
}

export type ContactService = ReturnType<typeof contactService>;
