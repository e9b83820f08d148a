import * as z from 'zod';
import {
  assertCaseTransition,
  casePriorities,
  caseStatuses,
  caseTypes,
  ConflictError,
  excerptOf,
  ForbiddenError,
  hasFullAccess,
  inquirySubjects,
  isOpen,
  isSupervisorOf,
  managesCustomer,
  newId,
  NotFoundError,
  responseDeadline,
  awaitsResponse,
  ValidationError,
  type Actor,
  type Caller,
  type Case,
  type CaseOrigin,
  type CaseStatus,
  type Customer,
  type TimelineChannel,
  type TimelineEntry,
} from '@cc/core';
import {
  caseHistoryItem,
  contactDayItem,
  caseMessageItem,
  caseRepository,
  conditionCheck,
  customerRepository,
  isDuplicateClaim,
  keys,
  newCaseItem,
  openCaseItems,
  responseWatchEnd,
  responseWatchItems,
  RESPONSE_WATCH_LABEL,
  savedCaseItem,
  CASE_LABEL,
  timelineItem,
  transact,
  TransactionRefused,
  userRepository,
  type CaseFilter,
  type CaseHistoryEntry,
  type CaseList,
  type CaseMessage,
  type LabelledItem,
  type RecordFor,
  type StoreContext,
} from '@cc/store';
import type { AppDeps } from '../deps';
import { draftNotifications, publishNotifications, type NotificationDraft } from './notify';

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
    if (v.type === 'inquiry' && !v.subject)
      ctx.addIssue({ code: 'custom', path: ['subject'], message: 'an inquiry needs a subject' });
    if (v.type === 'complaint' && v.subject)
      ctx.addIssue({ code: 'custom', path: ['subject'], message: 'only inquiries have a subject' });
    if (v.subject === 'product' && !v.productCode)
      ctx.addIssue({
        code: 'custom',
        path: ['productCode'],
        message: 'an inquiry about a product needs its product code',
      });
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
    status: z.enum(caseStatuses),
    note: z.string().trim().min(1).max(2000),
  })
  .partial()
  .strict();
export type CasePatchInput = z.infer<typeof CasePatchInput>;

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

export interface CaseMessageInput {
  text: string;
  channel: TimelineChannel;
  direction: CaseMessage['direction'];
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

function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ValidationError(
      'The case has invalid fields',
      result.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message })),
    );
  }
  return result.data;
}

/** The writes of one change to a case: the case itself (if still at `before.version`), its history, and the open-case mirror and counter. */
function changeItems(
  ctx: StoreContext,
  before: Case,
  after: Case,
  actor: Actor,
  history: HistoryChange[],
): LabelledItem[] {
  return [
    savedCaseItem(ctx, after, before.version),
    ...history.map((h) => caseHistoryItem(ctx, { id: newId(), caseId: after.id, at: after.updatedAt, actor, ...h })),
    ...openCaseItems(ctx, before, after),
    ...responseWatchItems(ctx, before, after),
  ];
}

/**
 * A status change as transaction items, for callers that must commit it with their own writes
 * (e.g. converting an inquiry into an opportunity). Throws InvalidTransitionError for an illegal move.
 */
export function statusChange(
  ctx: StoreContext,
  before: Case,
  to: CaseStatus,
  actor: Actor,
  note: string | undefined,
  extra: Partial<Pick<Case, 'opportunityId' | 'priority' | 'escalated'>> = {},
  now: Date = new Date(),
): { after: Case; items: LabelledItem[] } {
  assertCaseTransition(before.status, to);
  const after: Case = { ...before, ...extra, status: to, version: before.version + 1, updatedAt: now.toISOString() };
  return {
    after,
    items: changeItems(ctx, before, after, actor, [
      { action: 'status_changed', from: before.status, to, ...(note && { note }) },
    ]),
  };
}

const staleCase = (id: string) =>
  new ConflictError('case.stale', `Case ${id} was changed by someone else; reload and retry`);

/** Translates a refused case write; an idempotency duplicate passes through for withIdempotency. */
function refused(error: unknown, id: string): unknown {
  if (error instanceof TransactionRefused && !isDuplicateClaim(error)) {
    if (error.failedLabels.includes(CASE_LABEL)) return staleCase(id);
  }
  return error;
}

export function caseService(deps: AppDeps) {
  const ctx = deps.store;
  const repo = caseRepository(ctx);
  const customers = customerRepository(ctx);
  const users = userRepository(ctx);

  async function commit(items: LabelledItem[], id: string): Promise<void> {
    try {
      await transact(ctx, items);
    } catch (error) {
      throw refused(error, id);
    }
  }

  /**
   * Full access (read, edit, delete): the case's owner or assisting managers, the customer's current
   * managers, or a supervisor/admin of its branch. Agents may read and add notes.
   */
  async function accessOf(caller: Caller, c: Case): Promise<'full' | 'read' | 'none'> {
    if (c.deleted) return caller.role === 'admin' ? 'full' : 'none';
    if (
      hasFullAccess(caller, {
        branchId: c.branchId,
        primaryManagerId: c.ownerId,
        assistingManagerIds: c.assistingManagerIds,
      })
    )
      return 'full';
    if (c.customerId && caller.role === 'manager') {
      const customer = await customers.get(c.customerId);
      if (customer && managesCustomer(caller, customer)) return 'full';
    }
    return caller.role === 'agent' ? 'read' : 'none';
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

  const aboutCase = (c: Case) => ({
    customerId: c.customerId ?? undefined,
    customerNumber: c.customerNumber,
    customerName: c.customerName,
    caseId: c.id,
  });

  async function create(
    creator: CaseCreator,
    rawInput: CaseCreateInput,
    options: CaseCreateOptions = {},
  ): Promise<Case> {
    const input = parse(CaseCreateInput, rawInput);
    const now = deps.clock();
    const year = now.getUTCFullYear();
    // Independent round trips, run together; a refused request leaves a gap in the references, which is fine.
    const [customer, sequence] = await Promise.all([
      input.customerId ? customers.get(input.customerId) : Promise.resolve<Customer | undefined>(undefined),
      repo.nextSequence(year),
    ]);
    if (input.customerId && (!customer || customer.status === 'merged'))
      throw new NotFoundError('customer', input.customerId);
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
      deps.config.DEFAULT_BRANCH_ID;
    const at = now.toISOString();
    const id = `C-${year}-${String(sequence).padStart(6, '0')}`;
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
      respondBy: responseDeadline(at, input.priority, deps.config.CASE_RESPOND_WITHIN_HOURS),
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
    const { notifications, items: notificationItems } = draftNotifications(ctx, drafts, now);

    const sender = options.submitterContact?.phone
      ? { kind: 'phone' as const, value: options.submitterContact.phone }
      : options.submitterContact?.email
        ? { kind: 'email' as const, value: options.submitterContact.email }
        : undefined;
    const timeline: LabelledItem[] = [];
    if (c.customerId || sender) {
      const entry: TimelineEntry = {
        id: newId(now.getTime()),
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
      timeline.push(timelineItem(ctx, entry, deps.config.RETENTION_DAYS));
    }

    const contactAt = options.isContact ? (options.occurredAt ?? at) : undefined;
    await commit(
      [
        newCaseItem(ctx, c),
        ...responseWatchItems(ctx, undefined, c),
        caseHistoryItem(ctx, {
          id: newId(now.getTime()),
          caseId: id,
          at,
          actor,
          action: 'created',
          to: 'new',
          changes: { origin, ownerId: c.ownerId },
        }),
        ...openCaseItems(ctx, undefined, c, contactAt),
        ...(contactAt && c.customerId ? [contactDayItem(ctx, c.customerId, contactAt)] : []),
        ...timeline,
        ...notificationItems,
        ...(options.recordFor?.({ status: 201, body: c }) ?? []),
      ],
      id,
    );
    await publishNotifications(deps, notifications);
    return c;
  }

  async function get(caller: Caller, id: string): Promise<Case> {
    return load(caller, id, 'read');
  }

  async function history(caller: Caller, id: string): Promise<CaseHistoryEntry[]> {
    await load(caller, id, 'read');
    return repo.history(id);
  }

  async function transition(
    caller: Caller,
    id: string,
    to: CaseStatus,
    note?: string,
    expectedVersion?: number,
  ): Promise<Case> {
    return update(caller, id, { status: to, ...(note && { note }) }, expectedVersion);
  }

  /** Edits fields and/or moves the status, as one versioned write with its history. */
  async function update(caller: Caller, id: string, patch: CasePatchInput, expectedVersion?: number): Promise<Case> {
    const stored = await load(caller, id, 'full');
    if (stored.deleted) throw new NotFoundError('case', id);
    const before = { ...stored, version: expectedVersion ?? stored.version };
    const now = deps.clock();
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
      if (note)
        throw new ValidationError('A note alone changes nothing here; add it with POST /cases/{id}/notes', [
          { path: 'note', message: 'nothing else changes' },
        ]);
      return stored;
    }
    await commit(changeItems(ctx, before, after, { kind: 'user', id: caller.userId }, history), id);
    return after;
  }

  /** For another service's transaction: the items of a status change (see statusChange). */
  function transitionItems(
    before: Case,
    to: CaseStatus,
    actor: Actor,
    note?: string,
    extra: Parameters<typeof statusChange>[5] = {},
  ): LabelledItem[] {
    return statusChange(ctx, before, to, actor, note, extra, deps.clock()).items;
  }

  /** Soft delete: the case leaves every list and the customer's open cases, and stays restorable by an admin. */
  async function remove(caller: Caller, id: string, reason?: string, expectedVersion?: number): Promise<void> {
    const stored = await load(caller, id, 'full');
    if (stored.deleted) throw new NotFoundError('case', id);
    const before = { ...stored, version: expectedVersion ?? stored.version };
    const after: Case = {
      ...before,
      deleted: true,
      version: before.version + 1,
      updatedAt: deps.clock().toISOString(),
    };
    await commit(
      changeItems(ctx, before, after, { kind: 'user', id: caller.userId }, [
        { action: 'deleted', ...(reason && { note: reason }) },
      ]),
      id,
    );
  }

  async function restore(caller: Caller, id: string, reason?: string): Promise<Case> {
    if (caller.role !== 'admin') throw new NotFoundError('case', id);
    const before = await repo.get(id, true);
    if (!before || !before.deleted) throw new NotFoundError('case', id);
    const after: Case = {
      ...before,
      deleted: false,
      version: before.version + 1,
      updatedAt: deps.clock().toISOString(),
    };
    await commit(
      changeItems(ctx, before, after, { kind: 'user', id: caller.userId }, [
        { action: 'restored', ...(reason && { note: reason }) },
      ]),
      id,
    );
    return after;
  }

  /**
   * A message or note on a case (replies by SMS/email, agents' notes). It does not change the case's
   * version, so it never makes a manager's edit stale. An inbound message on an open case notifies the owner.
   */
  /** `alsoWrite`: items that must commit with the message (e.g. the follow-up it completes). */
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
    const now = deps.clock();
    const actor = creatorActor(creator);
    const message: CaseMessage = {
      id: newId(now.getTime()),
      caseId,
      at: now.toISOString(),
      actor,
      channel: input.channel,
      direction: input.direction,
      text,
    };
    const author = 'caller' in creator ? creator.caller.userId : undefined;
    const notify = input.direction === 'inbound' && isOpen(c.status) && c.ownerId && c.ownerId !== author;
    const { notifications, items } = draftNotifications(
      ctx,
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
        conditionCheck(ctx, CASE_LABEL, keys.case(caseId), 'attribute_exists(pk) AND deleted = :no', { ':no': false }),
        caseMessageItem(ctx, message),
        caseHistoryItem(ctx, {
          id: newId(now.getTime()),
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
    await publishNotifications(deps, notifications);
    return message;
  }

  /**
   * Repeated unresolved contact: the case becomes urgent and the branch's supervisors (and its owner)
   * are told. A case already escalated is returned unchanged.
   */
  async function escalate(caseId: string, reason: string): Promise<Case> {
    for (let attempt = 1; ; attempt++) {
      const before = await repo.get(caseId, true);
      if (!before || before.deleted) throw new NotFoundError('case', caseId);
      if (before.escalated) return before;
      const now = deps.clock();
      const after: Case = {
        ...before,
        escalated: true,
        priority: 'urgent',
        version: before.version + 1,
        updatedAt: now.toISOString(),
      };
      const recipients = [...(await supervisorsOf(before.branchId)), ...(before.ownerId ? [before.ownerId] : [])];
      const { notifications, items } = draftNotifications(
        ctx,
        recipients.map((recipientId) => ({
          recipientId,
          kind: 'case_escalated',
          title: `Escalated: ${before.id} ${before.title}`,
          excerpt: excerptOf(reason),
          ...aboutCase(before),
        })),
        now,
      );
      try {
        await commit(
          [
            ...changeItems(ctx, before, after, { kind: 'system', id: 'escalation' }, [
              { action: 'escalated', note: reason, changes: { priority: 'urgent' } },
            ]),
            ...items,
          ],
          caseId,
        );
      } catch (error) {
        if (error instanceof ConflictError && attempt < 3) continue;
        throw error;
      }
      await publishNotifications(deps, notifications);
      return after;
    }
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
        await transact(ctx, [responseWatchEnd(ctx, caseId, true)]);
        return 'ended';
      }
      const recipients = [...new Set([...(await supervisorsOf(c.branchId)), ...(c.ownerId ? [c.ownerId] : [])])];
      const { notifications, items } = draftNotifications(
        ctx,
        recipients.map((recipientId) => ({
          recipientId,
          kind: 'case_response_overdue',
          title: `No response yet: ${c.id} ${c.title}`,
          excerpt: `Due by ${c.respondBy}, still new. ${excerptOf(c.description, 200)}`,
          ...aboutCase(c),
        })),
        now,
      );
      const history = caseHistoryItem(ctx, {
        id: newId(now.getTime()),
        caseId,
        at: now.toISOString(),
        actor: { kind: 'system', id: 'response-watch' },
        action: 'response_overdue',
        note: `not acted on by ${c.respondBy}`,
      });
      await transact(ctx, [responseWatchEnd(ctx, caseId, true), history, ...items]);
      await publishNotifications(deps, notifications);
      return 'reported';
    } catch (error) {
      if (error instanceof TransactionRefused && error.failedLabels.includes(RESPONSE_WATCH_LABEL)) return 'taken';
      throw error;
    }
  }

  /** Which list the caller reads: a customer's cases (in scope), their own, the branch queue, or the branch. */
  async function listFor(caller: Caller, query: { customerId?: string; owner?: 'me' | 'queue' }): Promise<CaseList> {
    if (query.customerId) {
      const customer = await customers.get(query.customerId);
      if (!customer || !(caller.role === 'agent' || hasFullAccess(caller, customer)))
        throw new NotFoundError('customer', query.customerId);
      return { by: 'customer', customerId: customer.id };
    }
    if (query.owner === 'queue') {
      if (!isSupervisorOf(caller, caller.branchId))
        throw new ForbiddenError('Only supervisors and admins read the branch queue', 'case.forbidden');
      return { by: 'queue', branchId: caller.branchId };
    }
    if (query.owner === 'me' || caller.role === 'manager') return { by: 'owner', ownerId: caller.userId };
    if (caller.role === 'agent')
      throw new ValidationError('Agents list the cases of one customer', [{ path: 'customerId', message: 'required' }]);
    return { by: 'branch', branchId: caller.branchId };
  }

  async function list(
    caller: Caller,
    query: { customerId?: string; owner?: 'me' | 'queue' } & CaseFilter,
    cursor: string | undefined,
    limit: number,
  ) {
    const target = await listFor(caller, query);
    const filter: CaseFilter = { status: query.status, type: query.type };
    const scope = `cases:${JSON.stringify(target)}:${filter.status ?? ''}:${filter.type ?? ''}`;
    const page = await repo.list(target, filter, deps.cursors.decode(cursor, scope), limit);
    return { items: page.items, nextCursor: deps.cursors.encode(page.lastKey, scope) };
  }

  const listForCustomer = (caller: Caller, customerId: string, filter: CaseFilter = {}, cursor?: string, limit = 25) =>
    list(caller, { customerId, ...filter }, cursor, limit);

  return {
    repo,
    create,
    get,
    history,
    update,
    transition,
    transitionItems,
    remove,
    restore,
    addMessage,
    escalate,
    notifyOverdueResponses,
    list,
    listForCustomer,
  };
}

export type CaseService = ReturnType<typeof caseService>;
