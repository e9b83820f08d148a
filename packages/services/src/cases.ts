import {
  assertCaseTransition,
  CaseCreateInput,
  caseAccessNeedsCustomer,
  caseDeadlines,
  classificationFields,
  classificationIssues,
  caseRelations,
  ConflictError,
  excerptOf,
  ForbiddenError,
  isOpen,
  isReopening,
  mayOnCase,
  mayOnCustomer,
  metricNames,
  needsOutcome,
  newPublicReference,
  NotFoundError,
  onCustomerMessage,
  ValidationError,
  watchedDeadlines,
  type Actor,
  actorOf,
  caseManagersOf,
  type Caller,
  type Case,
  type CaseAction,
  type CaseAssignInput,
  type CaseDeadlinePolicy,
  type CaseOrigin,
  type Notification,
  type CasePatchInput,
  type CaseRelation,
  type CaseStatus,
  type Customer,
  type Locale,
  type DeadlineKind,
  type TimelineChannel,
  type TimelineEntry,
} from '@cc/core';
import {
  CASE_LABEL,
  caseDerivedItems,
  caseHistoryItem,
  caseMessageItem,
  caseReference,
  caseRepository,
  caseSequenceItem,
  contactDayItem,
  customerRepository,
  deadlineWatchEnd,
  isDuplicateClaim,
  liveCaseCheck,
  newCaseItem,
  PUBLIC_REFERENCE_LABEL,
  publicReferenceItem,
  retryConcurrentWrites,
  caseDerivedItemsButCounters,
  openCasesDelta,
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
  type CustomerRouting,
} from '@cc/store';
import { assertAssignable } from './assignees';
import { caseNumbering, type NumberTurn } from './case-numbers';
import type { ServiceContext } from './context';
import type { CustomerMessageService } from './customer-messages';
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
  /** The language the customer wrote in (the public form's), for messages to them. */
  locale?: Locale;
  /** The earlier case this one follows up (the customer wrote on it long after it closed). */
  relatedCaseId?: string;
  /** Writes that must commit with the case, given the case (its reference is known only then). */
  alsoWrite?: (created: Case) => LabelledItem[];
  /**
   * The customer as its identity's routing copy has it (the public form found it by phone or email): used instead
   * of reading the profile, so the case commits one round trip sooner.
   */
  customer?: CustomerRouting;
  /** The year's case-number counter as the caller read it alongside its own reads (the public form's first round). */
  counterRead?: { year: number; read: () => Promise<number> };
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
  /** The staff notifications and the messages to the customer it writes, to publish once committed. */
  deliveries: readonly { id: string }[];
  /**
   * Must be called once the transaction that takes the case's number has committed (true) or failed (false):
   * the next case of the year waits for it (see caseNumbering).
   */
  settled(committed: boolean): void;
}

export interface CaseMessageInput {
  text: string;
  channel: TimelineChannel;
  direction: CaseMessage['direction'];
}

/**
 * Which cases a caller asks for: one customer's, their own (`mine`), those of the customers they manage
 * (`my-customers`), or (supervisors) the branch queue or the whole branch; narrowed by status, type, escalation
 * or a missed deadline.
 */
export interface CaseListQuery extends Omit<CaseFilter, 'overdue'> {
  customerId?: string;
  /** The older spelling of `scope=mine` and `scope=queue`. */
  owner?: 'me' | 'queue';
  scope?: 'mine' | 'my-customers' | 'queue' | 'branch';
  overdue?: DeadlineKind;
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

/** Overdue deadlines reported per query of the sweeper. */
const DEADLINES_BATCH = 100;
const MAX_ATTEMPTS = 3;

/** The deadlines by priority, from the settings. */
export const deadlinePolicyOf = (ctx: ServiceContext): CaseDeadlinePolicy => ({
  response: ctx.settings.CASE_RESPOND_WITHIN_HOURS,
  resolution: ctx.settings.CASE_RESOLVE_WITHIN_HOURS,
});

const withDeadlines = (ctx: ServiceContext, c: Case): Case => ({ ...c, ...caseDeadlines(c, deadlinePolicyOf(ctx)) });

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
 * The writes of one change to a case: the case itself (if still at `before.version`), its history, and what
 * follows from its state (manager copies, the open-case mirror and counter, the deadline watches).
 */
export function changeItems(
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
    ...caseDerivedItems(ctx.store, before, after),
  ];
}

/**
 * The case moved to `to` at `at`: resolving or closing keeps the outcome note and its time; reopening starts a
 * new resolution period (and deadline).
 */
function moved(ctx: ServiceContext, before: Case, to: CaseStatus, note: string | undefined, at: string): Case {
  const after: Case = { ...before, status: to };
  if (needsOutcome(to)) {
    if (note) after.outcome = note;
    if (to === 'resolved') after.resolvedAt = at;
    else after.closedAt = at;
  }
  return isReopening(before.status, to) ? withDeadlines(ctx, { ...after, reopenedAt: at }) : after;
}

const statusHistory = (from: CaseStatus, to: CaseStatus, note: string | undefined): HistoryChange => ({
  action: isReopening(from, to) ? 'reopened' : 'status_changed',
  from,
  to,
  ...(note && { note }),
});

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
  const at = ctx.clock().toISOString();
  const after: Case = {
    ...moved(ctx, { ...before, ...extra }, to, note, at),
    version: before.version + 1,
    updatedAt: at,
  };
  return { after, items: changeItems(ctx, before, after, actor, [statusHistory(before.status, to, note)]) };
}

/** Escalation as a change to the case: urgent (its deadlines recomputed), flagged, with its history line. */
export function escalationChange(
  ctx: ServiceContext,
  before: Case,
  reason: string,
): { after: Case; items: LabelledItem[] } {
  const after: Case = withDeadlines(ctx, {
    ...before,
    escalated: true,
    priority: 'urgent',
    version: before.version + 1,
    updatedAt: ctx.clock().toISOString(),
  });
  const history: HistoryChange = { action: 'escalated', note: reason, changes: { priority: 'urgent' } };
  return { after, items: changeItems(ctx, before, after, { kind: 'system', id: 'escalation' }, [history]) };
}

export const staleCase = (id: string) =>
  new ConflictError('case.stale', `Case ${id} was changed by someone else; reload and retry`);

/** Translates a refused case write; an idempotency duplicate passes through for withIdempotency. */
function refused(error: unknown, id: string): unknown {
  if (error instanceof TransactionRefused && !isDuplicateClaim(error)) {
    if (error.failedLabels.includes(CASE_LABEL)) return staleCase(id);
    // Two cases drew the same 40-bit reference: vanishingly rare, and a retry draws another.
    if (error.failedLabels.includes(PUBLIC_REFERENCE_LABEL))
      return new ConflictError('case.reference_clash', 'Could not register the case just now; retry');
  }
  return error;
}

/** The customer hears the outcome once: when the case is resolved, or closed without having been resolved first. */
const reachesOutcome = (from: CaseStatus, to: CaseStatus) =>
  from !== to && (to === 'resolved' || (to === 'closed' && from !== 'resolved'));

export function caseService(ctx: ServiceContext, deps: { notices: NoticeService; messages: CustomerMessageService }) {
  const repo = caseRepository(ctx.store);
  const numbering = caseNumbering();
  const customers = customerRepository(ctx.store);
  const users = userRepository(ctx.store);
  const { notices, messages } = deps;

  async function commit(items: LabelledItem[], id: string): Promise<void> {
    try {
      await transact(ctx.store, items);
    } catch (error) {
      throw refused(error, id);
    }
  }

  /**
   * The caller's relations to the case: its owner, a manager of its customer (as the case records it, or as the
   * customer is now for managers, in case the case has not followed yet), or a supervisor/admin of its branch.
   */
  async function relationsTo(caller: Caller, c: Case): Promise<CaseRelation[]> {
    const relations = caseRelations(caller, c);
    if (mayOnCase(caller, 'work', relations) || !c.customerId || !caseAccessNeedsCustomer(caller)) return relations;
    return caseRelations(caller, c, await customers.get(c.customerId));
  }

  /** The case and the caller's relations to it; 404 unless the caller may read it (`need: 'full'`: work it). */
  async function loadWith(
    caller: Caller,
    id: string,
    need: 'full' | 'read',
  ): Promise<{ c: Case; relations: CaseRelation[] }> {
    const c = await repo.get(id, true);
    // A deleted case is read (and restored) by the admins of its branch only, and worked by no one.
    if (c?.deleted && need === 'read' && mayOnCase(caller, 'readDeleted', caseRelations(caller, c)))
      return { c, relations: [] };
    const relations = c && !c.deleted ? await relationsTo(caller, c) : [];
    if (!c || c.deleted || !mayOnCase(caller, need === 'full' ? 'work' : 'read', relations)) {
      throw new NotFoundError('case', id);
    }
    return { c, relations };
  }

  const load = async (caller: Caller, id: string, need: 'full' | 'read'): Promise<Case> =>
    (await loadWith(caller, id, need)).c;

  const assertMay = (caller: Caller, action: CaseAction, relations: CaseRelation[], message: string) => {
    if (!mayOnCase(caller, action, relations)) throw new ForbiddenError(message, 'case.forbidden');
  };

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
    // Independent reads, run together; the customer not at all when the caller holds its routing copy.
    const known = options.customer?.id === input.customerId ? options.customer : undefined;
    const [customer, lastRead] = await Promise.all([
      input.customerId && !known
        ? customers.get(input.customerId)
        : Promise.resolve<CustomerRouting | undefined>(known),
      options.counterRead?.year === year ? options.counterRead.read() : repo.lastSequence(year),
    ]);
    const caller = 'caller' in creator ? creator.caller : undefined;
    // Staff open cases only for customers they may read (anything else is as unknown as a missing customer), and
    // cases without a customer only in their own branch's queue.
    if (
      input.customerId &&
      (!customer || customer.status === 'merged' || (caller && !mayOnCustomer(caller, 'read', customer)))
    ) {
      throw new NotFoundError('customer', input.customerId);
    }
    if (caller && !customer && input.branchId && input.branchId !== caller.branchId) {
      throw new ForbiddenError('A case without a customer is opened in your own branch', 'case.forbidden');
    }
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
    // Times are kept in UTC (Z) whatever offset the source system wrote.
    const occurredAt = options.occurredAt ? new Date(options.occurredAt).toISOString() : undefined;
    const turn = await numbering.take(year, lastRead);
    try {
      return await prepared(turn);
    } catch (error) {
      turn.end(false);
      throw error;
    }

    /** The case with number `turn.sequence`, and its writes. */
    async function prepared(turn: NumberTurn): Promise<PreparedCase> {
      const { sequence } = turn;
      const id = caseReference(year, sequence);
      const actor = creatorActor(creator);
      const managers = customer ? caseManagersOf(customer) : { primaryManagerId: null, assistingManagerIds: [] };
      const c: Case = withDeadlines(ctx, {
        id,
        publicReference: newPublicReference(),
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
        ownerId: managers.primaryManagerId,
        ...managers,
        ...(options.submitterContact && { submitterContact: options.submitterContact }),
        escalated: false,
        ...(occurredAt && { occurredAt }),
        ...(options.locale && { locale: options.locale }),
        ...(options.relatedCaseId && { relatedCaseId: options.relatedCaseId }),
        deleted: false,
        version: 1,
        createdAt: at,
        updatedAt: at,
      });

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
          ...(occurredAt && { occurredAt }),
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
          occurredAt: occurredAt ?? at,
          actor,
          summary: `${c.type === 'complaint' ? 'Complaint' : 'Inquiry'} ${c.id} registered: ${c.title}`,
          links: { caseId: c.id },
        };
        timeline.push(timelineItem(ctx.store, entry, ctx.settings.RETENTION_DAYS));
      }

      const created = caseHistoryItem(ctx.store, {
        id: ctx.newId(now.getTime()),
        caseId: id,
        at,
        actor,
        action: 'created',
        to: 'new',
        changes: { origin, ownerId: c.ownerId, ...(c.relatedCaseId && { relatedCaseId: c.relatedCaseId }) },
      });
      // The customer is told the case exists, with its reference and how to follow it up.
      const acknowledgement = await messages.plan({ purpose: 'acknowledgement', case: c, customer, actor }, now);

      const contactAt = options.isContact ? (occurredAt ?? at) : undefined;
      const items = [
        // Both refuse when a concurrent case took this number first: the attempt is then prepared again (so does
        // the public reference, when another case drew the same one).
        { ...newCaseItem(ctx.store, c), retryable: true },
        caseSequenceItem(ctx.store, year, sequence),
        { ...publicReferenceItem(ctx.store, c.publicReference!, c.id), retryable: true },
        created,
        ...caseDerivedItemsButCounters(ctx.store, undefined, c),
        ...(contactAt && c.customerId ? [contactDayItem(ctx.store, c.customerId, contactAt)] : []),
        ...timeline,
        ...notificationItems,
        ...acknowledgement.items,
        ...(options.alsoWrite?.(c) ?? []),
        ...(options.recordFor?.({ status: 201, body: c }) ?? []),
      ];
      const counters = c.customerId
        ? { customerId: c.customerId, openCases: openCasesDelta(undefined, c), lastContactAt: contactAt }
        : undefined;
      const deliveries = [...notifications, ...acknowledgement.publish];
      return { case: c, items, counters, deliveries, settled: turn.end };
    }
  }

  /** After a prepared case committed (in its own transaction or a caller's): counted, and its notices published. */
  async function afterCommit(prepared: PreparedCase): Promise<void> {
    ctx.log.metric(metricNames.casesOpened);
    await notices.publish(prepared.deliveries);
  }

  /**
   * One attempt at a new case in its own transaction (with `options.recordFor`'s idempotency record), then its
   * notices. Callers run it inside withIdempotency or retryConcurrentWrites (see prepare).
   */
  async function create(creator: CaseCreator, rawInput: CaseCreateInput, options: CaseCreateOptions = {}) {
    const prepared = await prepare(creator, rawInput, options);
    const { customerId, ...counted } = prepared.counters ?? {};
    const countersItem = customerId ? [statsItem(ctx.store, customerId, counted)] : [];
    try {
      await commit([...prepared.items, ...countersItem], prepared.case.id);
    } catch (error) {
      prepared.settled(false);
      throw error;
    }
    prepared.settled(true);
    await afterCommit(prepared);
    return prepared.case;
  }

  /** `create`, once per idempotency claim. */
  const createOnce = (creator: CaseCreator, input: CaseCreateInput, claim?: IdempotencyClaim) =>
    withIdempotency<Case>(ctx.store, claim, async (recordFor) => ({
      status: 201,
      body: await create(creator, input, { recordFor }),
    }));

  /** A staff member's internal note, once per client key: a retry or a concurrent copy answers the first note. */
  const addNoteOnce = (caller: Caller, caseId: string, text: string, claim?: IdempotencyClaim) =>
    withIdempotency<CaseMessage>(ctx.store, claim, async (recordFor) => ({
      status: 201,
      body: await addMessage({ caller }, caseId, { text, channel: 'system', direction: 'internal' }, [], recordFor),
    }));

  const get = (caller: Caller, id: string): Promise<Case> => load(caller, id, 'read');

  async function history(caller: Caller, id: string): Promise<CaseHistoryEntry[]> {
    await load(caller, id, 'read');
    return repo.history(id);
  }

  /**
   * The patch applied to the case: fields set (null removes one), a complaint loses its inquiry subject, a new
   * priority brings new deadlines. Returns the edited case and what changed, from and to.
   */
  function edit(before: Case, fields: Omit<CasePatchInput, 'status' | 'note'>) {
    const wanted: Record<string, unknown> = { ...fields };
    if (fields.type === 'complaint' && fields.subject === undefined && before.subject) wanted.subject = null;
    const edited: Record<string, unknown> = { ...before };
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const [key, value] of Object.entries(wanted)) {
      const from = edited[key];
      if (value === null ? from === undefined : from === value) continue;
      changes[key] = { from: from ?? null, to: value };
      if (value === null) delete edited[key];
      else edited[key] = value;
    }
    const after = edited as unknown as Case;
    return { after: changes.priority ? withDeadlines(ctx, after) : after, changes };
  }

  /**
   * Edits fields (type, subject, product code and category reclassify the case) and/or moves the status, as one
   * versioned write with its history. Resolving and closing need the outcome note; a resolved or closed case moved
   * back to work is reopened.
   */
  async function update(caller: Caller, id: string, patch: CasePatchInput, expectedVersion?: number): Promise<Case> {
    const { c: stored, relations } = await loadWith(caller, id, 'full');
    const before = { ...stored, version: expectedVersion ?? stored.version };
    const now = ctx.clock();
    const at = now.toISOString();
    const { status, note, ...fields } = patch;
    const { after: edited, changes } = edit(before, fields);
    const reclassified = Object.keys(changes).filter((k) => (classificationFields as readonly string[]).includes(k));
    const updated = Object.keys(changes).filter((k) => !reclassified.includes(k));
    if (reclassified.length) {
      assertMay(caller, 'reclassify', relations, 'You may not reclassify this case');
      if (before.status === 'converted') {
        throw new ConflictError(
          'case.converted',
          `Case ${id} became opportunity ${before.opportunityId}; it stays as is`,
        );
      }
      const issues = classificationIssues(edited);
      if (issues.length) throw new ValidationError('The case would not be classified consistently', issues);
    }
    const history: HistoryChange[] = [];
    if (reclassified.length) {
      history.push({ action: 'reclassified', changes: Object.fromEntries(reclassified.map((k) => [k, changes[k]])) });
    }
    if (updated.length) {
      history.push({
        action: 'updated',
        changes: Object.fromEntries(updated.map((k) => [k, changes[k]!.to])),
        ...(note && !status && { note }),
      });
    }
    let after: Case = { ...edited, version: before.version + 1, updatedAt: at };
    if (status && status !== before.status) {
      assertCaseTransition(before.status, status);
      if (needsOutcome(status) && !note) {
        throw new ValidationError(`Say how the case ended: ${status} needs an outcome note`, [
          { path: 'note', message: 'the outcome is required' },
        ]);
      }
      if (isReopening(before.status, status)) assertMay(caller, 'reopen', relations, 'You may not reopen this case');
      after = { ...moved(ctx, after, status, note, at), version: after.version, updatedAt: at };
      history.push(statusHistory(before.status, status, note));
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
    const actor: Actor = { kind: 'user', id: caller.userId };
    const writes = changeItems(ctx, before, after, actor, history);
    const outcome = reachesOutcome(before.status, after.status)
      ? await messages.plan({ purpose: 'outcome', case: after, actor }, now)
      : undefined;
    await commit([...writes, ...(outcome?.items ?? [])], id);
    await notices.publish(outcome?.publish ?? []);
    return after;
  }

  /**
   * Gives the case to another user of its branch (a manager or supervisor): the branch's supervisors, or its
   * owner to a colleague. The new owner is told, and so is the previous one when someone else moved it.
   */
  async function assign(caller: Caller, id: string, input: CaseAssignInput, expectedVersion?: number): Promise<Case> {
    const { c: stored, relations } = await loadWith(caller, id, 'read');
    if (stored.deleted) throw new NotFoundError('case', id);
    assertMay(caller, 'assign', relations, "Only the branch's supervisors, or the case's owner, assign a case");
    if (!isOpen(stored.status) && stored.status !== 'resolved') {
      throw new ConflictError('case.finished', `Case ${id} is ${stored.status}; reopen it before assigning it`);
    }
    if (expectedVersion !== undefined && expectedVersion !== stored.version) throw staleCase(id);
    if (stored.ownerId === input.ownerId) return stored;
    await assertAssignable(users, [{ id: input.ownerId, path: 'ownerId' }], stored.branchId, 'case.assignee_invalid');
    const now = ctx.clock();
    const after: Case = {
      ...stored,
      ownerId: input.ownerId,
      version: stored.version + 1,
      updatedAt: now.toISOString(),
    };
    const drafts: NotificationDraft[] = [
      {
        recipientId: input.ownerId,
        kind: 'case_assigned' as const,
        title: `Case ${id} is now yours: ${stored.title}`,
        excerpt: excerptOf(`${caller.userId} assigned it to you. Reason: ${input.reason}`),
        ...aboutCase(stored),
      },
      ...(stored.ownerId
        ? [
            {
              recipientId: stored.ownerId,
              kind: 'case_assigned' as const,
              title: `Case ${id} moved to ${input.ownerId}: ${stored.title}`,
              excerpt: excerptOf(`${caller.userId} assigned it to ${input.ownerId}. Reason: ${input.reason}`),
              ...aboutCase(stored),
            },
          ]
        : []),
    ].filter((d) => d.recipientId !== caller.userId);
    const { notifications, items } = notices.draft(drafts, now);
    const assigned: HistoryChange = {
      action: 'assigned',
      note: input.reason,
      changes: { ownerId: { from: stored.ownerId, to: input.ownerId } },
    };
    await commit([...changeItems(ctx, stored, after, actorOf(caller), [assigned]), ...items], id);
    await notices.publish(notifications);
    return after;
  }

  /**
   * Soft delete, with the reason: the case leaves every list and the customer's open cases, and stays restorable
   * by an admin. Its owner is told when someone else deleted it.
   */
  async function remove(caller: Caller, id: string, reason: string, expectedVersion?: number): Promise<void> {
    if (!reason.trim())
      throw new ValidationError('Say why the case is deleted', [{ path: 'reason', message: 'required' }]);
    const stored = await load(caller, id, 'full');
    const before = { ...stored, version: expectedVersion ?? stored.version };
    const now = ctx.clock();
    const after: Case = { ...before, deleted: true, version: before.version + 1, updatedAt: now.toISOString() };
    const { notifications, items } = notices.draft(
      stored.ownerId && stored.ownerId !== caller.userId
        ? [
            {
              recipientId: stored.ownerId,
              kind: 'case_deleted',
              title: `Case ${id} was deleted by ${caller.userId}: ${stored.title}`,
              excerpt: excerptOf(`Reason: ${reason}`),
              ...aboutCase(stored),
            },
          ]
        : [],
      now,
    );
    const deleted: HistoryChange = { action: 'deleted', note: reason };
    await commit([...changeItems(ctx, before, after, actorOf(caller), [deleted]), ...items], id);
    await notices.publish(notifications);
  }

  async function restore(caller: Caller, id: string, reason?: string): Promise<Case> {
    const before = await repo.get(id, true);
    if (!before || !mayOnCase(caller, 'readDeleted', caseRelations(caller, before)))
      throw new NotFoundError('case', id);
    if (!before.deleted) throw new ConflictError('case.not_deleted', `Case ${id} is not deleted`);
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

  /** Where a customer's message on `c` goes: the newest case opened to follow it up, if any. */
  async function newestFollowUpOf(c: Case): Promise<Case> {
    let current = c;
    for (let hops = 0; current.followedBy && hops < 10; hops++) {
      const next = await repo.get(current.followedBy, true);
      if (!next || next.deleted) break;
      current = next;
    }
    return current;
  }

  /**
   * A message or note on a case (replies by SMS/email, agents' notes). It does not change the case's version,
   * so it never makes a manager's edit stale, unless a customer's message reopens the case. An inbound message
   * notifies the owner; on a case closed long ago it opens a new case linked to the old one instead.
   * `alsoWrite`: items that must commit with the message (e.g. the follow-up it completes); `recordFor`: the
   * idempotency record of a staff note (see addNoteOnce; staff never open a follow-up case this way).
   */
  async function addMessage(
    creator: CaseCreator,
    caseId: string,
    input: CaseMessageInput,
    alsoWrite: LabelledItem[] = [],
    recordFor: RecordFor<CaseMessage> = () => [],
  ): Promise<CaseMessage> {
    const fromCustomer = !('caller' in creator) && input.direction === 'inbound';
    const text = input.text.trim();
    if (!text) throw new ValidationError('The message is empty', [{ path: 'text', message: 'required' }]);
    for (let attempt = 1; ; attempt++) {
      const found = 'caller' in creator ? await load(creator.caller, caseId, 'read') : await repo.get(caseId, true);
      if (!found || found.deleted) throw new NotFoundError('case', caseId);
      const c = fromCustomer ? await newestFollowUpOf(found) : found;
      const now = ctx.clock();
      const outcome = fromCustomer ? onCustomerMessage(c, now, ctx.settings.REOPEN_WITHIN_DAYS) : 'append';
      if (outcome === 'new_case') return followUpCase(creator, c, input, text, alsoWrite);
      try {
        const withRecord = (message: CaseMessage) => [...alsoWrite, ...recordFor({ status: 201, body: message })];
        return await writeMessage(creator, c, input, text, outcome === 'reopen', withRecord, now);
      } catch (error) {
        // A reopening raced another change to the case: read it again and judge afresh.
        const raced = outcome === 'reopen' && error instanceof ConflictError && error.code === 'case.stale';
        if (!raced || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  async function writeMessage(
    creator: CaseCreator,
    c: Case,
    input: CaseMessageInput,
    text: string,
    reopen: boolean,
    alsoWrite: (message: CaseMessage) => LabelledItem[],
    now: Date,
  ): Promise<CaseMessage> {
    const actor = creatorActor(creator);
    const message: CaseMessage = {
      id: ctx.newId(now.getTime()),
      caseId: c.id,
      at: now.toISOString(),
      actor,
      channel: input.channel,
      direction: input.direction,
      text,
      ...('externalId' in creator && creator.externalId && { externalId: creator.externalId }),
    };
    const reopened = reopen ? statusChange(ctx, c, 'in_progress', actor, 'the customer wrote again') : undefined;
    const author = 'caller' in creator ? creator.caller.userId : undefined;
    const told = input.direction === 'inbound' && (reopen || isOpen(c.status) || c.status === 'converted');
    const recipients = !told ? [] : c.ownerId ? [c.ownerId] : reopen ? await supervisorsOf(c.branchId) : [];
    const { notifications, items } = notices.draft(
      recipients
        .filter((r) => r !== author)
        .map((recipientId) => ({
          recipientId,
          kind: reopen ? ('case_reopened' as const) : ('case_message' as const),
          title: `${reopen ? `Reopened by the customer's message: ${c.id}` : `New message on ${c.id}`}: ${c.title}`,
          excerpt: excerptOf(text),
          ...aboutCase(c),
        })),
      now,
    );
    await commit(
      [
        ...(reopened ? reopened.items : [liveCaseCheck(ctx.store, c.id)]),
        caseMessageItem(ctx.store, message),
        caseHistoryItem(ctx.store, {
          id: ctx.newId(now.getTime()),
          caseId: c.id,
          at: message.at,
          actor,
          action: 'message',
          note: excerptOf(text, 200),
          changes: { channel: input.channel, direction: input.direction },
        }),
        ...items,
        ...alsoWrite(message),
      ],
      c.id,
    ).catch((error) => {
      // The case was deleted between the read and the write (a reopening's race is retried by the caller).
      if (!reopen && error instanceof ConflictError && error.code === 'case.stale')
        throw new NotFoundError('case', c.id);
      throw error;
    });
    await notices.publish(notifications);
    return message;
  }

  /**
   * The customer wrote on a case closed too long ago to reopen: a new case of the same kind, linked both ways,
   * with the message as its description and its first message.
   */
  async function followUpCase(
    creator: CaseCreator,
    old: Case,
    input: CaseMessageInput,
    text: string,
    alsoWrite: LabelledItem[],
  ): Promise<CaseMessage> {
    let message: CaseMessage | undefined;
    await retryConcurrentWrites(() =>
      create(
        creator,
        {
          type: old.type,
          ...(old.subject && { subject: old.subject }),
          ...(old.productCode && { productCode: old.productCode }),
          category: old.category,
          title: excerptOf(`Again about ${old.id}: ${old.title}`, 200),
          description: excerptOf(text, 10_000),
          customerId: old.customerId,
          branchId: old.branchId,
        },
        {
          relatedCaseId: old.id,
          ...(old.submitterContact && { submitterContact: old.submitterContact }),
          alsoWrite: (created) => {
            const at = created.createdAt;
            message = {
              id: ctx.newId(Date.parse(at)),
              caseId: created.id,
              at,
              actor: creatorActor(creator),
              channel: input.channel,
              direction: input.direction,
              text,
            };
            const linked: Case = { ...old, followedBy: created.id, version: old.version + 1, updatedAt: at };
            const history: HistoryChange = {
              action: 'follow_up_opened',
              note: `the customer wrote again after it was closed; continued in ${created.id}`,
              changes: { followedBy: created.id },
            };
            return [
              caseMessageItem(ctx.store, message),
              ...changeItems(ctx, old, linked, creatorActor(creator), [history]).map((item) =>
                // The old case is a second case in this transaction: its condition gets a label of its own.
                item.label === CASE_LABEL ? { ...item, label: 'followed-case' } : item,
              ),
              ...alsoWrite,
            ];
          },
        },
      ),
    );
    return message!;
  }

  /**
   * The sweeper's part of "act within 24–48 hours" and "resolve in time": each case past a watched deadline is
   * reported once to the branch's supervisors and its owner, and the breach is kept on the case with a history
   * line (`response_overdue`, `resolution_overdue`). The case write is version-checked, so concurrent sweeps
   * report a case once, and a case acted on meanwhile is judged afresh.
   */
  async function notifyOverdue(now: Date): Promise<Record<DeadlineKind, number>> {
    return {
      response: await reportDue('response', now),
      resolution: await reportDue('resolution', now),
    };
  }

  async function reportDue(kind: DeadlineKind, now: Date): Promise<number> {
    let reported = 0;
    for (;;) {
      const due = await repo.listDeadlinesDue(kind, now, DEADLINES_BATCH);
      let progressed = false;
      for (const { caseId } of due) {
        const outcome = await reportOverdue(kind, caseId, now);
        if (outcome !== 'taken') progressed = true;
        if (outcome === 'reported') reported++;
      }
      if (due.length < DEADLINES_BATCH || !progressed) return reported;
    }
  }

  async function reportOverdue(kind: DeadlineKind, caseId: string, now: Date): Promise<'reported' | 'ended' | 'taken'> {
    const c = await repo.get(caseId, true);
    const dueAt = c && watchedDeadlines(c)[kind];
    try {
      if (!c || !dueAt) {
        // A watch left behind by a case no longer waiting is just ended.
        await transact(ctx.store, [deadlineWatchEnd(ctx.store, caseId, kind, true)]);
        return 'ended';
      }
      if (Date.parse(dueAt) >= now.getTime()) return 'taken';
      const at = now.toISOString();
      const after: Case = {
        ...c,
        breaches: [...(c.breaches ?? []), { kind, dueAt, reportedAt: at }],
        version: c.version + 1,
        updatedAt: at,
      };
      const what = kind === 'response' ? 'No response yet' : 'Not resolved in time';
      const recipients = [...new Set([...(await supervisorsOf(c.branchId)), ...(c.ownerId ? [c.ownerId] : [])])];
      const { notifications, items } = notices.draft(
        recipients.map((recipientId) => ({
          recipientId,
          kind: kind === 'response' ? 'case_response_overdue' : 'case_resolution_overdue',
          title: `${what}: ${c.id} ${c.title}`,
          excerpt: excerptOf(`Due by ${dueAt}, still ${c.status}. ${c.description}`),
          ...aboutCase(c),
        })),
        now,
      );
      const breach: HistoryChange = {
        action: kind === 'response' ? 'response_overdue' : 'resolution_overdue',
        note: `not ${kind === 'response' ? 'acted on' : 'resolved'} by ${dueAt}`,
        changes: { dueAt, priority: c.priority },
      };
      const actor: Actor = { kind: 'system', id: `${kind}-watch` };
      await transact(ctx.store, [...changeItems(ctx, c, after, actor, [breach]), ...items]);
      ctx.log.metric(metricNames.slaBreaches);
      await notices.publish(notifications);
      return 'reported';
    } catch (error) {
      if (
        error instanceof TransactionRefused &&
        error.failedLabels.some((l) => l === CASE_LABEL || l.endsWith('-watch'))
      )
        return 'taken';
      throw error;
    }
  }

  /** Which list the caller reads: a customer's cases (in scope), their own, their customers', the queue or branch. */
  async function listFor(caller: Caller, query: CaseListQuery): Promise<CaseList> {
    if (query.customerId) {
      const customer = await customers.get(query.customerId);
      if (!customer || !mayOnCustomer(caller, 'read', customer)) throw new NotFoundError('customer', query.customerId);
      return { by: 'customer', customerId: customer.id };
    }
    const scope = query.scope ?? (query.owner === 'me' ? 'mine' : query.owner === 'queue' ? 'queue' : undefined);
    if (scope === 'my-customers') {
      assertMay(caller, 'listMyCustomers', [], "Agents list one customer's cases");
      // Open ones unless a finished status is asked for.
      return { by: 'managed', managerId: caller.userId, open: !query.status || isOpen(query.status) };
    }
    if (scope === 'queue' || scope === 'branch') {
      if (!mayOnCase(caller, 'listBranch', ['branch'])) {
        throw new ForbiddenError("Only supervisors and admins read the branch's queue and cases", 'case.forbidden');
      }
      return { by: scope, branchId: caller.branchId };
    }
    if (scope === 'mine' || caller.role === 'manager') return { by: 'owner', ownerId: caller.userId };
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
    const filter: CaseFilter = {
      status: query.status,
      type: query.type,
      escalated: query.escalated,
      ...(query.overdue && { overdue: { kind: query.overdue, now: ctx.clock().toISOString() } }),
    };
    return repo.list(target, filter, startKey, limit);
  }

  /** A case the caller may work, or may read only (agents), for another service's change to it. */
  const loadFor = load;

  /** A live case the caller may write to the customer from; a 404 otherwise. */
  async function loadToReply(caller: Caller, id: string): Promise<Case> {
    const c = await repo.get(id, true);
    if (!c || c.deleted || !mayOnCase(caller, 'reply', await relationsTo(caller, c)))
      throw new NotFoundError('case', id);
    return c;
  }

  /** The branch's supervisors, who hear of queued and escalated cases. */
  const branchSupervisors = supervisorsOf;

  return {
    prepare,
    afterCommit,
    create,
    createOnce,
    get,
    history,
    update,
    assign,
    remove,
    restore,
    addMessage,
    addNoteOnce,
    notifyOverdue,
    /** The first-response part of `notifyOverdue`. */
    notifyOverdueResponses: (now: Date) => reportDue('response', now),
    list,
    loadFor,
    loadToReply,
    branchSupervisors,
  };
}

export type CaseService = ReturnType<typeof caseService>;
