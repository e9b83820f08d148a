import { createHash } from 'node:crypto';

/**
 * The single source of key and index names. The CDK stack and the local runtime both
 * build the table from `tableDefinition`, so what runs locally is what deploys.
 * Every access pattern and the key that serves it is listed in docs/data-model.md.
 */
export const attr = {
  pk: 'pk',
  sk: 'sk',
  gsi1pk: 'gsi1pk',
  gsi1sk: 'gsi1sk',
  gsi2pk: 'gsi2pk',
  gsi2sk: 'gsi2sk',
  gsi3pk: 'gsi3pk',
  gsi3sk: 'gsi3sk',
  ttl: 'expiresAt',
} as const;

export const indexNames = { gsi1: 'gsi1', gsi2: 'gsi2', gsi3: 'gsi3' } as const;
export type IndexName = (typeof indexNames)[keyof typeof indexNames];

export interface IndexDefinition {
  name: IndexName;
  partitionKey: string;
  sortKey: string;
}

export const tableDefinition = {
  partitionKey: attr.pk,
  sortKey: attr.sk,
  ttlAttribute: attr.ttl,
  indexes: [
    { name: indexNames.gsi1, partitionKey: attr.gsi1pk, sortKey: attr.gsi1sk },
    { name: indexNames.gsi2, partitionKey: attr.gsi2pk, sortKey: attr.gsi2sk },
    { name: indexNames.gsi3, partitionKey: attr.gsi3pk, sortKey: attr.gsi3sk },
  ] satisfies IndexDefinition[],
} as const;

/** Bytes of a caller-supplied value kept as they are in a key; DynamoDB allows 2 KB per partition key. */
const MAX_KEY_PART_BYTES = 256;

/**
 * A value from outside (an email Message-ID, a sender address, an Idempotency-Key) as a key part: itself when short,
 * its SHA-256 when long, so no input can make a key exceed DynamoDB's limits. Lookups hash the same way.
 */
export const keyPart = (value: string) =>
  Buffer.byteLength(value, 'utf8') <= MAX_KEY_PART_BYTES
    ? value
    : `~sha256:${createHash('sha256').update(value).digest('hex')}`;

/**
 * Keys that every write of a kind would otherwise share (the sweepers' due lists, the pending deliveries, the
 * unidentified queue: each a single index partition, and an index partition takes about 1,000 writes/s) are split
 * over N partitions, `<key>#<shard>`. The shard comes from the item's id, so every rewrite of an item lands where
 * the item already is; readers query all N in parallel (`queryShards`). N is the HOT_KEY_SHARDS setting: raise it
 * freely, never lower it (items in the shards above a lowered N would no longer be read). docs/scale.md.
 * The shard is FNV-1a over the id's UTF-16 code units, modulo N: cheap, stable across processes and versions.
 */
export function shardOf(id: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % shards;
}

/** The partition of one item under a sharded key. */
export const shardKey = (key: string, id: string, shards: number) => `${key}#${shardOf(id, shards)}`;

/** Every partition of a sharded key, for readers. */
export const shardKeys = (key: string, shards: number) => Array.from({ length: shards }, (_, i) => `${key}#${i}`);

/** Key builders: the only place key strings are spelled. */
export const keys = {
  user: (userId: string) => ({ pk: `USER#${userId}`, sk: 'PROFILE' }),
  branch: (branchId: string) => ({ pk: `BRANCH#${branchId}`, sk: 'PROFILE' }),
  idempotency: (scope: string, key: string) => ({ pk: `IDEM#${scope}#${keyPart(key)}`, sk: 'IDEM' }),
  rateWindow: (bucket: string, window: string) => ({ pk: `RATE#${keyPart(bucket)}`, sk: window }),
  counter: (name: string) => ({ pk: `COUNTER#${name}`, sk: 'COUNTER' }),
  /** A one-time marker, e.g. that the demo data was seeded. */
  marker: (name: string) => ({ pk: `SEED#${name}`, sk: 'SEED' }),

  customer: (customerId: string) => ({ pk: `CUST#${customerId}`, sk: 'PROFILE' }),
  /** Everything the customer 360 needs sorts below this under the customer's partition. */
  customerTimelinePrefix: 'TL#',
  customerIdentity: (kind: IdentityKind, value: string) => ({ pk: `IDENT#${kind}#${keyPart(value)}`, sk: 'IDENT' }),
  customerHistory: (customerId: string, at: string, id: string) => ({
    pk: `CUSTHIST#${customerId}`,
    sk: `${at}#${id}`,
  }),
  customerHistoryPartition: (customerId: string) => `CUSTHIST#${customerId}`,
  /** One item per (manager, customer): the manager's book, listable by level through gsi1. */
  bookEntry: (managerId: string, customerId: string) => ({ pk: `MGR#${managerId}`, sk: `BOOK#${customerId}` }),
  bookPartition: (managerId: string) => `MGR#${managerId}`,
  bookByLevel: (managerId: string, level: string) => `MGR#${managerId}#LEVEL#${level}`,
  customerNameIndex: (branchId: string) => `BRANCH#${branchId}#NAME`,
  changeRequest: (requestId: string) => ({ pk: `CHREQ#${requestId}`, sk: 'CHREQ' }),
  changeRequestQueue: (branchId: string, status: string) => `BRANCH#${branchId}#CHREQ#${status}`,
  team: (teamId: string) => ({ pk: `TEAM#${teamId}`, sk: 'TEAM' }),
  /** A branch's teams (gsi1 of the team item). */
  teamsByBranch: (branchId: string) => `BRANCH#${branchId}#TEAMS`,
  /** Under the customer partition, below TL#: the 360 view reads these with the profile in one query. */
  openCaseMirror: (customerId: string, caseId: string) => ({ pk: `CUST#${customerId}`, sk: `OPENCASE#${caseId}` }),
  openOpportunityMirror: (customerId: string, opportunityId: string) => ({
    pk: `CUST#${customerId}`,
    sk: `OPENOPP#${opportunityId}`,
  }),
  /** Daily contact counters, TTL'd after 31 days; the 360 view sums the last 30. */
  contactDay: (customerId: string, day: string) => ({ pk: `CUST#${customerId}`, sk: `CNT#${day}` }),
  customerPartition: (customerId: string) => `CUST#${customerId}`,
  /**
   * Counters that change with every contact/case live apart from the profile, so profile saves never overwrite them.
   */
  customerStats: (customerId: string) => ({ pk: `CUST#${customerId}`, sk: 'STATS' }),

  /**
   * The customer's outbound contacts (messages decided, calls logged) for the contact guard's frequency cap and for
   * threading a customer's reply to the case last written from. In their own partition, so the 360's query of the
   * customer partition stays small; TTL'd after CONTACT_LOG_DAYS.
   */
  outboundContact: (customerId: string, at: string, contactId: string) => ({
    pk: `CONTACTLOG#${customerId}`,
    sk: `${at}#${contactId}`,
  }),
  contactLogPartition: (customerId: string) => `CONTACTLOG#${customerId}`,

  /**
   * Timeline entries sit in the owner's partition: a customer (CUST#id) or, until attached, an
   * unidentified sender (ANON#kind#value). Sort key = time + ULID, so pages are stable.
   */
  timelineEntry: (partition: string, occurredAt: string, entryId: string) => ({
    pk: partition,
    sk: `TL#${occurredAt}#${entryId}`,
  }),
  anonymousPartition: (kind: 'phone' | 'email', value: string) => `ANON#${kind}#${keyPart(value)}`,
  timelineByChannel: (partition: string, channel: string) => `TLCH#${partition}#${channel}`,
  timelineByType: (partition: string, type: string) => `TLTY#${partition}#${type}`,
  /** Sharded (shardKey) by the sender's partition. */
  unidentifiedQueue: 'UNIDENTIFIED',

  /** Who read a customer's data, newest last: append-only, kept for the retention period (TTL). */
  auditEntry: (customerId: string, at: string, entryId: string) => ({
    pk: `AUDIT#${customerId}`,
    sk: `${at}#${entryId}`,
  }),
  auditPartition: (customerId: string) => `AUDIT#${customerId}`,
  /** A case's public reference (random, given to the customer) -> the case id. */
  publicReference: (reference: string) => ({ pk: `PUBREF#${keyPart(reference)}`, sk: 'PUBREF' }),
  /** A complaint or inquiry; its history and messages share its partition. */
  case: (caseId: string) => ({ pk: `CASE#${caseId}`, sk: 'CASE' }),
  casePartition: (caseId: string) => `CASE#${caseId}`,
  caseHistory: (caseId: string, at: string, entryId: string) => ({ pk: `CASE#${caseId}`, sk: `HIST#${at}#${entryId}` }),
  caseMessage: (caseId: string, at: string, messageId: string) => ({
    pk: `CASE#${caseId}`,
    sk: `MSG#${at}#${messageId}`,
  }),
  /** While a case waits for its first response: listed by deadline (gsi1) for the sweeper. */
  caseResponseWatch: (caseId: string) => ({ pk: `CASE#${caseId}`, sk: 'RESPONDBY' }),
  /** Sharded (shardKey) by case id, like the resolution watches. */
  caseResponsesDue: 'CASE#RESPONDBY',
  /** While a case waits for its resolution: listed by deadline (gsi1) for the sweeper. */
  caseResolutionWatch: (caseId: string) => ({ pk: `CASE#${caseId}`, sk: 'RESOLVEBY' }),
  caseResolutionsDue: 'CASE#RESOLVEBY',
  /**
   * A copy of the case for each manager (primary or assisting) of its customer, listed by manager through
   * gsi1 (`casesByManager`), open cases apart from finished ones (`caseByManagerSort`).
   */
  caseManagerView: (caseId: string, managerId: string) => ({ pk: `CASE#${caseId}`, sk: `VIEW#MGR#${managerId}` }),
  casesByManager: (managerId: string) => `MGRCASES#${managerId}`,
  caseByManagerSort: (open: boolean, createdAt: string, caseId: string) => `${open ? 'O' : 'C'}#${createdAt}#${caseId}`,
  caseByManagerState: (open: boolean) => (open ? 'O#' : 'C#'),
  caseHistoryPrefix: 'HIST#',
  caseMessagePrefix: 'MSG#',
  casesByCustomer: (customerId: string) => `CUSTCASES#${customerId}`,
  casesByOwner: (ownerId: string) => `OWNERCASES#${ownerId}`,
  /** Cases of customers without a primary manager wait here for the branch's supervisors. */
  branchCaseQueue: (branchId: string) => `BRANCHQUEUE#${branchId}`,
  casesByBranch: (branchId: string) => `BRANCHCASES#${branchId}`,
  /** An email Message-ID that belongs to a case, for threading replies by In-Reply-To/References. */
  emailThread: (messageId: string) => ({ pk: `MSGID#${keyPart(messageId)}`, sk: 'MSGID' }),
  usersByBranch: (branchId: string) => `BRANCH#${branchId}#USERS`,

  /**
   * Inbox sort keys put unread (U) above read (R) in a descending query: "unread first, newest first".
   * Notification ids are ULIDs, so they sort by creation time.
   */
  inboxItem: (userId: string, state: 'U' | 'R', notificationId: string) => ({
    pk: `USER#${userId}`,
    sk: `INBOX#${state}#${notificationId}`,
  }),
  inboxPrefix: 'INBOX#',
  inboxUnreadPrefix: 'INBOX#U#',
  userPartition: (userId: string) => `USER#${userId}`,
  /** The delivery record of a notification; pending ones are listed through the sparse gsi1 for re-delivery. */
  notification: (notificationId: string) => ({ pk: `NOTIF#${notificationId}`, sk: 'NOTIF' }),
  /** Sharded (shardKey) by delivery id. */
  pendingNotifications: 'NOTIF#PENDING',
  /** Ones the delivery channel refused too often: out of the sweeper's way, listed for operations. */
  undeliverableNotifications: 'NOTIF#UNDELIVERABLE',

  /**
   * Work on a case that follows a committed contact (an SMS added to its open case, an email opening an
   * inquiry). Written in the contact's transaction; due ones are listed through the sparse gsi1 and
   * deleted in the transaction that does the work. Ones that cannot be done move to the failed list.
   */
  followUp: (followUpId: string) => ({ pk: `FOLLOWUP#${followUpId}`, sk: 'FOLLOWUP' }),
  /** Sharded (shardKey) by follow-up id. */
  dueFollowUps: 'FOLLOWUP#DUE',
  failedFollowUps: 'FOLLOWUP#FAILED',

  /**
   * An opportunity; its stage history, activities and branch-view copy share its partition.
   * Pipeline views: the item sits in its owner's list (gsi1) and its team's list (gsi2); a copy
   * (OPP#id / VIEW#BRANCH) sits in the branch list (its gsi1). All three sort by close date + id,
   * so `closeMonth` is a key condition. Open opportunities with a next step not yet reported
   * overdue are in the sparse gsi3 by next-step time.
   */
  opportunity: (opportunityId: string) => ({ pk: `OPP#${opportunityId}`, sk: 'OPP' }),
  opportunityBranchView: (opportunityId: string) => ({ pk: `OPP#${opportunityId}`, sk: 'VIEW#BRANCH' }),
  opportunityPartition: (opportunityId: string) => `OPP#${opportunityId}`,
  opportunityStageChange: (opportunityId: string, at: string, entryId: string) => ({
    pk: `OPP#${opportunityId}`,
    sk: `HIST#${at}#${entryId}`,
  }),
  opportunityActivity: (opportunityId: string, at: string, activityId: string) => ({
    pk: `OPP#${opportunityId}`,
    sk: `ACT#${at}#${activityId}`,
  }),
  opportunityHistoryPrefix: 'HIST#',
  opportunityActivityPrefix: 'ACT#',
  opportunitiesByOwner: (ownerId: string) => `OWNEROPPS#${ownerId}`,
  opportunitiesByTeam: (teamId: string) => `TEAMOPPS#${teamId}`,
  opportunitiesByBranch: (branchId: string) => `BRANCHOPPS#${branchId}`,
  opportunityPipelineSort: (expectedCloseDate: string, opportunityId: string) =>
    `${expectedCloseDate}#${opportunityId}`,
  /** Sharded (shardKey) by opportunity id. */
  opportunityNextSteps: 'OPP#NEXTSTEP',
  opportunityNextStepSort: (nextStepAt: string, opportunityId: string) => `${nextStepAt}#${opportunityId}`,

  /**
   * Report aggregates, kept by the stream consumer (docs/reports.md): counters of one scope (a branch, or a
   * manager) for one period (a day or a month in the branch's time zone, or NOW for what is true at present).
   */
  /**
   * Every stream record adds to its scope's buckets, so one scope's partition takes a branch's whole traffic: the
   * partition is sharded (shardKey) by the record's event id, and readers sum the shards.
   */
  reportBucket: (scope: string, period: string, shard: number) => ({ pk: `RPT#${scope}#${shard}`, sk: period }),
  reportPartition: (scope: string) => `RPT#${scope}`,
  reportBranchScope: (branchId: string) => `BR#${branchId}`,
  reportManagerScope: (managerId: string) => `MGR#${managerId}`,
  reportDay: (day: string) => `DAY#${day}`,
  reportMonth: (month: string) => `MONTH#${month}`,
  reportNow: 'NOW',
  /** What the consumer last counted for one case or customer, so a change is counted as a difference. */
  reportLedger: (kind: string, id: string) => ({ pk: `RPTL#${kind}#${id}`, sk: 'LEDGER' }),
  /** One per applied stream record (its eventID), written in the transaction that applied it; TTL 3 days. */
  reportMark: (eventId: string) => ({ pk: `RPTM#${eventId}`, sk: 'MARK' }),
  /** Every item the reporter writes has a partition key starting with this; it never counts its own. */
  reportItemPrefix: 'RPT',
} as const;

export type IdentityKind = 'phone' | 'email' | 'number';
