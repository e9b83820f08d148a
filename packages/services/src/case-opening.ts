import {
  CaseCreateInput,
  excerptOf,
  ForbiddenError,
  mayOnCustomer,
  metricNames,
  newPublicReference,
  NotFoundError,
  caseManagersOf,
  type Case,
  type CaseOrigin,
  type Locale,
  type TimelineChannel,
  type TimelineEntry,
} from '@cc/core';
import {
  caseHistoryItem,
  caseReference,
  caseRepository,
  caseSequenceItem,
  contactDayItem,
  customerRepository,
  newCaseItem,
  publicReferenceItem,
  caseDerivedItemsButCounters,
  openCasesDelta,
  statsItem,
  timelineItem,
  withIdempotency,
  type IdempotencyClaim,
  type LabelledItem,
  type RecordFor,
  type CustomerRouting,
} from '@cc/store';
import { caseNumbering, type NumberTurn } from './case-numbers';
import type { ServiceContext } from './context';
import type { CustomerMessageService } from './customer-messages';
import type { NoticeService, NotificationDraft } from './notices';
import { parseInput } from './parse';
import { aboutCase, commitCase, creatorActor, isImport, withDeadlines, type CaseCreator } from './case-changes';
import type { CaseAccess } from './case-access';

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

/**
 * Registering a case, from any way in (staff, the web form, SMS, email, imports, a follow-up): its number and
 * reference, owner and deadlines, the notices to its manager or the branch queue and the customer's acknowledgement.
 */
export function caseOpening(
  ctx: ServiceContext,
  deps: { notices: NoticeService; messages: CustomerMessageService; access: CaseAccess },
) {
  const repo = caseRepository(ctx.store);
  const numbering = caseNumbering();
  const customers = customerRepository(ctx.store);
  const { notices, messages, access } = deps;

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
      const recipients = c.ownerId ? [c.ownerId] : await access.supervisorsOf(branchId);
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
      await commitCase(ctx, [...prepared.items, ...countersItem], prepared.case.id);
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

  return { prepare, afterCommit, create, createOnce };
}

export type CaseOpening = ReturnType<typeof caseOpening>;
