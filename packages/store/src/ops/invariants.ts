import { customerInitiated, isCapExempt, type Case, type CustomerMessage, type Customer } from '@cc/core';
import { countsAsOpen, openCaseMirrorItems, publicReferenceItem } from '../cases';
import type { StoreContext } from '../client';
import { CONTACT_LOG_DAYS, outboundContactItem } from '../contact-log';
import { identitiesOf, newIdentityItem, routingOf, type Identity } from '../customers';
import { keyPart, keys, type IdentityKind } from '../keys';
import { unreadInboxItem } from '../notifications';
import { opportunityBranchCopyItem } from '../opportunities';
import { conditionCheck, del, update, type LabelledItem } from '../transact';
import type { TableSnapshot } from './snapshot';

export interface Violation {
  /** Names the violation, so that two reads of the table can agree it is real and not a write in flight. */
  key: string;
  detail: string;
  /** The transaction that puts it right, when what is right can be derived from the table. */
  repair?: LabelledItem[];
}

export interface CheckContext {
  store: StoreContext;
  now: Date;
  /** How long work may stay pending before the sweeper should have done it. */
  graceMs: number;
}

export interface Invariant {
  name: string;
  description: string;
  check(snapshot: TableSnapshot, c: CheckContext): { checked: number; violations: Violation[] };
}

const unchanged = (ctx: StoreContext, label: string, key: { pk: string; sk: string }, version: number) =>
  conditionCheck(ctx, label, key, '#v = :v', { ':v': version }, { '#v': 'version' });
const absent = (ctx: StoreContext, label: string, key: { pk: string; sk: string }) =>
  conditionCheck(ctx, label, key, 'attribute_not_exists(pk)');

/** Same content, whatever the order of attributes. */
function sameContent(a: unknown, b: unknown): boolean {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>)
              .sort(([x], [y]) => x.localeCompare(y))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

const openCasesOf = (s: TableSnapshot) => {
  const open = new Map<string, Case[]>();
  for (const c of s.cases.values())
    if (c.customerId && countsAsOpen(c)) open.set(c.customerId, [...(open.get(c.customerId) ?? []), c]);
  return open;
};

const openCaseMirrors: Invariant = {
  name: 'open-case-mirrors',
  description: 'every open case has its open-case mirror, and every mirror names an open case of that customer',
  check(s, { store }) {
    const violations: Violation[] = [];
    let checked = 0;
    for (const [customerId, open] of openCasesOf(s)) {
      for (const c of open) {
        checked++;
        if (s.openCaseMirrors.get(customerId)?.has(c.id)) continue;
        violations.push({
          key: `missing:${c.id}`,
          detail: `case ${c.id} is open but customer ${customerId} has no open-case mirror for it`,
          repair: [unchanged(store, 'case', keys.case(c.id), c.version), ...openCaseMirrorItems(store, undefined, c)],
        });
      }
    }
    for (const [customerId, ids] of s.openCaseMirrors) {
      for (const id of ids) {
        checked++;
        const c = s.cases.get(id);
        if (c && countsAsOpen(c) && c.customerId === customerId) continue;
        const what = c ? `${c.status}${c.deleted ? ', deleted' : ''}, of ${c.customerId}` : 'missing';
        violations.push({
          key: `stray:${customerId}:${id}`,
          detail: `customer ${customerId} has an open-case mirror for ${id}, which is ${what}`,
          repair: [
            c ? unchanged(store, 'case', keys.case(id), c.version) : absent(store, 'case', keys.case(id)),
            del(store, 'mirror', keys.openCaseMirror(customerId, id), { expression: 'attribute_exists(pk)' }),
          ],
        });
      }
    }
    return { checked, violations };
  },
};

const openCaseCounters: Invariant = {
  name: 'open-case-counters',
  description: "each customer's STATS openCases equals the number of its open cases",
  check(s, { store }) {
    const open = openCasesOf(s);
    const customers = new Set([...s.profiles.keys(), ...s.openCaseCounters.keys(), ...open.keys()]);
    const violations: Violation[] = [];
    for (const customerId of customers) {
      const stored = s.openCaseCounters.get(customerId);
      const expected = open.get(customerId)?.length ?? 0;
      if ((stored ?? 0) === expected) continue;
      violations.push({
        key: `${customerId}:${stored}:${expected}`,
        detail: `customer ${customerId}: openCases is ${stored ?? 'unset'}, ${expected} cases are open`,
        repair: [
          update(store, 'stats', keys.customerStats(customerId), 'SET openCases = :expected', {
            values: { ':expected': expected, ...(stored !== undefined && { ':stored': stored }) },
            condition: stored === undefined ? 'attribute_not_exists(openCases)' : 'openCases = :stored',
          }),
        ],
      });
    }
    return { checked: customers.size, violations };
  },
};

const notificationInbox: Invariant = {
  name: 'notification-inbox',
  description: 'every notification record has its inbox item, and every inbox item its notification record',
  check(s, { store }) {
    const violations: Violation[] = [];
    for (const { notification: n } of s.notifications.values()) {
      if (s.inboxItems.has(`${n.recipientId}#${n.id}`)) continue;
      violations.push({
        key: `no-inbox:${n.id}`,
        detail: `notification ${n.id} for ${n.recipientId} has no inbox item`,
        repair: [absent(store, 'read', keys.inboxItem(n.recipientId, 'R', n.id)), unreadInboxItem(store, n)],
      });
    }
    for (const item of s.inboxItems) {
      const id = item.slice(item.lastIndexOf('#') + 1);
      if (!s.notifications.has(id))
        violations.push({ key: `no-record:${item}`, detail: `inbox item ${item} has no notification record` });
    }
    return { checked: s.notifications.size + s.inboxItems.size, violations };
  },
};

const undelivered = (status: string) => status === 'pending' || status === 'delivering';

const pendingNotifications: Invariant = {
  name: 'pending-notifications',
  description:
    'no notification or message to a customer is still undelivered after the sweep grace (the sweeper ' +
    're-publishes them; a message held for quiet hours counts from when it may go out)',
  check(s, { now, graceMs }) {
    const before = new Date(now.getTime() - graceMs).toISOString();
    const violations: Violation[] = [];
    for (const { notification: n, status, createdAt } of s.notifications.values()) {
      if (undelivered(status) && createdAt < before)
        violations.push({
          key: n.id,
          detail: `notification ${n.id} to ${n.recipientId} is ${status} since ${createdAt}: is the sweeper running?`,
        });
    }
    for (const [id, { status, dueAt }] of s.customerMessages) {
      if (undelivered(status) && dueAt < before)
        violations.push({
          key: id,
          detail: `message ${id} to a customer is ${status} since ${dueAt}: is the sweeper running?`,
        });
    }
    return { checked: s.notifications.size + s.customerMessages.size, violations };
  },
};

/** The log line that makes the frequency cap count a message, for the customer who has its log now. */
function messageLogRepair(store: StoreContext, s: TableSnapshot, m: CustomerMessage): LabelledItem[] | undefined {
  const customer = m.customerId ? s.profiles.get(m.customerId) : undefined;
  const owner = customer && survivorOf(s, customer);
  const kase = s.cases.get(m.caseId);
  if (!owner || !kase) return undefined;
  const capExempt = isCapExempt(m.purpose, customerInitiated(kase));
  return [
    outboundContactItem(store, owner.id, {
      id: m.id,
      at: m.createdAt,
      channel: m.channel,
      purpose: m.purpose,
      capExempt,
      caseId: m.caseId,
    }),
  ];
}

const customerMessages: Invariant = {
  name: 'customer-messages',
  description:
    'every message to a customer is on the history of its case and, sent to a customer in the last ' +
    `${CONTACT_LOG_DAYS} days, on their timeline and in the outbound-contact log the frequency cap counts; every ` +
    'such line, entry and log line names a message that exists',
  check(s, { store, now }) {
    const violations: Violation[] = [];
    const logged = new Date(now.getTime() - CONTACT_LOG_DAYS * 86_400_000).toISOString();
    for (const { message: m } of s.customerMessages.values()) {
      if (!s.cases.has(m.caseId))
        violations.push({
          key: `no-case:${m.id}`,
          detail: `message ${m.id} names case ${m.caseId}, which does not exist`,
        });
      else if (s.messageLines.get(m.id) !== m.caseId)
        violations.push({
          key: `no-line:${m.id}`,
          detail: `message ${m.id} is not on the history of case ${m.caseId}`,
        });
      if (!m.customerId || m.createdAt < logged) continue;
      if (!s.timelineDeliveries.has(m.id))
        violations.push({
          key: `no-timeline:${m.id}`,
          detail: `message ${m.id} is not on the timeline of customer ${m.customerId}`,
        });
      if (!s.messageLog.has(m.id))
        violations.push({
          key: `no-log:${m.id}`,
          detail: `message ${m.id} is not in the outbound-contact log of ${m.customerId}: the frequency cap misses it`,
          repair: messageLogRepair(store, s, m),
        });
    }
    const references = [
      ['case history line', s.messageLines],
      ['timeline entry', s.timelineDeliveries],
      ['outbound-contact log line', s.messageLog],
    ] as const;
    for (const [what, found] of references)
      for (const [id, where] of found)
        if (!s.customerMessages.has(id))
          violations.push({
            key: `stray:${what}:${id}`,
            detail: `a ${what} of ${where} names message ${id}, which does not exist`,
          });
    return {
      checked: s.customerMessages.size + s.messageLines.size + s.timelineDeliveries.size + s.messageLog.size,
      violations,
    };
  },
};

/** What an idempotency record's stored answer says exists, by the scope it was claimed in. */
function promisedBy(
  scope: string,
  key: string,
  body: Record<string, unknown>,
): { what: string; exists: (s: TableSnapshot) => boolean }[] {
  const timelineEntry = (id: unknown) => ({
    what: `contact ${String(id)}`,
    exists: (s: TableSnapshot) => s.timelineIds.has(String(id)),
  });
  const kase = (id: unknown) => ({ what: `case ${String(id)}`, exists: (s: TableSnapshot) => s.cases.has(String(id)) });
  const linkedCase = body.caseId ? [kase(body.caseId)] : [];
  if (scope.endsWith(':contacts')) return [timelineEntry(body.id), ...linkedCase];
  if (scope.endsWith(':cases') || scope.startsWith('import:')) return [kase(body.id)];
  // A receipt names the case's public reference. A bot's receipt (the honeypot's) looks the same and names none,
  // by design: what can be checked is that a reference that is registered names a case.
  if (scope === 'public:complaints') {
    const reference = String(body.reference);
    return [
      {
        what: `the case of reference ${reference}`,
        exists: (s) => !s.publicReferences.has(reference) || s.cases.has(s.publicReferences.get(reference)!),
      },
    ];
  }
  if (scope.endsWith(':customers'))
    return [{ what: `customer ${String(body.id)}`, exists: (s) => s.profiles.has(String(body.id)) }];
  if (scope.endsWith(':opportunities') || scope.includes(':convert:'))
    return [{ what: `opportunity ${String(body.id)}`, exists: (s) => s.opportunities.has(String(body.id)) }];
  const known = (what: string, id: unknown, ids: (s: TableSnapshot) => Set<string>) => ({
    what: `${what} ${String(id)}`,
    exists: (s: TableSnapshot) => ids(s).has(String(id)),
  });
  if (scope.endsWith(':notes')) return [known('note', body.id, (s) => s.caseMessageIds)];
  if (scope.endsWith(':activities'))
    return [known('activity', (body.activity as { id?: unknown } | undefined)?.id, (s) => s.activityIds)];
  if (scope.endsWith(':change-requests') || scope.endsWith(':decisions'))
    return [known('change request', body.id, (s) => s.changeRequestIds)];
  if (scope.endsWith(':attachments') && body.changeRequestId)
    return [known('change request', body.changeRequestId, (s) => s.changeRequestIds)];
  if (scope.endsWith(':merges')) {
    const [survivor, merged] = [body.survivor, body.merged].map((c) => String((c as { id?: unknown })?.id));
    return [
      {
        what: `customer ${merged} merged into ${survivor}`,
        exists: (s) => s.profiles.has(survivor!) && s.profiles.get(merged!)?.mergedInto === survivor,
      },
    ];
  }
  // A team's answer is not checked: the team may have been disbanded since, as it may.
  if (scope.endsWith(':replies')) {
    const id = String((body.message as { deliveryId?: unknown } | undefined)?.deliveryId);
    return [{ what: `message ${id} to the customer`, exists: (s) => s.customerMessages.has(id) }];
  }
  if (scope === 'email') return [timelineEntry(body.contactId), ...linkedCase];
  if (scope === 'twilio') return [{ what: `the SMS contact of ${key}`, exists: (s) => s.smsMessageIds.has(key) }];
  return [];
}

const idempotencyRecords: Invariant = {
  name: 'idempotency-records',
  description: 'every idempotency record (not yet expired) answers with what exists',
  check(s, { now }) {
    const violations: Violation[] = [];
    let checked = 0;
    const nowSeconds = now.getTime() / 1000;
    for (const record of s.idempotency) {
      if (record.expiresAt !== undefined && record.expiresAt < nowSeconds) continue;
      const body = (record.response.body ?? {}) as Record<string, unknown>;
      const promised = promisedBy(record.scope, record.key, typeof body === 'object' ? body : {});
      if (promised.length) checked++;
      for (const missing of promised.filter((p) => !p.exists(s)))
        violations.push({
          key: `${record.scope}#${record.key}:${missing.what}`,
          detail: `the answer stored for ${record.scope} ${record.key} names ${missing.what}, which does not exist`,
        });
    }
    return { checked, violations };
  },
};

/** Where a merged customer's records went: the end of its mergedInto chain (undefined if broken). */
function survivorOf(s: TableSnapshot, customer: Customer): Customer | undefined {
  let current: Customer | undefined = customer;
  for (let hops = 0; current?.status === 'merged' && hops < 20; hops++) current = s.profiles.get(current.mergedInto!);
  return current?.status === 'merged' ? undefined : current;
}

const identities: Invariant = {
  name: 'identities',
  description:
    'each customer number, phone and email a profile lists points at that profile (a merged one: at its survivor), ' +
    'and no identity points at a profile that does not list it',
  check(s, { store }) {
    const claimers = new Map<string, Set<string>>();
    const survivorsOfMerged = new Map<string, Customer | undefined>();
    // Keyed as the identity items are (a long value by its hash), with the value itself for the repairs.
    const listed = new Map<string, Identity>();
    for (const p of s.profiles.values()) {
      for (const i of identitiesOf(p)) {
        const k = `${i.kind}#${keyPart(i.value)}`;
        listed.set(k, i);
        if (p.status !== 'merged') claimers.set(k, (claimers.get(k) ?? new Set()).add(p.id));
        else survivorsOfMerged.set(k, survivorOf(s, p));
      }
    }
    const all = new Set([...s.identities.keys(), ...claimers.keys(), ...survivorsOfMerged.keys()]);
    const violations: Violation[] = [];
    for (const k of all) {
      const split = k.indexOf('#');
      const identity = listed.get(k) ?? { kind: k.slice(0, split) as IdentityKind, value: k.slice(split + 1) };
      const key = keys.customerIdentity(identity.kind, identity.value);
      const pointer = s.identities.get(k);
      const claimedBy = [...(claimers.get(k) ?? [])];
      if (claimedBy.length > 1) {
        violations.push({ key: k, detail: `${k} is listed by several customers: ${claimedBy.join(', ')}` });
        continue;
      }
      const owner = claimedBy.length ? s.profiles.get(claimedBy[0]!) : survivorsOfMerged.get(k);
      if (owner?.id === pointer) continue;
      const ownerUnchanged = owner ? [unchanged(store, 'owner', keys.customer(owner.id), owner.version)] : [];
      const repair = !owner
        ? [del(store, 'identity', key, { expression: 'customerId = :was', values: { ':was': pointer } })]
        : pointer === undefined
          ? [...ownerUnchanged, newIdentityItem(store, identity, owner)]
          : [
              ...ownerUnchanged,
              update(store, 'identity', key, 'SET customerId = :owner, routing = :routing', {
                values: { ':owner': owner.id, ':was': pointer, ':routing': routingOf(owner) },
                condition: 'customerId = :was',
              }),
            ];
      violations.push({
        key: `${k}:${pointer}:${owner?.id}`,
        detail: !owner
          ? `${k} points at ${pointer}, which does not list it`
          : `${k} belongs to ${owner.id} but ${pointer ? `points at ${pointer}` : 'has no identity item'}`,
        repair,
      });
    }
    return { checked: all.size, violations };
  },
};

const publicReferences: Invariant = {
  name: 'public-references',
  description:
    "every case's public reference (what its customer looks it up by) names that case, and every reference names " +
    'a case that has it',
  check(s, { store }) {
    const violations: Violation[] = [];
    let checked = 0;
    for (const c of s.cases.values()) {
      if (!c.publicReference) continue;
      checked++;
      const named = s.publicReferences.get(c.publicReference);
      if (named === c.id) continue;
      violations.push({
        key: `${c.id}:${named}`,
        detail: named
          ? `the reference of case ${c.id} names ${named}`
          : `case ${c.id} cannot be looked up: its reference is not registered`,
        // A reference taken by another case cannot be given back to this one.
        ...(!named && {
          repair: [
            unchanged(store, 'case', keys.case(c.id), c.version),
            publicReferenceItem(store, c.publicReference, c.id),
          ],
        }),
      });
    }
    for (const [reference, caseId] of s.publicReferences) {
      checked++;
      if (s.cases.get(caseId)?.publicReference === reference) continue;
      const which = s.cases.has(caseId) ? 'has another' : 'does not exist';
      violations.push({ key: `stray:${reference}`, detail: `a public reference names case ${caseId}, which ${which}` });
    }
    return { checked, violations };
  },
};

const opportunityBranchCopies: Invariant = {
  name: 'opportunity-branch-copies',
  description: 'every opportunity has its branch-view copy, equal to it',
  check(s, { store }) {
    const violations: Violation[] = [];
    for (const [id, { item, branchCopy }] of s.opportunities) {
      if (branchCopy && sameContent(branchCopy, item)) continue;
      violations.push({
        key: `${id}:${item.version}`,
        detail: `opportunity ${id} ${branchCopy ? 'differs from its branch copy' : 'has no branch copy'}`,
        repair: [
          unchanged(store, 'opportunity', keys.opportunity(id), item.version),
          opportunityBranchCopyItem(store, item),
        ],
      });
    }
    return { checked: s.opportunities.size, violations };
  },
};

const caseSequences: Invariant = {
  name: 'case-sequences',
  description: "each year's case sequence is at or past the highest case number taken in it",
  check(s, { store }) {
    const highest = new Map<number, number>();
    for (const id of s.cases.keys()) {
      const match = /^C-(\d{4})-(\d{6})$/.exec(id);
      if (match) highest.set(Number(match[1]), Math.max(highest.get(Number(match[1])) ?? 0, Number(match[2])));
    }
    const violations: Violation[] = [];
    for (const [year, max] of highest) {
      const stored = s.caseSequences.get(year);
      if ((stored ?? 0) >= max) continue;
      violations.push({
        key: `${year}:${stored}:${max}`,
        detail: `the ${year} case sequence is at ${stored ?? 'unset'}, below case number ${max}`,
        repair: [
          update(store, 'sequence', keys.counter(`case-${year}`), 'SET seq = :max', {
            values: { ':max': max, ...(stored !== undefined && { ':stored': stored }) },
            condition: stored === undefined ? 'attribute_not_exists(seq)' : 'seq = :stored',
          }),
        ],
      });
    }
    return { checked: highest.size, violations };
  },
};

const dueFollowUps: Invariant = {
  name: 'due-follow-ups',
  description: 'no case follow-up (an SMS or email for its case) is still due after the sweep grace',
  check(s, { now, graceMs }) {
    const before = new Date(now.getTime() - graceMs).toISOString();
    const violations: Violation[] = [];
    for (const [id, dueAt] of s.dueFollowUps)
      if (dueAt < before)
        violations.push({ key: id, detail: `follow-up ${id} is due since ${dueAt}: is the sweeper running?` });
    return { checked: s.dueFollowUps.size, violations };
  },
};

/** What `npm run check-data` verifies, in the order it reports. */
export const invariants: Invariant[] = [
  openCaseMirrors,
  openCaseCounters,
  notificationInbox,
  pendingNotifications,
  customerMessages,
  idempotencyRecords,
  identities,
  publicReferences,
  opportunityBranchCopies,
  caseSequences,
  dueFollowUps,
];
