import {
  assertCaseTransition,
  awaitsResponse,
  CaseCreateInput,
  caseAccessNeedsCustomer,
  caseRelations,
  ConflictError,
  excerptOf,
  ForbiddenError,
  isOpen,
  mayOnCase,
  mayOnCustomer,
  NotFoundError,
  responseDeadline,
  ValidationError,
  type Actor,
  type Caller,
  type Case,
  type CaseOrigin,
  type Notification,
  type CasePatchInput,
  type CaseStatus,
  type Customer,
  type TimelineChannel,
  type TimelineEntry,
} from '@cc/core';
import {
  CASE_LABEL,
  caseHistoryItem,
  caseMessageItem,
  caseReference,
  caseRepository,
  caseSequenceItem,
  contactDayItem,
  customerRepository,
  isDuplicateClaim,
  liveCaseCheck,
  newCaseItem,
  openCaseItems,
  openCaseMirrorItems,
  openCasesDelta,
  RESPONSE_WATCH_LABEL,
  responseWatchEnd,
  responseWatchItems,
  savedCaseItem,
  statsItem,
  timelineItem,
  transact,
  TransactionRefused,
  userRepository,
  withIdempotency,
  type CaseFilter,
  type CaseHistoryEntry,
  type CaseList,
  type CaseMessage,
  type IdempotencyClaim,
  type LabelledItem,
  type RecordFor,
} from '@cc/store';
import type { ServiceContext } from './context';
import type { NoticeService, NotificationDraft } from './notices';
import { parseInput } from './parse';

/** Who registers a case: a signed-in user, or a channel acting for the customer (web form, SMS, email, imports). */
export type CaseCreator = { caller: Caller } | { channel: CaseOrigin; externalId?: string; branchId?: string };

export interface CaseCreateOptions {
  /** The idempotency record to commit with the case (see withIdempotency). */
  recordFor?: RecordFor<Case>;
  submitterContact?: { phone?: string; email?: string };
  /** When the case happened in the source system (imports); defaults to now. */
  occurredAt?: string;
  /** The case is itself a contact from the customer (the public form): it counts on their days and last contact. */
  isContact?: boolean;
}

/**
 * A new case ready to commit, for a caller that commits it with its own writes (a contact that opens a case):
 * its writes, what it adds to the customer's counters (left out of `items`, because one transaction may update
 * the counters item only once), and the notices to publish once it is committed.
 */
export interface PreparedCase {
  case: Case;
  items: LabelledItem[];
  counters?: { customerId: string; openCases: number; lastContactAt?: string };
  notifications: Notification[];
}

export interface CaseMessageInput {
  text: string;
  channel: TimelineChannel;
  direction: CaseMessage['direction'];
}

/** Which cases a caller asks for: one customer's, their own, or (supervisors) the branch queue. */
export interface CaseListQuery extends CaseFilter {
  customerId?: string;
  owner?: 'me' | 'queue';
}

type HistoryChange = Omit<CaseHistoryEntry, 'id' | 'caseId' | 'at' | 'actor'>;

const timelineChannelOf: Record<CaseOrigin, TimelineChannel> = {
  agent: 'voice',
  manager: 'system',
  web: 'web',
  sms: 'sms',
  email: 'email',
  voice: 'voice',
  call_center_import: 'voice',
  online_banking_import: 'web',
};

/** Overdue first responses reported per query of the sweeper. */
const RESPONSES_BATCH = 100;

const isImport = (origin: CaseOrigin) => origin === 'call_center_import' || origin === 'online_banking_import';

export const creatorActor = (creator: CaseCreator): Actor =>
  'caller' in creator
    ? { kind: 'user', id: creator.caller.userId }
    : isImport(creator.channel)
      ? { kind: 'system', id: creator.channel }
      : { kind: 'customer', channel: creator.channel };

export const aboutCase = (c: Case) => ({
  customerId: c.customerId ?? undefined,
  customerNumber: c.customerNumber,
  customerName: c.customerName,
  caseId: c.id,
});

/**
 * The writes of one change to a case: the case itself (if still at `before.version`), its history, the
 * open-case mirror and counter, and the first-response watch.
 */
function changeItems(
  ctx: ServiceContext,
  before: Case,
  after: Case,
  actor: Actor,
  history: HistoryChange[],
): LabelledItem[] {
  return [
    savedCaseItem(ctx.store, after, before.version),
    ...history.map((h) =>
      caseHistoryItem(ctx.store, { id: ctx.newId(), caseId: after.id, at: after.updatedAt, actor, ...h }),
    ),
    ...openCaseItems(ctx.store, before, after),
    ...responseWatchItems(ctx.store, before, after),
  ];
}

/**
 * A status change as transaction items, for callers that must commit it with their own writes
 * (e.g. converting an inquiry into an opportunity). Throws InvalidTransitionError for an illegal move.
 */
export function statusChange(
  ctx: ServiceContext,
  before: Case,
  to: CaseStatus,
  actor: Actor,
  note: string | undefined,
  extra: Partial<Pick<Case, 'opportunityId' | 'priority' | 'escalated'>> = {},
): { after: Case; items: LabelledItem[] } {
  assertCaseTransition(before.status, to);
  const now = ctx.clock();
  const after: Case = { ...before, ...extra, status: to, version: before.version + 1, updatedAt: now.toISOString() };
  return {
    after,
    items: changeItems(ctx, before, after, actor, [
      { action: 'status_changed', from: before.status, to, ...(note && { note }) },
    ]),
  };
}

/** Escalation as a change to the case: urgent, flagged, with its history line. */
export function escalationChange(
  ctx: ServiceContext,
  before: Case,
  reason: string,
): { after: Case; items: LabelledItem[] } {
  const after: Case = {
    ...before,
    escalated: true,
    priority: 'urgent',
    version: before.version + 1,
    updatedAt: ctx.clock().toISOString(),
  };
  const history: HistoryChange = { action: 'escalated', note: reason, changes: { priority: 'urgent' } };
  return { after, items: changeItems(ctx, before, after, { kind: 'system', id: 'escalation' }, [history]) };
}

export const staleCase = (id: string) =>
  new ConflictError('case.stale', `Case ${id} was changed by someone else; reload and retry`);

/** Translates a refused case write; an idempotency duplicate passes through for withIdempotency. */
function refused(error: unknown, id: string): unknown {
  if (error instanceof TransactionRefused && !isDuplicateClaim(error)) {
    if (error.failedLabels.includes(CASE_LABEL)) return staleCase(id);
  }
  return error;
}

export function caseService(ctx: ServiceContext, deps: { notices: NoticeService }) {
  const repo = caseRepository(ctx.store);
  const customers = customerRepository(ctx.store);
  const users = userRepository(ctx.store);
  const { notices } = deps;

  async function commit(items: LabelledItem[], id: string): Promise<void> {
    try {
      await transact(ctx.store, items);
    } catch (error) {
      throw refused(error, id);
    }
  }

  /**
   * Full access (read, edit, delete): the case's owner or assisting managers, the customer's current
   * managers, or a supervisor/admin of its branch. Agents may read and add notes.
   */
  async function accessOf(caller: Caller, c: Case): Promise<'full' | 'read' | 'none'> {
    if (c.deleted) return mayOnCase(caller, 'readDeleted', []) ? 'full' : 'none';
    let relations = caseRelations(caller, c);
    if (!mayOnCase(caller, 'work', relations) && c.customerId && caseAccessNeedsCustomer(caller)) {
      relations = caseRelations(caller, c, await customers.get(c.customerId));
    }
    if (mayOnCase(caller, 'work', relations)) return 'full';
    return mayOnCase(caller, 'read', relations) ? 'read' : 'none';
  }

  async function load(caller: Caller, id: string, need: 'full' | 'read'): Promise<Case> {
    const c = await repo.get(id, true);
    const access = c ? await accessOf(caller, c) : 'none';
    if (!c || access === 'none' || (need === 'full' && access !== 'full')) throw new NotFoundError('case', id);
    return c;
  }

  async function supervisorsOf(branchId: string): Promise<string[]> {
    return (await users.listByBranch(branchId, 'supervisor')).map((u) => u.id);
  }

  /**
   * Builds a new case and its writes without committing them. Its reference is the year's next number, taken in
   * the same transaction (caseSequenceItem): run the commit inside retryConcurrentWrites (withIdempotency does),
   * so that an attempt that lost its number to a concurrent case is prepared again.
   */
  async function prepare(
    creator: CaseCreator,
    rawInput: CaseCreateInput,
    options: CaseCreateOptions = {},
  ): Promise<PreparedCase> {
    const input = parseInput(CaseCreateInput, rawInput, 'The case has invalid fields');
    const now = ctx.clock();
    const year = now.getUTCFullYear();
    // Independent reads, run together.
    const [customer, lastSequence] = await Promise.all([
      input.customerId ? customers.get(input.customerId) : Promise.resolve<Customer | undefined>(undefined),
      repo.lastSequence(year),
    ]);
    if (input.customerId && (!customer || customer.status === 'merged')) {
      throw new NotFoundError('customer', input.customerId);
    }
    const caller = 'caller' in creator ? creator.caller : undefined;
    const origin: CaseOrigin = caller
      ? caller.role === 'agent'
        ? 'agent'
        : 'manager'
      : (creator as { channel: CaseOrigin }).channel;
    const branchId =
      customer?.branchId ??
      input.branchId ??
      ('caller' in creator ? creator.caller.branchId : creator.branchId) ??
      ctx.settings.DEFAULT_BRANCH_ID;
    const at = now.toISOString();
    const sequence = lastSequence + 1;
    const id = caseReference(year, sequence);
    const actor = creatorActor(creator);
    const c: Case = {
      id,
      type: input.type,
      ...(input.subject && { subject: input.subject }),
      ...(input.productCode && { productCode: input.productCode }),
      category: input.category,
      priority: input.priority,
      title: input.title ?? excerptOf(input.description, 80),
      description: input.description,
      status: 'new',
      origin,
      createdBy: caller
        ? { kind: 'user', id: caller.userId }
        : {
            kind: 'channel',
            channel: origin,
            ...('externalId' in creator && creator.externalId && { externalId: creator.externalId }),
          },
      customerId: customer?.id ?? null,
      ...(customer && { customerNumber: customer.customerNumber, customerName: customer.name }),
      branchId,
      ownerId: customer?.primaryManagerId ?? null,
      assistingManagerIds: customer?.assistingManagerIds ?? [],
      ...(options.submitterContact && { submitterContact: options.submitterContact }),
      escalated: false,
      respondBy: responseDeadline(at, input.priority, ctx.settings.CASE_RESPOND_WITHIN_HOURS),
      deleted: false,
      version: 1,
      createdAt: at,
      updatedAt: at,
    };

    // The owner hears of cases someone else registered; a queued case (no owner) goes to the branch's supervisors.
    const recipients = c.ownerId ? [c.ownerId] : await supervisorsOf(branchId);
    const drafts: NotificationDraft[] = recipients
      .filter((r) => r !== caller?.userId)
      .map((recipientId) => ({
        recipientId,
        kind: isImport(origin) ? 'case_imported' : 'case_created',
        title: `New ${c.type} ${c.id}${c.ownerId ? '' : ' in the branch queue'}: ${c.title}`,
        excerpt: excerptOf(c.description),
        ...aboutCase(c),
      }));
    const { notifications, items: notificationItems } = notices.draft(drafts, now);

    const sender = options.submitterContact?.phone
      ? { kind: 'phone' as const, value: options.submitterContact.phone }
      : options.submitterContact?.email
        ? { kind: 'email' as const, value: options.submitterContact.email }
        : undefined;
    const timeline: LabelledItem[] = [];
    if (c.customerId || sender) {
      const entry: TimelineEntry = {
        id: ctx.newId(now.getTime()),
        customerId: c.customerId,
        ...(!c.customerId && sender && { sender }),
        type: 'case',
        channel: timelineChannelOf[origin],
        direction: caller ? 'internal' : 'inbound',
        occurredAt: options.occurredAt ?? at,
        actor,
        summary: `${c.type === 'complaint' ? 'Complaint' : 'Inquiry'} ${c.id} registered: ${c.title}`,
        links: { caseId: c.id },
      };
      timeline.push(timelineItem(ctx.store, entry, ctx.settings.RETENTION_DAYS));
    }

    const contactAt = options.isContact ? (options.occurredAt ?? at) : undefined;
    const items = [
      // Both refuse when a concurrent case took this number first: the attempt is then prepared again.
      { ...newCaseItem(ctx.store, c), retryable: true },
      caseSequenceItem(ctx.store, year, sequence),
      ...responseWatchItems(ctx.store, undefined, c),
      caseHistoryItem(ctx.store, {
        id: ctx.newId(now.getTime()),
        caseId: id,
        at,
        actor,
        action: 'created',
        to: 'new',
        changes: { origin, ownerId: c.ownerId },
      }),
      ...openCaseMirrorItems(ctx.store, undefined, c),
      ...(contactAt && c.customerId ? [contactDayItem(ctx.store, c.customerId, contactAt)] : []),
      ...timeline,
      ...notificationItems,
      ...(options.recordFor?.({ status: 201, body: c }) ?? []),
    ];
    const counters = c.customerId
      ? { customerId: c.customerId, openCases: openCasesDelta(undefined, c), lastContactAt: contactAt }
      : undefined;
    return { case: c, items, counters, notifications };
  }

  /**
   * One attempt at a new case in its own transaction (with `options.recordFor`'s idempotency record), then its
   * notices. Callers run it inside withIdempotency or retryConcurrentWrites (see prepare).
   */
  async function create(creator: CaseCreator, rawInput: CaseCreateInput, options: CaseCreateOptions = {}) {
    const prepared = await prepare(creator, rawInput, options);
    const { customerId, ...counted } = prepared.counters ?? {};
    const countersItem = customerId ? [statsItem(ctx.store, customerId, counted)] : [];
    await commit([...prepared.items, ...countersItem], prepared.case.id);
    await notices.publish(prepared.notifications);
    return prepared.case;
  }

  /** `create`, once per idempotency claim. */
  const createOnce = (creator: CaseCreator, input: CaseCreateInput, claim?: IdempotencyClaim) =>
    withIdempotency<Case>(ctx.store, claim, async (recordFor) => ({
      status: 201,
      body: await create(creator, input, { recordFor }),
    }));

  const get = (caller: Caller, id: string): Promise<Case> => load(caller, id, 'read');

  async function history(caller: Caller, id: string): Promise<CaseHistoryEntry[]> {
    await load(caller, id, 'read');
    return repo.history(id);
  }

  /** Edits fields and/or moves the status, as one versioned write with its history. */
  async function update(caller: Caller, id: string, patch: CasePatchInput, expectedVersion?: number): Promise<Case> {
    const stored = await load(caller, id, 'full');
    if (stored.deleted) throw new NotFoundError('case', id);
    const before = { ...stored, version: expectedVersion ?? stored.version };
    const now = ctx.clock();
    const { status, note, ...fields } = patch;
    const changed = Object.fromEntries(Object.entries(fields).filter(([k, v]) => before[k as keyof Case] !== v));
    const edited: Case = { ...before, ...changed };
    const history: HistoryChange[] = Object.keys(changed).length
      ? [{ action: 'updated', changes: changed, ...(note && !status && { note }) }]
      : [];
    let after: Case = { ...edited, version: before.version + 1, updatedAt: now.toISOString() };
    if (status && status !== before.status) {
      assertCaseTransition(before.status, status);
      after = { ...after, status };
      history.push({ action: 'status_changed', from: before.status, to: status, ...(note && { note }) });
    }
    if (history.length === 0) {
      // Nothing changes: a stale If-Match is still stale, and a note alone belongs on the notes route.
      if (expectedVersion !== undefined && expectedVersion !== stored.version) throw staleCase(id);
      if (note) {
        throw new ValidationError('A note alone changes nothing here; add it with POST /cases/{id}/notes', [
          { path: 'note', message: 'nothing else changes' },
        ]);
      }
      return stored;
    }
    await commit(changeItems(ctx, before, after, { kind: 'user', id: caller.userId }, history), id);
    return after;
  }

  /** Soft delete: the case leaves every list and the customer's open cases, and stays restorable by an admin. */
  async function remove(caller: Caller, id: string, reason?: string, expectedVersion?: number): Promise<void> {
    const stored = await load(caller, id, 'full');
    if (stored.deleted) throw new NotFoundError('case', id);
    const before = { ...stored, version: expectedVersion ?? stored.version };
    const after: Case = { ...before, deleted: true, version: before.version + 1, updatedAt: ctx.clock().toISOString() };
    const deleted: HistoryChange = { action: 'deleted', ...(reason && { note: reason }) };
    await commit(changeItems(ctx, before, after, { kind: 'user', id: caller.userId }, [deleted]), id);
  }

  async function restore(caller: Caller, id: string, reason?: string): Promise<Case> {
    if (!mayOnCase(caller, 'readDeleted', [])) throw new NotFoundError('case', id);
    const before = await repo.get(id, true);
    if (!before || !before.deleted) throw new NotFoundError('case', id);
    const after: Case = {
      ...before,
      deleted: false,
      version: before.version + 1,
      updatedAt: ctx.clock().toISOString(),
    };
    const restored: HistoryChange = { action: 'restored', ...(reason && { note: reason }) };
    await commit(changeItems(ctx, before, after, { kind: 'user', id: caller.userId }, [restored]), id);
    return after;
  }

  /**
   * A message or note on a case (replies by SMS/email, agents' notes). It does not change the case's
   * version, so it never makes a manager's edit stale. An inbound message on an open case notifies the owner.
   * `alsoWrite`: items that must commit with the message (e.g. the follow-up it completes).
   */
  async function addMessage(
    creator: CaseCreator,
    caseId: string,
    input: CaseMessageInput,
    alsoWrite: LabelledItem[] = [],
  ): Promise<CaseMessage> {
    const c = 'caller' in creator ? await load(creator.caller, caseId, 'read') : await repo.get(caseId, true);
    if (!c || c.deleted) throw new NotFoundError('case', caseId);
    const text = input.text.trim();
    if (!text) throw new ValidationError('The message is empty', [{ path: 'text', message: 'required' }]);
    const now = ctx.clock();
    const actor = creatorActor(creator);
    const message: CaseMessage = {
      id: ctx.newId(now.getTime()),
      caseId,
      at: now.toISOString(),
      actor,
      channel: input.channel,
      direction: input.direction,
      text,
    };
    const author = 'caller' in creator ? creator.caller.userId : undefined;
    const notify = input.direction === 'inbound' && isOpen(c.status) && c.ownerId && c.ownerId !== author;
    const { notifications, items } = notices.draft(
      notify
        ? [
            {
              recipientId: c.ownerId!,
              kind: 'case_message',
              title: `New message on ${c.id}: ${c.title}`,
              excerpt: excerptOf(text),
              ...aboutCase(c),
            },
          ]
        : [],
      now,
    );
    await commit(
      [
        liveCaseCheck(ctx.store, caseId),
        caseMessageItem(ctx.store, message),
        caseHistoryItem(ctx.store, {
          id: ctx.newId(now.getTime()),
          caseId,
          at: message.at,
          actor,
          action: 'message',
          note: excerptOf(text, 200),
          changes: { channel: input.channel, direction: input.direction },
        }),
        ...items,
        ...alsoWrite,
      ],
      caseId,
    ).catch((error) => {
      // The case was deleted between the read and the write.
      throw error instanceof ConflictError && error.code === 'case.stale' ? new NotFoundError('case', caseId) : error;
    });
    await notices.publish(notifications);
    return message;
  }

  /**
   * The sweeper's part of "act within 24–48 hours": each case still new past its `respondBy` is reported
   * once to the branch's supervisors and its owner, with a history line. The watch ends in the same
   * transaction, on the condition it is still there, so concurrent sweeps report a case once, and a
   * case acted on meanwhile (its change ends the watch) is not reported at all.
   */
  async function notifyOverdueResponses(now: Date): Promise<number> {
    let reported = 0;
    for (;;) {
      const due = await repo.listResponsesDue(now, RESPONSES_BATCH);
      let progressed = false;
      for (const { caseId } of due) {
        const outcome = await reportOverdueResponse(caseId, now);
        if (outcome !== 'taken') progressed = true;
        if (outcome === 'reported') reported++;
      }
      if (due.length < RESPONSES_BATCH || !progressed) return reported;
    }
  }

  async function reportOverdueResponse(caseId: string, now: Date): Promise<'reported' | 'ended' | 'taken'> {
    const c = await repo.get(caseId, true);
    try {
      if (!c || !awaitsResponse(c)) {
        // A watch left behind by a case no longer waiting is just ended.
        await transact(ctx.store, [responseWatchEnd(ctx.store, caseId, true)]);
        return 'ended';
      }
      const recipients = [...new Set([...(await supervisorsOf(c.branchId)), ...(c.ownerId ? [c.ownerId] : [])])];
      const { notifications, items } = notices.draft(
        recipients.map((recipientId) => ({
          recipientId,
          kind: 'case_response_overdue',
          title: `No response yet: ${c.id} ${c.title}`,
          excerpt: `Due by ${c.respondBy}, still new. ${excerptOf(c.description, 200)}`,
          ...aboutCase(c),
        })),
        now,
      );
      const history = caseHistoryItem(ctx.store, {
        id: ctx.newId(now.getTime()),
        caseId,
        at: now.toISOString(),
        actor: { kind: 'system', id: 'response-watch' },
        action: 'response_overdue',
        note: `not acted on by ${c.respondBy}`,
      });
      await transact(ctx.store, [responseWatchEnd(ctx.store, caseId, true), history, ...items]);
      await notices.publish(notifications);
      return 'reported';
    } catch (error) {
      if (error instanceof TransactionRefused && error.failedLabels.includes(RESPONSE_WATCH_LABEL)) return 'taken';
      throw error;
    }
  }

  /** Which list the caller reads: a customer's cases (in scope), their own, the branch queue, or the branch. */
  async function listFor(caller: Caller, query: CaseListQuery): Promise<CaseList> {
    if (query.customerId) {
      const customer = await customers.get(query.customerId);
      if (!customer || !mayOnCustomer(caller, 'read', customer)) throw new NotFoundError('customer', query.customerId);
      return { by: 'customer', customerId: customer.id };
    }
    if (query.owner === 'queue') {
      if (!mayOnCase(caller, 'listBranch', ['branch'])) {
        throw new ForbiddenError('Only supervisors and admins read the branch queue', 'case.forbidden');
      }
      return { by: 'queue', branchId: caller.branchId };
    }
    if (query.owner === 'me' || caller.role === 'manager') return { by: 'owner', ownerId: caller.userId };
    if (caller.role === 'agent') {
      throw new ValidationError('Agents list the cases of one customer', [{ path: 'customerId', message: 'required' }]);
    }
    return { by: 'branch', branchId: caller.branchId };
  }

  async function list(
    caller: Caller,
    query: CaseListQuery,
    startKey: Record<string, unknown> | undefined,
    limit: number,
  ) {
    const target = await listFor(caller, query);
    return repo.list(target, { status: query.status, type: query.type }, startKey, limit);
  }

  /** A case the caller may work, or may read only (agents), for another service's change to it. */
  const loadFor = load;

  /** The branch's supervisors, who hear of queued and escalated cases. */
  const branchSupervisors = supervisorsOf;

  return {
    prepare,
    /** Hands committed notices to the queue (for callers that committed a prepared case themselves). */
    publish: notices.publish,
    create,
    createOnce,
    get,
    history,
    update,
    remove,
    restore,
    addMessage,
    notifyOverdueResponses,
    list,
    loadFor,
    branchSupervisors,
  };
}

export type CaseService = ReturnType<typeof caseService>;
