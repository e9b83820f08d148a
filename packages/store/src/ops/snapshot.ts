import type { Case, Customer, CustomerMessage, Notification, Opportunity } from '@cc/core';
import type { StoreContext } from '../client';
import { keys } from '../keys';
import { stripKeys } from '../transact';
import { scanTable } from './scan-table';

type Item = Record<string, unknown>;

/**
 * The table as the data check reads it: one Scan (an operator's tool, never on a request path), sorted into
 * what the invariants compare. Only what they need is kept of the items that are many (timeline entries).
 */
export interface TableSnapshot {
  cases: Map<string, Case>;
  /** Customer id → ids of the cases its open-case mirrors name. */
  openCaseMirrors: Map<string, Set<string>>;
  /** Customer id → openCases as stored (undefined: no counters item, or no such attribute). */
  openCaseCounters: Map<string, number | undefined>;
  profiles: Map<string, Customer>;
  /** `kind#value` → the customer id it points at. */
  identities: Map<string, string>;
  /** A case's public reference → the case id it names. */
  publicReferences: Map<string, string>;
  notifications: Map<string, { notification: Notification; status: string; createdAt: string }>;
  /** Messages to customers (their delivery records share NOTIF#): id → the message, its status, when it is due. */
  customerMessages: Map<string, { message: CustomerMessage; status: string; dueAt: string }>;
  /** Message id → the case whose history says it was queued or held (`customer_message` lines). */
  messageLines: Map<string, string>;
  /** Delivery id → the customer whose timeline has the outbound entry for it. */
  timelineDeliveries: Map<string, string>;
  /** Outbound-contact log lines of messages (calls excluded): message id → the customer whose log has it. */
  messageLog: Map<string, string>;
  /** `recipient#notificationId`, read or unread. */
  inboxItems: Set<string>;
  idempotency: { scope: string; key: string; response: { body?: unknown }; expiresAt?: number }[];
  timelineIds: Set<string>;
  /** Ids of messages and notes on cases, of opportunity activities, of change requests. */
  caseMessageIds: Set<string>;
  activityIds: Set<string>;
  changeRequestIds: Set<string>;
  smsMessageIds: Set<string>;
  opportunities: Map<string, { item: Opportunity; branchCopy?: Opportunity }>;
  /** Due follow-ups: id → when due. */
  dueFollowUps: Map<string, string>;
  /** Year → the last case number taken. */
  caseSequences: Map<number, number>;
  /** Items read in all. */
  scanned: number;
}

const SEGMENTS = 4;

const prefixOf = (key: { pk: string }) => key.pk.slice(0, key.pk.indexOf('#') + 1);
const prefixes = {
  case: prefixOf(keys.case('')),
  contactLog: `${keys.contactLogPartition('')}`,
  changeRequest: prefixOf(keys.changeRequest('')),
  publicReference: prefixOf(keys.publicReference('')),
  customer: prefixOf(keys.customer('')),
  identity: prefixOf(keys.customerIdentity('phone', '')),
  notification: prefixOf(keys.notification('')),
  user: prefixOf(keys.user('')),
  idempotency: prefixOf(keys.idempotency('', '')),
  opportunity: prefixOf(keys.opportunity('')),
  followUp: prefixOf(keys.followUp('')),
  counter: prefixOf(keys.counter('')),
  anonymous: 'ANON#',
};
const openCaseSk = keys.openCaseMirror('', '').sk;
const inboxSk = keys.inboxPrefix;
const caseSequenceName = /^case-(\d{4})$/;

function emptySnapshot(): TableSnapshot {
  return {
    cases: new Map(),
    openCaseMirrors: new Map(),
    openCaseCounters: new Map(),
    profiles: new Map(),
    identities: new Map(),
    publicReferences: new Map(),
    notifications: new Map(),
    customerMessages: new Map(),
    messageLines: new Map(),
    timelineDeliveries: new Map(),
    messageLog: new Map(),
    inboxItems: new Set(),
    idempotency: [],
    timelineIds: new Set(),
    caseMessageIds: new Set(),
    activityIds: new Set(),
    changeRequestIds: new Set(),
    smsMessageIds: new Set(),
    opportunities: new Map(),
    dueFollowUps: new Map(),
    caseSequences: new Map(),
    scanned: 0,
  };
}

function sort(into: TableSnapshot, item: Item): void {
  const pk = String(item.pk);
  const sk = String(item.sk);
  const rest = (prefix: string) => pk.slice(prefix.length);
  if (sk.startsWith(keys.customerTimelinePrefix) && (pk.startsWith(prefixes.customer) || pk.startsWith('ANON#'))) {
    into.timelineIds.add(String(item.id));
    const details = item.details as { messageSid?: unknown; deliveryId?: unknown } | undefined;
    if (typeof details?.messageSid === 'string') into.smsMessageIds.add(details.messageSid);
    if (typeof details?.deliveryId === 'string')
      into.timelineDeliveries.set(details.deliveryId, String(item.customerId));
  } else if (pk.startsWith(prefixes.case) && sk === keys.case('').sk) {
    into.cases.set(rest(prefixes.case), stripKeys<Case>(item));
  } else if (pk.startsWith(prefixes.case) && sk.startsWith(keys.caseHistoryPrefix)) {
    const changes = item.changes as { messageId?: unknown; status?: unknown } | undefined;
    const queued = changes?.status === 'queued' || changes?.status === 'scheduled';
    if (item.action === 'customer_message' && queued && typeof changes?.messageId === 'string')
      into.messageLines.set(changes.messageId, rest(prefixes.case));
  } else if (pk.startsWith(prefixes.case) && sk.startsWith(keys.caseMessagePrefix)) {
    into.caseMessageIds.add(String(item.id));
  } else if (pk.startsWith(prefixes.publicReference) && sk === keys.publicReference('').sk) {
    into.publicReferences.set(String(item.reference), String(item.caseId));
  } else if (pk.startsWith(prefixes.changeRequest) && sk === keys.changeRequest('').sk) {
    into.changeRequestIds.add(rest(prefixes.changeRequest));
  } else if (pk.startsWith(prefixes.contactLog)) {
    if (item.purpose !== 'call') into.messageLog.set(String(item.id), rest(prefixes.contactLog));
  } else if (pk.startsWith(prefixes.customer)) {
    const customerId = rest(prefixes.customer);
    if (sk === keys.customer('').sk) into.profiles.set(customerId, stripKeys<Customer>(item));
    else if (sk === keys.customerStats('').sk)
      into.openCaseCounters.set(customerId, item.openCases === undefined ? undefined : Number(item.openCases));
    else if (sk.startsWith(openCaseSk)) {
      const mirrors = into.openCaseMirrors.get(customerId) ?? new Set<string>();
      into.openCaseMirrors.set(customerId, mirrors.add(sk.slice(openCaseSk.length)));
    }
  } else if (pk.startsWith(prefixes.identity)) {
    into.identities.set(rest(prefixes.identity), String(item.customerId));
  } else if (pk.startsWith(prefixes.notification) && item.entity === 'customer-message') {
    const message = item.message as CustomerMessage;
    into.customerMessages.set(message.id, {
      message,
      status: String(item.status),
      dueAt: message.sendAfter ?? message.createdAt,
    });
  } else if (pk.startsWith(prefixes.notification)) {
    const notification = item.notification as Notification;
    into.notifications.set(notification.id, {
      notification,
      status: String(item.status),
      createdAt: notification.createdAt,
    });
  } else if (pk.startsWith(prefixes.user) && sk.startsWith(inboxSk)) {
    // INBOX#U#<id> or INBOX#R#<id>
    into.inboxItems.add(`${rest(prefixes.user)}#${sk.slice(inboxSk.length + 2)}`);
  } else if (pk.startsWith(prefixes.idempotency)) {
    // IDEM#<scope>#<key>: scopes never hold '#' (user ids, resource names); keys may.
    const scopeAndKey = rest(prefixes.idempotency);
    const split = scopeAndKey.indexOf('#');
    into.idempotency.push({
      scope: scopeAndKey.slice(0, split),
      key: scopeAndKey.slice(split + 1),
      response: (item.response ?? {}) as { body?: unknown },
      expiresAt: item.expiresAt === undefined ? undefined : Number(item.expiresAt),
    });
  } else if (pk.startsWith(prefixes.opportunity)) {
    const id = rest(prefixes.opportunity);
    const entry = into.opportunities.get(id) ?? { item: undefined as unknown as Opportunity };
    if (sk.startsWith(keys.opportunityActivityPrefix)) return void into.activityIds.add(String(item.id));
    if (sk === keys.opportunity('').sk) entry.item = stripKeys<Opportunity>(item);
    else if (sk === keys.opportunityBranchView('').sk) entry.branchCopy = stripKeys<Opportunity>(item);
    else return;
    into.opportunities.set(id, entry);
  } else if (pk.startsWith(prefixes.followUp) && String(item.gsi1pk ?? '').startsWith(`${keys.dueFollowUps}#`)) {
    into.dueFollowUps.set(rest(prefixes.followUp), String(item.dueAt));
  } else if (pk.startsWith(prefixes.counter)) {
    const year = caseSequenceName.exec(rest(prefixes.counter))?.[1];
    if (year) into.caseSequences.set(Number(year), Number(item.seq ?? 0));
  }
}

/** Reads the whole table (parallel, strongly consistent segments) into a snapshot. */
export async function readSnapshot(ctx: StoreContext): Promise<TableSnapshot> {
  const snapshot = emptySnapshot();
  await Promise.all(
    Array.from({ length: SEGMENTS }, async (_, index) => {
      for await (const items of scanTable(ctx, { segment: { index, of: SEGMENTS }, consistentRead: true })) {
        for (const item of items) sort(snapshot, item);
        snapshot.scanned += items.length;
      }
    }),
  );
  // An opportunity copy without its opportunity has nothing to compare with.
  for (const [id, entry] of snapshot.opportunities) if (!entry.item) snapshot.opportunities.delete(id);
  return snapshot;
}
