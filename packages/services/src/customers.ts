import {
  actorOf,
  changesIdentities,
  ContactPreferences,
  contactPointIssues,
  decideLevelByRule,
  ForbiddenError,
  lacksRequiredManager,
  levelPolicyFor,
  levelRank,
  managersOf,
  mayCreateCustomerIn,
  mayOnCustomer,
  NotFoundError,
  reducedProfile,
  requiresPrimaryManager,
  ValidationError,
  type Caller,
  type Notification,
  type ContactPoint,
  type Customer,
  type CustomerAction,
  type CustomerCreateInput,
  type CustomerPatchInput,
  type FieldIssue,
} from '@cc/core';
import { tryNormaliseEmail, tryNormalisePhone } from '@cc/channels';
import {
  customerRepository,
  readCustomerView,
  userRepository,
  withIdempotency,
  type BookRole,
  type IdempotencyClaim,
  type Identity,
  type LabelledItem,
  type UserNameDirectory,
} from '@cc/store';
import { assignableConditions, assignmentRefusal } from './assignees';
import type { CaseOwnershipService } from './case-ownership';
import { changeRequestOpening, type Requester } from './change-request-opening';
import type { ServiceContext } from './context';
import type { AuditService } from './audit';
import type { NoticeService, NotificationDraft } from './notices';

/** Phones to E.164, emails trimmed and lower-cased; any that cannot be normalised is a field error. */
export function normaliseContactPoints(points: ContactPoint[]): ContactPoint[] {
  const issues: FieldIssue[] = [];
  const normalised = points.map((p, i) => {
    const value = p.kind === 'phone' ? tryNormalisePhone(p.value) : tryNormaliseEmail(p.value);
    if (!value) issues.push({ path: `contactPoints.${i}.value`, message: `not a valid ${p.kind}` });
    return { ...p, value: value ?? p.value };
  });
  issues.push(...contactPointIssues(normalised));
  if (issues.length) throw new ValidationError('Some contact points are invalid', issues);
  return normalised;
}

/** What the caller may see of a customer: everything in scope, the reduced profile for agents. */
export function visibleCustomer(caller: Caller, customer: Customer): VisibleCustomer {
  return mayOnCustomer(caller, 'readFull', customer) ? customer : reducedProfile(customer);
}

/** A customer as some caller may see it: agents get the profile without figures and notes. */
export type VisibleCustomer = Customer | ReturnType<typeof reducedProfile>;

/** A customer number, phone or email as given by a person, as the identity it is stored under. */
export function identityOf(query: { number?: string; phone?: string; email?: string }): Identity | undefined {
  if (query.number) return { kind: 'number', value: query.number.trim() };
  if (query.phone) {
    const value = tryNormalisePhone(query.phone);
    if (!value) throw new ValidationError('Not a valid phone number', [{ path: 'phone', message: 'invalid' }]);
    return { kind: 'phone', value };
  }
  if (query.email) {
    const value = tryNormaliseEmail(query.email);
    if (!value) throw new ValidationError('Not a valid email address', [{ path: 'email', message: 'invalid' }]);
    return { kind: 'email', value };
  }
  return undefined;
}

type Page<T> = { items: T[]; lastKey?: Record<string, unknown> };

const LEVEL_RULES: Requester = { id: 'level-rules', actor: { kind: 'system', id: 'level-rules' } };

export function customerService(
  ctx: ServiceContext,
  deps: { notices: NoticeService; directory: UserNameDirectory; ownership: CaseOwnershipService; audit: AuditService },
) {
  const repo = customerRepository(ctx.store);
  const users = userRepository(ctx.store);
  const policy = levelPolicyFor(
    ctx.settings.CUSTOMER_LEVELS,
    ctx.settings.MANAGED_FROM_LEVEL,
    ctx.settings.LEVEL_RULES,
  );
  const { notices, ownership } = deps;

  /**
   * A customer who must have a primary manager and has none: an assignment request for the branch's
   * supervisors, marked on the customer, in the same transaction as whatever left it without one.
   */
  async function requestManager(customer: Customer, requestedBy: Requester, reason: string, now: Date) {
    const opening = await changeRequestOpening(ctx, notices, {
      customer,
      change: { kind: 'assignment' },
      reason,
      requestedBy,
      now,
    });
    customer.pendingAssignment = { requestId: opening.request.id, requestedAt: opening.request.requestedAt };
    return opening;
  }

  const assertLevel = (level: string, path = 'level') => {
    if (!policy.levels.includes(level)) {
      throw new ValidationError('Unknown customer level', [{ path, message: `one of ${policy.levels.join(', ')}` }]);
    }
  };

  /** The customer, when the caller may do `action` to it; a 404 that reveals nothing otherwise. */
  async function inScope(caller: Caller, id: string, action: CustomerAction, consistent = false): Promise<Customer> {
    const customer = await repo.get(id, consistent);
    if (!customer || !mayOnCustomer(caller, action, customer)) throw new NotFoundError('customer', id);
    return customer;
  }

  /** Readable by the caller: agents read any customer (reduced); others only within scope; 404 otherwise. */
  const readable = (caller: Caller, id: string) => inScope(caller, id, 'read');

  /** A customer read for the caller to see (GET /customers/{id}): audited. */
  const read = (caller: Caller, id: string) =>
    deps.audit.audited(caller, 'customer.read', id, () => readable(caller, id));

  /** Changeable by the caller: primary/assisting manager or a supervisor/admin of the branch. */
  const changeable = (caller: Caller, id: string) => inScope(caller, id, 'change', true);

  function historyItem(
    customerId: string,
    at: string,
    actor: Caller | 'system',
    action: string,
    details: Record<string, unknown>,
  ): LabelledItem {
    return repo.historyItem({
      id: ctx.newId(),
      customerId,
      at,
      actor: actor === 'system' ? { kind: 'system', id: 'level-rules' } : { kind: 'user', id: actor.userId },
      action,
      details,
    });
  }

  /** `create`, once per idempotency claim; the answer is the profile as the caller may see it. */
  function createOnce(caller: Caller, input: CustomerCreateInput, claim?: IdempotencyClaim) {
    return withIdempotency<VisibleCustomer>(ctx.store, claim, async (recordFor) => {
      let response = { status: 201, body: undefined as unknown as VisibleCustomer };
      await create(caller, input, (customer) =>
        recordFor((response = { status: 201, body: visibleCustomer(caller, customer) })),
      );
      return response;
    });
  }

  async function create(
    caller: Caller,
    input: CustomerCreateInput,
    extraFor: (customer: Customer) => LabelledItem[] = () => [],
  ): Promise<Customer> {
    const branchId = input.branchId ?? caller.branchId;
    const supervising = mayOnCustomer(caller, 'setManagedFields', {
      branchId,
      primaryManagerId: null,
      assistingManagerIds: [],
    });
    const forbidden = (['level', 'primaryManagerId', 'assistingManagerIds', 'figures'] as const).filter(
      (f) => input[f] !== undefined && !supervising,
    );
    if (forbidden.length) {
      throw new ForbiddenError(
        `Only a supervisor or admin of branch ${branchId} may set ${forbidden.join(', ')}; ` +
          'request an assignment or level change instead',
        'customer.field_forbidden',
      );
    }
    if (!mayCreateCustomerIn(caller, branchId)) {
      throw new ForbiddenError('Customers are created in your own branch', 'customer.field_forbidden');
    }
    const level = input.level ?? policy.levels[0]!;
    assertLevel(level);
    const nominees = [
      ...(input.primaryManagerId ? [{ id: input.primaryManagerId, path: 'primaryManagerId' }] : []),
      ...(input.assistingManagerIds ?? []).map((id) => ({ id, path: 'assistingManagerIds' })),
    ];
    // Who sets managers names one; anyone else (an agent registering a corporate caller) leaves it to the branch.
    const pendingAssignment = requiresPrimaryManager(policy, input.type, level) && !input.primaryManagerId;
    if (pendingAssignment && supervising) {
      throw new ValidationError(
        'Corporate customers and customers at level ' + policy.managedFrom + ' or above need a primary manager',
        [{ path: 'primaryManagerId', message: 'required' }],
        'customer.manager_required',
      );
    }
    const clock = ctx.clock();
    const now = clock.toISOString();
    const customer: Customer = {
      id: ctx.newId(),
      customerNumber: input.customerNumber,
      name: input.name,
      type: input.type,
      level,
      branchId,
      contactPoints: normaliseContactPoints(input.contactPoints),
      preferredChannel: input.preferredChannel,
      preferences: input.preferences ?? ContactPreferences.parse({}),
      tags: input.tags,
      figures: input.figures ?? {},
      notes: input.notes,
      status: 'active',
      primaryManagerId: input.primaryManagerId ?? null,
      assistingManagerIds: (input.assistingManagerIds ?? []).filter((m) => m !== input.primaryManagerId),
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    const opening = pendingAssignment
      ? await requestManager(
          customer,
          { id: caller.userId, actor: actorOf(caller) },
          `New ${customer.type} customer registered by ${caller.userId}: needs a primary manager`,
          clock,
        )
      : undefined;
    try {
      await repo.create(customer, [
        historyItem(customer.id, now, caller, 'created', { level, primaryManagerId: customer.primaryManagerId }),
        ...assignableConditions(users, nominees, branchId),
        ...(opening?.items ?? []),
        ...extraFor(customer),
      ]);
    } catch (error) {
      throw assignmentRefusal(error, nominees, branchId, 'assignment.invalid') ?? error;
    }
    await notices.publish(opening?.notifications ?? []);
    return customer;
  }

  async function update(
    caller: Caller,
    id: string,
    expectedVersion: number,
    patch: CustomerPatchInput,
  ): Promise<Customer> {
    const before = await changeable(caller, id);
    if (before.status === 'merged') {
      throw new ValidationError('A merged customer cannot be changed; change the survivor', [], 'customer.merged');
    }
    if (patch.figures !== undefined && !mayOnCustomer(caller, 'setManagedFields', before)) {
      throw new ForbiddenError(
        'Financial figures come from core banking and are set by supervisors or admins',
        'customer.field_forbidden',
      );
    }
    const contactPoints = patch.contactPoints && normaliseContactPoints(patch.contactPoints);
    if (contactPoints && changesIdentities(before.contactPoints, contactPoints)) {
      throw new ForbiddenError(
        'Adding, removing or verifying a phone or email is a change request a supervisor approves: ' +
          'POST /customers/{id}/change-requests with kind contact_points',
        'customer.identity_change_forbidden',
      );
    }
    const now = ctx.clock();
    const after: Customer = {
      ...before,
      ...(patch.name !== undefined && { name: patch.name }),
      ...(contactPoints && { contactPoints }),
      ...(patch.preferredChannel !== undefined && { preferredChannel: patch.preferredChannel ?? undefined }),
      ...(patch.preferences !== undefined && { preferences: patch.preferences }),
      ...(patch.tags !== undefined && { tags: patch.tags }),
      ...(patch.figures !== undefined && { figures: { ...before.figures, ...patch.figures } }),
      ...(patch.notes !== undefined && { notes: patch.notes ?? undefined }),
      version: expectedVersion + 1,
      updatedAt: now.toISOString(),
    };
    const staleCheck = { ...before, version: expectedVersion };
    const extra: LabelledItem[] = [historyItem(id, after.updatedAt, caller, 'updated', { fields: Object.keys(patch) })];
    const drafts: NotificationDraft[] = [];
    const opened: Notification[] = [];
    // Every decision of the level rules is in the history, with the figures and thresholds it used.
    const rule = patch.figures ? decideLevelByRule(policy, before, after.figures, now) : undefined;
    if (rule) extra.push(historyItem(id, after.updatedAt, 'system', 'level_rule', { ...rule }));
    if (rule?.outcome === 'raised') {
      after.level = rule.to;
      extra.push(
        historyItem(id, after.updatedAt, 'system', 'level_changed', {
          from: before.level,
          to: rule.to,
          reason: `rule: assets under management ${rule.aum}`,
        }),
      );
      drafts.push(...levelChangeNotices(after, before.level, 'by rule'));
      if (lacksRequiredManager(policy, after) && !after.pendingAssignment) {
        const opening = await requestManager(
          after,
          LEVEL_RULES,
          `Raised to ${rule.to} by the level rules (assets under management ${rule.aum}): needs a primary manager`,
          now,
        );
        extra.push(...opening.items);
        opened.push(...opening.notifications);
      }
    }
    const { notifications, items } = notices.draft(drafts, now);
    await repo.save(staleCheck, after, [...extra, ...items]);
    await notices.publish([...notifications, ...opened]);
    return after;
  }

  function levelChangeNotices(customer: Customer, from: string, how: string): NotificationDraft[] {
    if (!customer.primaryManagerId) return [];
    const direction = levelRank(policy, customer.level) > levelRank(policy, from) ? 'up' : 'down';
    return [
      {
        recipientId: customer.primaryManagerId,
        kind: 'level_changed',
        title: `Level ${direction}: ${from} → ${customer.level} (${how})`,
        excerpt: `${customer.name} (${customer.customerNumber}) moved from ${from} to ${customer.level}`,
        customerId: customer.id,
        customerNumber: customer.customerNumber,
        customerName: customer.name,
      },
    ];
  }

  async function setStatus(caller: Caller, id: string, status: 'active' | 'closed', reason: string): Promise<Customer> {
    const before = await changeable(caller, id);
    if (before.status === 'merged') {
      throw new ValidationError('A merged customer cannot be reopened', [], 'customer.merged');
    }
    if (before.status === status) return before;
    const at = ctx.clock().toISOString();
    const after = { ...before, status, version: before.version + 1, updatedAt: at };
    const items = [historyItem(id, at, caller, status === 'closed' ? 'closed' : 'reopened', { reason })];
    // Closed: its open cases go to the branch queue; reopened: back to its primary manager.
    const following = await ownership.follow(before, after, {
      actor: actorOf(caller),
      cause: `customer ${status === 'closed' ? 'closed' : 'reopened'}: ${reason}`,
      used: repo.saveItems(before, after).length + items.length,
    });
    await repo.save(before, after, [...items, ...following.items]);
    await ownership.finish(following);
    return after;
  }

  /**
   * The customer 360: profile (reduced for agents), managers, identities, the newest contacts, open
   * cases and opportunities, and counters, from two parallel Queries (store/customer-view.ts).
   */
  async function view(caller: Caller, id: string) {
    const data = await deps.audit.audited(caller, 'customer.view', id, () =>
      readCustomerView(ctx.store, id, ctx.clock()),
    );
    if (!data || !mayOnCustomer(caller, 'read', data.profile)) throw new NotFoundError('customer', id);
    const { profile } = data;
    const names = await deps.directory.namesOf(managersOf(profile));
    const person = (id: string) => ({ id, name: names.get(id) ?? null });
    return {
      profile: visibleCustomer(caller, profile),
      managers: {
        primaryManagerId: profile.primaryManagerId,
        assistingManagerIds: profile.assistingManagerIds,
        primary: profile.primaryManagerId ? person(profile.primaryManagerId) : null,
        assisting: profile.assistingManagerIds.map(person),
      },
      identities: { customerNumber: profile.customerNumber, contactPoints: profile.contactPoints },
      latestContacts: data.latestContacts,
      openCases: data.openCases,
      openOpportunities: data.openOpportunities,
      counters: data.counters,
    };
  }

  /** Who changed what and when; for the customer's managers and the branch's supervisors only. */
  async function history(caller: Caller, id: string, startKey: Record<string, unknown> | undefined, limit: number) {
    return deps.audit.audited(caller, 'customer.history', id, async () => {
      await inScope(caller, id, 'change');
      return repo.listHistory(id, startKey, limit);
    });
  }

  /** The customer a number, phone or email belongs to, as the caller may see it (none when out of scope). */
  async function lookup(caller: Caller, identity: Identity) {
    const id = await repo.idByIdentity(identity);
    const customer = id ? await repo.get(id) : undefined;
    if (!customer || !mayOnCustomer(caller, 'read', customer)) return [];
    await deps.audit.record(caller, 'customer.search', [customer.id], identity.kind);
    return [visibleCustomer(caller, customer)];
  }

  /** Names starting with `prefix` in a branch; a page keeps only the customers the caller may see. */
  async function search(
    caller: Caller,
    branchId: string,
    prefix: string,
    startKey: Record<string, unknown> | undefined,
    limit: number,
  ): Promise<Page<VisibleCustomer>> {
    const page = await repo.searchByName(branchId, prefix, startKey, limit);
    const found = page.items.filter((c) => mayOnCustomer(caller, 'read', c));
    await deps.audit.record(
      caller,
      'customer.search',
      found.map((c) => c.id),
      'name',
    );
    return { items: found.map((c) => visibleCustomer(caller, c)), lastKey: page.lastKey };
  }

  /** The caller's book: the customers they manage, by level and role. */
  function book(
    caller: Caller,
    filter: { level?: string; role?: BookRole },
    startKey: Record<string, unknown> | undefined,
    limit: number,
  ) {
    if (filter.level) assertLevel(filter.level);
    return repo.listBook(caller.userId, filter, startKey, limit);
  }

  return {
    policy,
    read,
    readable,
    changeable,
    create,
    createOnce,
    update,
    setStatus,
    view,
    history,
    lookup,
    search,
    book,
    historyItem,
    levelChangeNotices,
    assertLevel,
  };
}

export type CustomerService = ReturnType<typeof customerService>;
