import {
  actorOf,
  assertCaseTransition,
  caseRelations,
  ConflictError,
  describeCaseKind,
  DomainError,
  mayOnCase,
  NotFoundError,
  type Actor,
  type Caller,
  type Case,
  type ConvertInput,
  type Customer,
  type Opportunity,
} from '@cc/core';
import {
  caseRepository,
  CASE_LABEL,
  customerRepository,
  isDuplicateClaim,
  transact,
  TransactionRefused,
  type IdempotencyClaim,
  type LabelledItem,
} from '@cc/store';
import { statusChange } from './case-changes';
import type { ServiceContext } from './context';
import type { NoticeService } from './notices';
import type { OpportunityService } from './opportunities';

/**
 * The case side of a conversion, from the cases service: the case moves to `converted` with the
 * opportunity's id only if it is still at the version read, plus its history line, and the
 * open-case mirror and counter go.
 */
export const caseConversionItems = (
  ctx: ServiceContext,
  before: Case,
  opportunityId: string,
  actor: Actor,
  note?: string,
): LabelledItem[] =>
  statusChange(ctx, before, 'converted', actor, note ?? `converted into opportunity ${opportunityId}`, {
    opportunityId,
  }).items;

export const alreadyConverted = (c: Case) =>
  new ConflictError(
    'opportunity.already_converted',
    `Case ${c.id} was already converted into opportunity ${c.opportunityId}`,
    { caseId: c.id, opportunityId: c.opportunityId },
  );

/** Only product inquiries become opportunities; complaints and other inquiries are refused (409). */
export function assertConvertible(c: Case): void {
  if (c.status === 'converted') throw alreadyConverted(c);
  if (c.type !== 'inquiry' || c.subject !== 'product') {
    throw new DomainError(
      'case.not_convertible',
      `Only product inquiries can be converted; case ${c.id} is ${describeCaseKind(c)}`,
      { caseId: c.id, caseType: c.type, subject: c.subject ?? null },
    );
  }
  assertCaseTransition(c.status, 'converted');
}

const MAX_ATTEMPTS = 4;

export function conversionService(
  ctx: ServiceContext,
  deps: { opportunities: OpportunityService; notices: NoticeService },
) {
  const cases = caseRepository(ctx.store);
  const customers = customerRepository(ctx.store);
  const { opportunities, notices } = deps;

  /** In scope: the case's (or its customer's) primary/assisting managers and the branch's supervisors/admins. */
  async function caseInScope(caller: Caller, caseId: string): Promise<{ found: Case; customer?: Customer }> {
    const found = await cases.get(caseId, true);
    if (!found || found.deleted) throw new NotFoundError('case', caseId);
    const customer = found.customerId ? await customers.get(found.customerId) : undefined;
    if (!mayOnCase(caller, 'convert', caseRelations(caller, found, customer))) throw new NotFoundError('case', caseId);
    return { found, customer };
  }

  /**
   * Turns a product inquiry into an opportunity in one transaction: the opportunity (+ branch copy,
   * 360 mirror, first stage entry), the case's move to converted (version-conditioned), the open-case
   * mirror and counter, the timeline entry and the team's notices, plus `extra` (the idempotency record).
   * A concurrent change to the case refuses the whole transaction; it is re-read and re-judged, so a
   * second convert ends in `opportunity.already_converted`.
   */
  const convert = (caller: Caller, caseId: string, input: ConvertInput, claim?: IdempotencyClaim) =>
    opportunities.createOnce(claim, (extra) => convertOnce(caller, caseId, input, extra));

  async function convertOnce(
    caller: Caller,
    caseId: string,
    input: ConvertInput,
    extra: (opp: Opportunity) => LabelledItem[],
  ): Promise<Opportunity> {
    for (let attempt = 1; ; attempt++) {
      const { found, customer } = await caseInScope(caller, caseId);
      assertConvertible(found);
      const now = ctx.clock();
      const { note, productCode, ...terms } = input;
      const prospect = customer ? undefined : { name: found.customerName ?? found.title, ...found.submitterContact };
      const opp = await opportunities.draft(
        { ...terms, productCode: productCode ?? found.productCode ?? 'unspecified' },
        {
          customer,
          prospect,
          branchId: found.branchId,
          defaultOwnerId: customer?.primaryManagerId ?? found.ownerId ?? caller.userId,
          source: {
            kind: 'case',
            caseId: found.id,
            channel: found.origin,
            ...(found.submitterContact && { contact: found.submitterContact }),
          },
        },
        now,
      );
      const actor = actorOf(caller);
      const { items, notifications } = opportunities.openingItems(
        opp,
        actor,
        now,
        `Inquiry ${found.id} converted into an opportunity for ${opp.productCode}`,
        found.id,
      );
      try {
        await transact(ctx.store, [...caseConversionItems(ctx, found, opp.id, actor, note), ...items, ...extra(opp)]);
      } catch (error) {
        if (isDuplicateClaim(error)) throw error;
        const raced =
          (error instanceof TransactionRefused && error.failedLabels.includes(CASE_LABEL)) ||
          (error instanceof ConflictError && error.code === 'store.concurrent_write');
        if (raced && attempt < MAX_ATTEMPTS) continue;
        throw raced ? new ConflictError('case.stale', 'The case kept changing; reload and retry') : error;
      }
      await notices.publish(notifications);
      return opp;
    }
  }

  return { convert };
}
