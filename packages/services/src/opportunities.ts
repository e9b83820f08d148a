import {
  actorOf,
  assertOpportunityTransition,
  ConflictError,
  ForbiddenError,
  fromMinor,
  isOpenStage,
  mayOnCustomer,
  mayOnOpportunity,
  NotFoundError,
  opportunityRelations,
  toMinor,
  ValidationError,
  type Activity,
  type ActivityInput,
  type Actor,
  type Caller,
  type Customer,
  type Opportunity,
  type OpportunityCreateInput,
  type OpportunityPatchInput,
  type OpportunitySource,
  type OpportunityStage,
  type OpportunityTerms,
  type PipelineViewName,
  type Prospect,
  type StageInput,
  type TimelineEntry,
} from '@cc/core';
import { tryNormaliseEmail, tryNormalisePhone } from '@cc/channels';
import {
  activityItem,
  customerRepository,
  newOpportunityItems,
  opportunityRepository,
  savedOpportunityItems,
  stageChangeItem,
  timelineItem,
  userRepository,
  withIdempotency,
  type IdempotencyClaim,
  type LabelledItem,
  type RecordFor,
  type PipelineFilter,
  type PipelineView,
  type User,
} from '@cc/store';
import { assertAssignable } from './assignees';
import type { ServiceContext } from './context';
import type { NoticeService } from './notices';
import { teamNotices, TOTALS_MAX_ITEMS, type OpportunityUpkeep } from './opportunity-upkeep';

export { TOTALS_MAX_ITEMS };

/** An activity as recorded, with the opportunity as it stands after it (its next step may have changed). */
export interface RecordedActivity {
  activity: Activity;
  opportunity: Opportunity;
}

export interface PipelineTotals {
  truncated: boolean;
  count: number;
  amounts: Record<string, number>;
  byStage: Partial<Record<OpportunityStage, { count: number; amounts: Record<string, number> }>>;
}

/** Counts and per-currency sums (exact, in minor units) by stage. */
export function pipelineTotals(items: Opportunity[], truncated: boolean): PipelineTotals {
  const add = (into: Record<string, number>, opp: Opportunity) => {
    into[opp.currency] = (into[opp.currency] ?? 0) + toMinor(opp.expectedAmount);
  };
  const overall: Record<string, number> = {};
  const byStage: Partial<Record<OpportunityStage, { count: number; amounts: Record<string, number> }>> = {};
  for (const opp of items) {
    add(overall, opp);
    const stage = (byStage[opp.stage] ??= { count: 0, amounts: {} });
    stage.count++;
    add(stage.amounts, opp);
  }
  const major = (minor: Record<string, number>) =>
    Object.fromEntries(Object.entries(minor).map(([c, v]) => [c, fromMinor(v)]));
  for (const stage of Object.values(byStage)) stage.amounts = major(stage.amounts);
  return { truncated, count: items.length, amounts: major(overall), byStage };
}

export function opportunityService(ctx: ServiceContext, deps: { notices: NoticeService; upkeep: OpportunityUpkeep }) {
  const repo = opportunityRepository(ctx.store);
  const users = userRepository(ctx.store);
  const customers = customerRepository(ctx.store);
  const { notices, upkeep } = deps;

  /**
   * The owner must be an active manager or supervisor of the opportunity's branch; their team and supervisor join
   * the opportunity's team. Collaborators are active managers or supervisors of the branch too.
   */
  async function ownerOf(ownerId: string, branchId: string): Promise<User> {
    const found = await assertAssignable(users, [{ id: ownerId, path: 'ownerId' }], branchId, 'assignment.invalid');
    return found.get(ownerId)!;
  }

  const assertCollaborators = (ids: readonly string[], branchId: string) =>
    assertAssignable(
      users,
      [...new Set(ids)].map((id) => ({ id, path: 'collaboratorIds' })),
      branchId,
      'assignment.invalid',
    );

  function normaliseProspect(prospect: Prospect): Prospect {
    const phone = prospect.phone === undefined ? undefined : tryNormalisePhone(prospect.phone);
    const email = prospect.email === undefined ? undefined : tryNormaliseEmail(prospect.email);
    const issues = [
      ...(prospect.phone !== undefined && !phone ? [{ path: 'prospect.phone', message: 'not a valid phone' }] : []),
      ...(prospect.email !== undefined && !email ? [{ path: 'prospect.email', message: 'not a valid email' }] : []),
    ];
    if (issues.length) throw new ValidationError('The prospect has invalid contact details', issues);
    return { name: prospect.name, ...(phone && { phone }), ...(email && { email }) };
  }

  /** Builds a new opportunity at stage `new`. */
  async function draft(
    terms: OpportunityTerms,
    about: {
      customer?: Customer;
      prospect?: Prospect;
      branchId: string;
      defaultOwnerId: string;
      source: OpportunitySource;
    },
    now: Date,
  ): Promise<Opportunity> {
    const [owner] = await Promise.all([
      ownerOf(terms.ownerId ?? about.defaultOwnerId, about.branchId),
      assertCollaborators(terms.collaboratorIds, about.branchId),
    ]);
    const at = now.toISOString();
    const { customer } = about;
    return {
      id: ctx.newId(now.getTime()),
      title: terms.title ?? `${terms.productCode} for ${customer?.name ?? about.prospect?.name ?? 'prospect'}`,
      customerId: customer?.id ?? null,
      ...(customer && { customerNumber: customer.customerNumber, customerName: customer.name }),
      ...(about.prospect && { prospect: normaliseProspect(about.prospect) }),
      branchId: about.branchId,
      productCode: terms.productCode,
      expectedAmount: terms.expectedAmount,
      currency: terms.currency,
      expectedCloseDate: terms.expectedCloseDate,
      stage: 'new',
      ownerId: owner.id,
      collaboratorIds: [...new Set(terms.collaboratorIds)].filter((id) => id !== owner.id),
      ...(owner.supervisorId && { supervisorId: owner.supervisorId }),
      ...(owner.teamId && { teamId: owner.teamId }),
      source: about.source,
      ...(terms.nextStep && { nextStep: { ...terms.nextStep } }),
      version: 1,
      createdAt: at,
      updatedAt: at,
    };
  }

  function timelineFor(opp: Opportunity, actor: Actor, at: string, summary: string, caseId?: string): LabelledItem[] {
    if (!opp.customerId) return [];
    const entry: TimelineEntry = {
      id: ctx.newId(Date.parse(at)),
      customerId: opp.customerId,
      type: 'opportunity',
      channel: 'system',
      direction: 'internal',
      occurredAt: at,
      actor,
      summary,
      links: { opportunityId: opp.id, ...(caseId && { caseId }) },
      details: { stage: opp.stage, productCode: opp.productCode },
    };
    return [timelineItem(ctx.store, entry, ctx.settings.RETENTION_DAYS)];
  }

  /**
   * Everything that opens an opportunity, to go in one transaction with the caller's own writes:
   * the opportunity and its copies, the first stage entry, the customer's timeline and the team's notices.
   */
  function openingItems(opp: Opportunity, actor: Actor, now: Date, summary: string, caseId?: string) {
    const at = now.toISOString();
    const { notifications, items: noticeItems } = notices.draft(
      teamNotices(
        opp,
        'opportunity_created',
        `New opportunity: ${opp.title}`,
        `${summary}; expected ${opp.expectedAmount} ${opp.currency} by ${opp.expectedCloseDate}`,
        caseId,
      ),
      now,
    );
    const items = [
      ...newOpportunityItems(ctx.store, opp),
      stageChangeItem(ctx.store, {
        id: ctx.newId(now.getTime()),
        opportunityId: opp.id,
        from: null,
        to: 'new',
        at,
        actor,
        ...(caseId && { note: `converted from case ${caseId}` }),
      }),
      ...timelineFor(opp, actor, at, summary, caseId),
      ...noticeItems,
    ];
    return { items, notifications };
  }

  async function createFor(
    caller: Caller,
    opp: Opportunity,
    summary: string,
    extra: (opp: Opportunity) => LabelledItem[],
  ): Promise<Opportunity> {
    const { items, notifications } = openingItems(opp, actorOf(caller), new Date(opp.createdAt), summary);
    await repo.write([...items, ...extra(opp)]);
    await notices.publish(notifications);
    return opp;
  }

  /** A customer the caller manages or supervises; anything else is not found. */
  async function customerInScope(caller: Caller, customerId: string): Promise<Customer> {
    const customer = await customers.get(customerId);
    if (!customer || customer.status === 'merged' || !mayOnCustomer(caller, 'change', customer)) {
      throw new NotFoundError('customer', customerId);
    }
    return customer;
  }

  /** For a customer (customerId) or a new customer (prospect), once per idempotency claim. */
  const create = (caller: Caller, input: OpportunityCreateInput, claim?: IdempotencyClaim) =>
    createOnce(claim, (extra) => open(caller, input, extra));

  async function open(
    caller: Caller,
    input: OpportunityCreateInput,
    extra: (opp: Opportunity) => LabelledItem[],
  ): Promise<Opportunity> {
    if (!mayOnOpportunity(caller, 'create', [])) {
      throw new ForbiddenError('Agents register inquiries; a manager converts or opens opportunities');
    }
    const now = ctx.clock();
    const { customerId, prospect, ...terms } = input;
    if (customerId) {
      const customer = await customerInScope(caller, customerId);
      const source: OpportunitySource = { kind: 'customer_record' };
      const opp = await draft(
        terms,
        { customer, branchId: customer.branchId, defaultOwnerId: customer.primaryManagerId ?? caller.userId, source },
        now,
      );
      return createFor(caller, opp, `Opportunity opened for ${terms.productCode}`, extra);
    }
    const source: OpportunitySource = { kind: 'direct' };
    const opp = await draft(
      terms,
      { prospect: prospect!, branchId: caller.branchId, defaultOwnerId: caller.userId, source },
      now,
    );
    return createFor(caller, opp, `New-customer opportunity for ${terms.productCode}`, extra);
  }

  /**
   * Readable: the team (owner, collaborators, owner's supervisor), supervisors/admins of the branch,
   * the owner's teammates, and the customer's managers. Anyone else gets a 404. The relations that need a
   * read (the caller's team, the customer) are looked up only when the others do not decide.
   */
  async function readable(caller: Caller, id: string, consistent = false): Promise<Opportunity> {
    const opp = await repo.get(id, consistent);
    if (opp && (await mayRead(caller, opp))) return opp;
    throw new NotFoundError('opportunity', id);
  }

  async function mayRead(caller: Caller, opp: Opportunity): Promise<boolean> {
    if (mayOnOpportunity(caller, 'read', opportunityRelations(caller, opp))) return true;
    const callerTeamId = opp.teamId ? (await users.get(caller.userId))?.teamId : undefined;
    if (mayOnOpportunity(caller, 'read', opportunityRelations(caller, opp, { callerTeamId }))) return true;
    const customer = opp.customerId ? await customers.get(opp.customerId) : undefined;
    return (
      !!customer && mayOnOpportunity(caller, 'read', opportunityRelations(caller, opp, { callerTeamId, customer }))
    );
  }

  /** Changeable: the owner or a supervisor/admin of the branch; readers without that right get a 403. */
  async function changeable(caller: Caller, id: string): Promise<Opportunity> {
    const opp = await readable(caller, id, true);
    if (!mayOnOpportunity(caller, 'change', opportunityRelations(caller, opp))) {
      throw new ForbiddenError(
        'Only the owner or a supervisor of the branch may change this opportunity',
        'opportunity.forbidden',
      );
    }
    return opp;
  }

  const assertOpen = (opp: Opportunity) => {
    if (!isOpenStage(opp.stage))
      throw new ConflictError('opportunity.closed', `The opportunity is ${opp.stage}; it can no longer change`, {
        stage: opp.stage,
      });
  };

  async function update(
    caller: Caller,
    id: string,
    expectedVersion: number,
    patch: OpportunityPatchInput,
  ): Promise<Opportunity> {
    const before = await changeable(caller, id);
    assertOpen(before);
    if (patch.collaboratorIds) await assertCollaborators(patch.collaboratorIds, before.branchId);
    const now = ctx.clock().toISOString();
    const after: Opportunity = {
      ...before,
      ...(patch.title !== undefined && { title: patch.title }),
      ...(patch.expectedAmount !== undefined && { expectedAmount: patch.expectedAmount }),
      ...(patch.currency !== undefined && { currency: patch.currency }),
      ...(patch.expectedCloseDate !== undefined && { expectedCloseDate: patch.expectedCloseDate }),
      ...(patch.collaboratorIds !== undefined && {
        collaboratorIds: [...new Set(patch.collaboratorIds)].filter((c) => c !== before.ownerId),
      }),
      nextStep:
        patch.nextStep === undefined ? before.nextStep : patch.nextStep === null ? undefined : { ...patch.nextStep },
      version: expectedVersion + 1,
      updatedAt: now,
    };
    // Whoever joins the team hears of it (not the one who added them); the others already know the opportunity.
    const joined = after.collaboratorIds.filter((id) => !before.collaboratorIds.includes(id) && id !== caller.userId);
    const { notifications, items: noticeItems } = notices.draft(
      teamNotices(
        after,
        'opportunity_team_joined',
        `You joined the team of ${after.title}`,
        `${caller.userId} added you to the opportunity ${after.title} (${after.stage}), owned by ${after.ownerId}`,
      ).filter((n) => joined.includes(n.recipientId)),
      ctx.clock(),
    );
    await repo.write([...savedOpportunityItems(ctx.store, expectedVersion, after), ...noticeItems]);
    await notices.publish(notifications);
    return after;
  }

  async function changeStage(
    caller: Caller,
    id: string,
    input: StageInput,
    expectedVersion?: number,
  ): Promise<Opportunity> {
    const before = await changeable(caller, id);
    assertOpportunityTransition(before.stage, input.stage);
    const now = ctx.clock();
    const at = now.toISOString();
    const version = expectedVersion ?? before.version;
    const after: Opportunity = {
      ...before,
      stage: input.stage,
      ...(input.lostReason && { lostReason: input.lostReason }),
      ...(!isOpenStage(input.stage) && { closedAt: at }),
      version: version + 1,
      updatedAt: at,
    };
    const actor = actorOf(caller);
    const summary =
      `Opportunity ${before.title}: ${before.stage} → ${input.stage}` +
      `${input.lostReason ? ` (${input.lostReason})` : ''}`;
    const { notifications, items: noticeItems } = notices.draft(
      teamNotices(
        after,
        'opportunity_stage_changed',
        `Stage ${before.stage} → ${input.stage}: ${before.title}`,
        input.note ? `${summary}. ${input.note}` : summary,
      ),
      now,
    );
    await repo.write([
      ...savedOpportunityItems(ctx.store, version, after),
      stageChangeItem(ctx.store, {
        id: ctx.newId(now.getTime()),
        opportunityId: id,
        from: before.stage,
        to: input.stage,
        at,
        actor,
        note: input.note,
        lostReason: input.lostReason,
      }),
      ...timelineFor(after, actor, at, summary),
      ...noticeItems,
    ]);
    await notices.publish(notifications);
    return after;
  }

  /** Team members record follow-ups; a next step given here replaces the opportunity's next step. */
  /** `recordFor`: the idempotency record of the answer, committed with the activity (see addActivityOnce). */
  async function addActivity(
    caller: Caller,
    id: string,
    input: ActivityInput,
    recordFor: RecordFor<RecordedActivity> = () => [],
  ): Promise<RecordedActivity> {
    for (let attempt = 1; ; attempt++) {
      const opp = await readable(caller, id, true);
      if (!mayOnOpportunity(caller, 'work', opportunityRelations(caller, opp)))
        throw new ForbiddenError('Only the opportunity team records activities', 'opportunity.forbidden');
      const now = ctx.clock().toISOString();
      const activity = {
        id: ctx.newId(),
        opportunityId: id,
        type: input.type,
        note: input.note,
        at: now,
        actor: actorOf(caller),
        ...(input.nextStep && { nextStep: input.nextStep }),
      };
      const items = [activityItem(ctx.store, activity)];
      let updated = opp;
      if (input.nextStep) {
        assertOpen(opp);
        updated = { ...opp, nextStep: { ...input.nextStep }, version: opp.version + 1, updatedAt: now };
        items.push(...savedOpportunityItems(ctx.store, opp.version, updated));
      }
      const recorded = { activity, opportunity: updated };
      try {
        await repo.write([...items, ...recordFor({ status: 201, body: recorded })]);
        return recorded;
      } catch (error) {
        if (!(error instanceof ConflictError && error.code === 'opportunity.stale' && attempt < 3)) throw error;
      }
    }
  }

  /** An activity recorded once per client key: a retry or a concurrent copy answers the first one. */
  const addActivityOnce = (caller: Caller, id: string, input: ActivityInput, claim?: IdempotencyClaim) =>
    withIdempotency<RecordedActivity>(ctx.store, claim, async (recordFor) => ({
      status: 201,
      body: await addActivity(caller, id, input, recordFor),
    }));

  async function history(caller: Caller, id: string) {
    await readable(caller, id);
    return repo.history(id);
  }

  /** mine: the caller's own; team: their team's (User.teamId); branch: supervisors/admins only. */
  async function viewFor(caller: Caller, name: PipelineViewName): Promise<PipelineView> {
    if (name === 'mine') return { kind: 'owner', ownerId: caller.userId };
    if (name === 'branch') {
      if (!mayOnOpportunity(caller, 'listBranch', ['branch']))
        throw new ForbiddenError('Only supervisors and admins see the branch pipeline');
      return { kind: 'branch', branchId: caller.branchId };
    }
    const teamId = (await users.get(caller.userId))?.teamId;
    if (!teamId)
      throw new ValidationError('You are not on a team', [{ path: 'view', message: 'no team for this user' }]);
    return { kind: 'team', teamId };
  }

  async function list(
    caller: Caller,
    name: PipelineViewName,
    filter: PipelineFilter,
    startKey: Record<string, unknown> | undefined,
    limit: number,
  ) {
    return repo.list(await viewFor(caller, name), filter, startKey, limit);
  }

  /**
   * Runs a creating request once per claim: the opportunity and the idempotency record commit together,
   * and a retry after success replays the stored answer even if the request would now be refused.
   */
  function createOnce(
    claim: IdempotencyClaim | undefined,
    create: (extra: (opp: Opportunity) => LabelledItem[]) => Promise<Opportunity>,
  ) {
    return withIdempotency<Opportunity>(
      ctx.store,
      claim,
      async (recordFor) => {
        let response = { status: 201, body: undefined as unknown as Opportunity };
        await create((opp) => recordFor((response = { status: 201, body: opp })));
        return response;
      },
      { replayFirst: true },
    );
  }

  async function totals(caller: Caller, name: PipelineViewName, filter: PipelineFilter): Promise<PipelineTotals> {
    const { items, truncated } = await repo.listAll(await viewFor(caller, name), filter, TOTALS_MAX_ITEMS);
    return pipelineTotals(items, truncated);
  }

  return {
    draft,
    createOnce,
    openingItems,
    create,
    readable,
    changeable,
    update,
    changeStage,
    addActivity,
    addActivityOnce,
    history,
    list,
    totals,
    // The upkeep the sweeper and follow-ups do (opportunity-upkeep.ts), here too for the hosts that hold this service.
    refileTeams: upkeep.refileTeams,
    notifyOverdueNextSteps: upkeep.notifyOverdueNextSteps,
  };
}

export type OpportunityService = ReturnType<typeof opportunityService>;
