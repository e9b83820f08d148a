import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, type Customer, type CustomerHistoryEntry, type CustomerStats } from '@cc/core';
import type { StoreContext } from './client';
import { indexNames, keys, type IdentityKind } from './keys';
import { isDuplicateClaim } from './idempotency';
import { refusedAssignees } from './users';
import {
  conditionCheck,
  del,
  put,
  putNew,
  stripKeys,
  transact,
  TransactionRefused,
  update,
  type LabelledItem,
} from './transact';

export interface Identity {
  kind: IdentityKind;
  value: string;
}

export type BookRole = 'primary' | 'assisting';

export interface BookEntry {
  customerId: string;
  customerNumber: string;
  name: string;
  type: Customer['type'];
  level: string;
  branchId: string;
  role: BookRole;
  status: Customer['status'];
}

export interface Page<T> {
  items: T[];
  lastKey?: Record<string, unknown>;
}

/** Names are matched case- and width-insensitively (full-width digits/letters fold to ASCII). */
export const nameKey = (name: string) => name.normalize('NFKC').trim().toLowerCase();

export const identitiesOf = (customer: Pick<Customer, 'customerNumber' | 'contactPoints'>): Identity[] => [
  { kind: 'number', value: customer.customerNumber },
  ...customer.contactPoints.map((p) => ({ kind: p.kind, value: p.value }) satisfies Identity),
];

const identityLabel = (i: Identity) => `identity:${i.kind}:${i.value}`;

/**
 * What routing a case or a message to the customer needs, kept on each of the customer's identity items (issue 17):
 * a phone or email lookup then routes without reading the profile. Every transaction that writes the profile
 * rewrites the identities whose copy changed, so the copies are exactly as current as the profile.
 */
export type CustomerRouting = Pick<
  Customer,
  | 'id'
  | 'customerNumber'
  | 'name'
  | 'branchId'
  | 'status'
  | 'primaryManagerId'
  | 'assistingManagerIds'
  | 'preferredChannel'
  | 'preferences'
  | 'contactPoints'
>;

export const routingOf = (c: Customer): CustomerRouting => ({
  id: c.id,
  customerNumber: c.customerNumber,
  name: c.name,
  branchId: c.branchId,
  status: c.status,
  primaryManagerId: c.primaryManagerId,
  assistingManagerIds: c.assistingManagerIds,
  ...(c.preferredChannel && { preferredChannel: c.preferredChannel }),
  preferences: c.preferences,
  contactPoints: c.contactPoints,
});

const identityItem = (i: Identity, customer: Customer) => ({
  ...keys.customerIdentity(i.kind, i.value),
  entity: 'identity',
  customerId: customer.id,
  routing: routingOf(customer),
});

/** A new identity item: `identity` belongs to `customer` (refused, by its label, when it belongs to anyone). */
export const newIdentityItem = (ctx: StoreContext, i: Identity, customer: Customer): LabelledItem =>
  putNew(ctx, identityLabel(i), identityItem(i, customer));
const sameIdentity = (a: Identity) => (b: Identity) => a.kind === b.kind && a.value === b.value;

function profileItem(customer: Customer): Record<string, unknown> {
  const searchable = customer.status !== 'merged';
  return {
    ...keys.customer(customer.id),
    entity: 'customer',
    ...customer,
    ...(searchable && {
      gsi1pk: keys.customerNameIndex(customer.branchId),
      gsi1sk: `${nameKey(customer.name)}#${customer.id}`,
    }),
  };
}

function bookEntries(customer: Customer): { managerId: string; entry: BookEntry }[] {
  if (customer.status === 'merged') return [];
  const summary = {
    customerId: customer.id,
    customerNumber: customer.customerNumber,
    name: customer.name,
    type: customer.type,
    level: customer.level,
    branchId: customer.branchId,
    status: customer.status,
  };
  const primary = customer.primaryManagerId
    ? [{ managerId: customer.primaryManagerId, entry: { ...summary, role: 'primary' as const } }]
    : [];
  return [
    ...primary,
    ...customer.assistingManagerIds.map((managerId) => ({
      managerId,
      entry: { ...summary, role: 'assisting' as const },
    })),
  ];
}

const bookItem = (managerId: string, entry: BookEntry) => ({
  ...keys.bookEntry(managerId, entry.customerId),
  entity: 'book',
  ...entry,
  gsi1pk: keys.bookByLevel(managerId, entry.level),
  gsi1sk: entry.customerId,
});

function identityConflict(error: TransactionRefused): ConflictError | undefined {
  const label = error.failedLabels.find((l) => l.startsWith('identity:'));
  if (!label) return undefined;
  const [, kind, ...rest] = label.split(':');
  const value = rest.join(':');
  return kind === 'number'
    ? new ConflictError('customer.number_taken', `Customer number ${value} is already in use`, { kind, value })
    : new ConflictError('customer.identity_taken', `This ${kind} already belongs to another customer`, { kind, value });
}

export const LIVE_CUSTOMER_LABEL = 'live-customer';

/**
 * In a transaction, instead of reading the profile first: the customer exists and was not merged away.
 * A refusal names LIVE_CUSTOMER_LABEL.
 */
export const liveCustomerCheck = (ctx: StoreContext, customerId: string): LabelledItem =>
  conditionCheck(
    ctx,
    LIVE_CUSTOMER_LABEL,
    keys.customer(customerId),
    'attribute_exists(pk) AND #status <> :merged',
    { ':merged': 'merged' },
    { '#status': 'status' },
  );

/** One line of the customer's own history, for the transaction that makes the change it records. */
export const customerHistoryItem = (ctx: StoreContext, entry: CustomerHistoryEntry): LabelledItem =>
  putNew(ctx, `history:${entry.id}`, {
    ...keys.customerHistory(entry.customerId, entry.at, entry.id),
    entity: 'customer-history',
    ...entry,
  });

export function customerRepository(ctx: StoreContext) {
  const { tableName, doc } = ctx;

  /** The counters kept beside the profile (see CustomerStats); zero when none were written yet. */
  async function stats(customerId: string): Promise<CustomerStats> {
    const { Item } = await doc.send(
      new GetCommand({ TableName: tableName, Key: keys.customerStats(customerId), ConsistentRead: true }),
    );
    return {
      openCases: Number(Item?.openCases ?? 0),
      unresolvedContacts: Number(Item?.unresolvedContacts ?? 0),
      lastContactAt: Item?.lastContactAt as string | undefined,
    };
  }

  async function get(id: string, consistent = false): Promise<Customer | undefined> {
    const { Item } = await doc.send(
      new GetCommand({ TableName: tableName, Key: keys.customer(id), ConsistentRead: consistent }),
    );
    return Item ? stripKeys<Customer>(Item) : undefined;
  }

  async function idByIdentity(identity: Identity): Promise<string | undefined> {
    return (await byIdentity(identity))?.customerId;
  }

  /** The customer an identity belongs to, with its routing copy (absent on identities written before there was one). */
  async function byIdentity(
    identity: Identity,
  ): Promise<{ customerId: string; routing: CustomerRouting | undefined } | undefined> {
    const { Item } = await doc.send(
      new GetCommand({ TableName: tableName, Key: keys.customerIdentity(identity.kind, identity.value) }),
    );
    if (typeof Item?.customerId !== 'string') return undefined;
    const routing = Item.routing as CustomerRouting | undefined;
    return { customerId: Item.customerId, routing: routing?.id === Item.customerId ? routing : undefined };
  }

  /**
   * Uniqueness of customer number, phones and emails is enforced by conditional puts of identity
   * items in the same transaction as the profile: two concurrent creates cannot both win.
   */
  async function create(customer: Customer, extra: LabelledItem[] = []): Promise<void> {
    const items = [
      putNew(ctx, 'profile', profileItem(customer)),
      ...identitiesOf(customer).map((i) => newIdentityItem(ctx, i, customer)),
      ...bookEntries(customer).map(({ managerId, entry }) => put(ctx, `book:${managerId}`, bookItem(managerId, entry))),
      ...extra,
    ];
    try {
      await transact(ctx, items);
    } catch (error) {
      if (error instanceof TransactionRefused && !isDuplicateClaim(error) && !refusedAssignees(error).length)
        throw identityConflict(error) ?? new ConflictError('customer.exists', 'The customer already exists');
      throw error;
    }
  }

  /**
   * Writes `after` if the stored version is still `before.version`, re-pointing identities and the
   * managers' book entries that changed, plus any `extra` items, all in one transaction.
   */
  function saveItems(before: Customer, after: Customer): LabelledItem[] {
    const beforeIds = before.status === 'merged' ? [] : identitiesOf(before);
    const afterIds = after.status === 'merged' ? [] : identitiesOf(after);
    const removed = beforeIds.filter((i) => !afterIds.some(sameIdentity(i)));
    const added = afterIds.filter((i) => !beforeIds.some(sameIdentity(i)));
    const routingChanged = JSON.stringify(routingOf(before)) !== JSON.stringify(routingOf(after));
    const kept = routingChanged ? afterIds.filter((i) => beforeIds.some(sameIdentity(i))) : [];
    const beforeBook = bookEntries(before);
    const afterBook = bookEntries(after);
    const bookChanged = JSON.stringify(beforeBook) !== JSON.stringify(afterBook);
    return [
      put(ctx, 'profile', profileItem(after), {
        expression: '#v = :expected',
        names: { '#v': 'version' },
        values: { ':expected': before.version },
      }),
      ...removed.map((i) =>
        del(ctx, `release:${i.kind}:${i.value}`, keys.customerIdentity(i.kind, i.value), {
          expression: 'customerId = :id',
          values: { ':id': before.id },
        }),
      ),
      ...added.map((i) => newIdentityItem(ctx, i, after)),
      ...kept.map((i) =>
        put(ctx, `routing:${i.kind}:${i.value}`, identityItem(i, after), {
          expression: 'customerId = :id',
          values: { ':id': after.id },
        }),
      ),
      ...(bookChanged
        ? [
            ...beforeBook
              .filter((b) => !afterBook.some((a) => a.managerId === b.managerId))
              .map((b) => del(ctx, `unbook:${b.managerId}`, keys.bookEntry(b.managerId, before.id))),
            ...afterBook.map(({ managerId, entry }) => put(ctx, `book:${managerId}`, bookItem(managerId, entry))),
          ]
        : []),
    ];
  }

  async function save(before: Customer, after: Customer, extra: LabelledItem[] = []): Promise<Customer> {
    try {
      await transact(ctx, [...saveItems(before, after), ...extra]);
      return after;
    } catch (error) {
      if (error instanceof TransactionRefused && !isDuplicateClaim(error)) {
        const identity = identityConflict(error);
        if (identity) throw identity;
        if (error.failedLabels.includes('profile'))
          throw new ConflictError('customer.stale', 'The customer was changed by someone else; reload and retry', {
            currentVersionIsNot: before.version,
          });
      }
      throw error;
    }
  }

  async function searchByName(
    branchId: string,
    prefix: string,
    startKey: Record<string, unknown> | undefined,
    limit: number,
  ): Promise<Page<Customer>> {
    const result = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: indexNames.gsi1,
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.customerNameIndex(branchId), ':prefix': nameKey(prefix) },
        ExclusiveStartKey: startKey,
        Limit: limit,
      }),
    );
    return { items: (result.Items ?? []).map((i) => stripKeys<Customer>(i)), lastKey: result.LastEvaluatedKey };
  }

  async function listBook(
    managerId: string,
    filter: { level?: string; role?: BookRole },
    startKey: Record<string, unknown> | undefined,
    limit: number,
  ): Promise<Page<BookEntry>> {
    const byLevel = filter.level !== undefined;
    const result = await doc.send(
      new QueryCommand({
        TableName: tableName,
        ...(byLevel
          ? {
              IndexName: indexNames.gsi1,
              KeyConditionExpression: 'gsi1pk = :pk',
              ExpressionAttributeValues: { ':pk': keys.bookByLevel(managerId, filter.level!) },
            }
          : {
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :book)',
              ExpressionAttributeValues: { ':pk': keys.bookPartition(managerId), ':book': 'BOOK#' },
            }),
        ...(filter.role && {
          FilterExpression: '#role = :role',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: {
            ...(byLevel
              ? { ':pk': keys.bookByLevel(managerId, filter.level!) }
              : { ':pk': keys.bookPartition(managerId), ':book': 'BOOK#' }),
            ':role': filter.role,
          },
        }),
        ExclusiveStartKey: startKey,
        Limit: limit,
      }),
    );
    return { items: (result.Items ?? []).map((i) => stripKeys<BookEntry>(i)), lastKey: result.LastEvaluatedKey };
  }

  /** Who changed what and when (assignments, levels, merges, status), newest first. */
  async function listHistory(
    customerId: string,
    startKey: Record<string, unknown> | undefined,
    limit: number,
  ): Promise<Page<CustomerHistoryEntry>> {
    const result = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.customerHistoryPartition(customerId) },
        ScanIndexForward: false,
        ExclusiveStartKey: startKey,
        Limit: limit,
      }),
    );
    return {
      items: (result.Items ?? []).map((i) => stripKeys<CustomerHistoryEntry>(i)),
      lastKey: result.LastEvaluatedKey,
    };
  }

  /**
   * The writes that fold `merged` into `survivor`: both profiles (version-checked), every identity of
   * the merged record re-pointed at the survivor (only if it still points at the merged record), and
   * the book entries that follow from both profiles. The survivor's new contact points are the merged
   * record's, whose identity items these updates re-point, so they are not created again.
   */
  function mergeItems(
    mergedBefore: Customer,
    mergedAfter: Customer,
    survivorBefore: Customer,
    survivorAfter: Customer,
  ): LabelledItem[] {
    const versioned = (c: Customer, label: string, expected: number) =>
      put(ctx, label, profileItem(c), {
        expression: '#v = :expected',
        names: { '#v': 'version' },
        values: { ':expected': expected },
      });
    const survivorBook = bookEntries(survivorAfter);
    return [
      versioned(mergedAfter, 'profile', mergedBefore.version),
      versioned(survivorAfter, 'survivor-profile', survivorBefore.version),
      ...identitiesOf(mergedBefore).map((i) =>
        update(
          ctx,
          identityLabel(i),
          keys.customerIdentity(i.kind, i.value),
          'SET customerId = :survivor, routing = :routing',
          {
            condition: 'customerId = :merged',
            values: { ':survivor': survivorAfter.id, ':merged': mergedBefore.id, ':routing': routingOf(survivorAfter) },
          },
        ),
      ),
      // The survivor's own identities carry its routing as it is after the merge (more contact points).
      ...identitiesOf(survivorBefore).map((i) =>
        update(ctx, `routing:${i.kind}:${i.value}`, keys.customerIdentity(i.kind, i.value), 'SET routing = :routing', {
          condition: 'customerId = :survivor',
          values: { ':survivor': survivorAfter.id, ':routing': routingOf(survivorAfter) },
        }),
      ),
      ...bookEntries(mergedBefore).map((b) =>
        del(ctx, `unbook:${b.managerId}`, keys.bookEntry(b.managerId, mergedBefore.id)),
      ),
      ...survivorBook.map(({ managerId, entry }) => put(ctx, `book:survivor:${managerId}`, bookItem(managerId, entry))),
    ];
  }

  return {
    get,
    stats,
    idByIdentity,
    byIdentity,
    create,
    save,
    saveItems,
    mergeItems,
    searchByName,
    listBook,
    listHistory,
    historyItem: (entry: CustomerHistoryEntry) => customerHistoryItem(ctx, entry),
  };
}

export type CustomerRepository = ReturnType<typeof customerRepository>;
