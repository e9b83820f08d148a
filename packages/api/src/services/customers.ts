import * as z from 'zod';
import {
  ContactPointInput,
  ContactPreferences,
  contactChannels,
  contactPointIssues,
  CustomerFigures,
  customerTypes,
  ForbiddenError,
  hasFullAccess,
  managersOf,
  isSupervisorOf,
  levelByRule,
  levelRank,
  newId,
  NotFoundError,
  reducedProfile,
  requiresPrimaryManager,
  ValidationError,
  type Caller,
  type ContactPoint,
  type Customer,
  type FieldIssue,
  type LevelPolicy,
} from '@cc/core';
import { tryNormaliseEmail, tryNormalisePhone } from '@cc/channels';
import { customerRepository, keys, putNew, readCustomerView, type LabelledItem } from '@cc/store';
import type { AppDeps } from '../deps';
import { draftNotifications, publishNotifications, type NotificationDraft } from './notify';

export const CustomerCreateInput = z
  .object({
    customerNumber: z.string().trim().min(1).max(40),
    name: z.string().trim().min(1).max(200),
    type: z.enum(customerTypes),
    branchId: z.string().min(1).max(40).optional(),
    level: z.string().min(1).max(40).optional(),
    primaryManagerId: z.string().min(1).max(80).optional(),
    assistingManagerIds: z.array(z.string().min(1).max(80)).max(10).optional(),
    contactPoints: z.array(ContactPointInput).max(20).default([]),
    preferredChannel: z.enum(contactChannels).optional(),
    preferences: ContactPreferences.optional(),
    tags: z.array(z.string().min(1).max(40)).max(30).default([]),
    figures: CustomerFigures.optional(),
    notes: z.string().max(5000).optional(),
  })
  .strict();
export type CustomerCreateInput = z.infer<typeof CustomerCreateInput>;

/** Owner, level, status, version and timestamps change only through their own flows: refused here. */
export const CustomerPatchInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    contactPoints: z.array(ContactPointInput).max(20),
    preferredChannel: z.enum(contactChannels).nullable(),
    preferences: ContactPreferences,
    tags: z.array(z.string().min(1).max(40)).max(30),
    figures: CustomerFigures,
    notes: z.string().max(5000).nullable(),
  })
  .partial()
  .strict();
export type CustomerPatchInput = z.infer<typeof CustomerPatchInput>;

export const levelPolicyOf = (config: AppDeps['config']): LevelPolicy => ({
  levels: config.CUSTOMER_LEVELS,
  managedFrom: config.MANAGED_FROM_LEVEL,
  rules: [
    { level: 'gold', minAum: 200_000 },
    { level: 'vip', minAum: 1_000_000 },
    { level: 'private', minAum: 6_000_000 },
  ].filter((r) => config.CUSTOMER_LEVELS.includes(r.level)),
});

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
export function visibleCustomer(caller: Caller, customer: Customer) {
  return hasFullAccess(caller, customer) ? customer : reducedProfile(customer);
}

export function customerService(deps: AppDeps) {
  const repo = customerRepository(deps.store);
  const policy = levelPolicyOf(deps.config);

  const assertLevel = (level: string, path = 'level') => {
    if (!policy.levels.includes(level))
      throw new ValidationError('Unknown customer level', [{ path, message: `one of ${policy.levels.join(', ')}` }]);
  };

  /** Readable by the caller: agents read any customer (reduced); others only within scope; 404 otherwise. */
  async function readable(caller: Caller, id: string): Promise<Customer> {
    const customer = await repo.get(id);
    if (!customer || !(caller.role === 'agent' || hasFullAccess(caller, customer)))
      throw new NotFoundError('customer', id);
    return customer;
  }

  /** Changeable by the caller: primary/assisting manager or a supervisor/admin of the branch. */
  async function changeable(caller: Caller, id: string): Promise<Customer> {
    const customer = await repo.get(id, true);
    if (!customer || !hasFullAccess(caller, customer)) throw new NotFoundError('customer', id);
    return customer;
  }

  function historyItem(
    customerId: string,
    at: string,
    caller: Caller | 'system',
    action: string,
    details: Record<string, unknown>,
  ): LabelledItem {
    const id = newId();
    return putNew(deps.store, `history:${id}`, {
      ...keys.customerHistory(customerId, at, id),
      entity: 'customer-history',
      customerId,
      at,
      actor: caller === 'system' ? { kind: 'system', id: 'level-rules' } : { kind: 'user', id: caller.userId },
      action,
      details,
    });
  }

  async function create(
    caller: Caller,
    input: CustomerCreateInput,
    extraFor: (customer: Customer) => LabelledItem[] = () => [],
  ): Promise<Customer> {
    const branchId = input.branchId ?? caller.branchId;
    const supervising = isSupervisorOf(caller, branchId);
    const forbidden = (['level', 'primaryManagerId', 'assistingManagerIds', 'figures'] as const).filter(
      (f) => input[f] !== undefined && !supervising,
    );
    if (forbidden.length) {
      throw new ForbiddenError(
        `Only a supervisor or admin of branch ${branchId} may set ${forbidden.join(', ')}; request an assignment or level change instead`,
        'customer.field_forbidden',
      );
    }
    if (branchId !== caller.branchId && caller.role !== 'admin')
      throw new ForbiddenError('Customers are created in your own branch', 'customer.field_forbidden');
    const level = input.level ?? policy.levels[0]!;
    assertLevel(level);
    if (requiresPrimaryManager(policy, input.type, level) && !input.primaryManagerId) {
      throw new ValidationError(
        'Corporate customers and customers at level ' + policy.managedFrom + ' or above need a primary manager',
        [{ path: 'primaryManagerId', message: 'required' }],
        'customer.manager_required',
      );
    }
    const now = deps.clock().toISOString();
    const customer: Customer = {
      id: newId(),
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
    await repo.create(customer, [
      historyItem(customer.id, now, caller, 'created', { level, primaryManagerId: customer.primaryManagerId }),
      ...extraFor(customer),
    ]);
    return customer;
  }

  async function update(
    caller: Caller,
    id: string,
    expectedVersion: number,
    patch: CustomerPatchInput,
  ): Promise<Customer> {
    const before = await changeable(caller, id);
    if (before.status === 'merged')
      throw new ValidationError('A merged customer cannot be changed; change the survivor', [], 'customer.merged');
    if (patch.figures !== undefined && !isSupervisorOf(caller, before.branchId)) {
      throw new ForbiddenError(
        'Financial figures come from core banking and are set by supervisors or admins',
        'customer.field_forbidden',
      );
    }
    const now = deps.clock();
    const after: Customer = {
      ...before,
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.contactPoints !== undefined && { contactPoints: normaliseContactPoints(patch.contactPoints) }),
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
    const ruleLevel = patch.figures ? levelByRule(policy, after.figures) : undefined;
    if (ruleLevel && ruleLevel !== before.level && policy.levels.includes(ruleLevel)) {
      after.level = ruleLevel;
      extra.push(
        historyItem(id, after.updatedAt, 'system', 'level_changed', {
          from: before.level,
          to: ruleLevel,
          reason: `rule: assets under management ${after.figures.aum}`,
        }),
      );
      drafts.push(...levelChangeNotices(after, before.level, 'by rule'));
    }
    const { notifications, items } = draftNotifications(deps.store, drafts, now);
    await repo.save(staleCheck, after, [...extra, ...items]);
    await publishNotifications(deps, notifications);
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
    if (before.status === 'merged')
      throw new ValidationError('A merged customer cannot be reopened', [], 'customer.merged');
    if (before.status === status) return before;
    const at = deps.clock().toISOString();
    const after = { ...before, status, version: before.version + 1, updatedAt: at };
    await repo.save(before, after, [
      historyItem(id, at, caller, status === 'closed' ? 'closed' : 'reopened', { reason }),
    ]);
    return after;
  }

  /**
   * The customer 360: profile (reduced for agents), managers, identities, the newest contacts, open
   * cases and opportunities, and counters, from two parallel Queries (store/customer-view.ts).
   */
  async function view(caller: Caller, id: string) {
    const data = await readCustomerView(deps.store, id, deps.clock());
    if (!data || !(caller.role === 'agent' || hasFullAccess(caller, data.profile)))
      throw new NotFoundError('customer', id);
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
    const customer = await repo.get(id);
    if (!customer || !hasFullAccess(caller, customer)) throw new NotFoundError('customer', id);
    return repo.listHistory(id, startKey, limit);
  }

  return {
    repo,
    policy,
    readable,
    changeable,
    create,
    update,
    setStatus,
    view,
    history,
    historyItem,
    levelChangeNotices,
    assertLevel,
  };
}

export type CustomerService = ReturnType<typeof customerService>;
