import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { keys, tableDefinition, type IndexName } from '@cc/store/keys';

/**
 * Least privilege on the single table. Each function gets a profile: the item actions it uses, on which
 * kinds of item where it touches few (a `dynamodb:LeadingKeys` condition on the partition-key prefix),
 * and the indexes it queries. Never Scan, BatchWriteItem, DescribeTable or stream reads unless listed,
 * unlike `grantReadWriteData`, which gives all of them on the table and every index.
 *
 * tests/infra/table-access.test.ts runs each worker's code on DynamoDB Local, records every request, and
 * checks it against the policy synthesised from these profiles, so a new access pattern that a profile
 * does not allow fails a test instead of a production call.
 */
export type ItemAction =
  'GetItem' | 'BatchGetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem';

export interface ItemRule {
  actions: ItemAction[];
  /** Partition-key prefixes (e.g. `USER#`) the actions are limited to; absent: any item. */
  leadingKeyPrefixes?: string[];
}

export interface TableAccessProfile {
  items: ItemRule[];
  /** Indexes the function queries (Query only). */
  queries: IndexName[];
  /**
   * Partition-key prefixes of workflows the function does not compose: every item action on them is denied, whatever
   * the rules above allow (for a function whose intake touches too many kinds of item for a key condition).
   */
  never?: string[];
}

/** The prefix of a key builder's partition key, e.g. `USER#` from keys.user: ties the policy to keys.ts. */
const prefixOf = (pk: string): string => pk.slice(0, pk.indexOf('#') + 1);

export const keyPrefixes = {
  user: prefixOf(keys.user('x').pk),
  notification: prefixOf(keys.notification('x').pk),
  customer: prefixOf(keys.customer('x').pk),
  case: prefixOf(keys.case('x').pk),
  branch: prefixOf(keys.branch('x').pk),
  opportunity: prefixOf(keys.opportunity('x').pk),
  reportBucket: prefixOf(keys.reportBucket('x', 'y', 0).pk),
  reportLedger: prefixOf(keys.reportLedger('x', 'y').pk),
  reportMark: prefixOf(keys.reportMark('x').pk),
  emailThread: prefixOf(keys.emailThread('x').pk),
  audit: prefixOf(keys.auditPartition('x')),
  team: prefixOf(keys.team('x').pk),
  changeRequest: prefixOf(keys.changeRequest('x').pk),
} as const;

const readWrite: ItemAction[] = [
  'GetItem',
  'BatchGetItem',
  'Query',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'ConditionCheckItem',
];
const allIndexes = tableDefinition.indexes.map((index) => index.name);

/**
 * What each function does to the table, from its code path:
 * - api: every use case, every index.
 * - notifier (packages/messaging/src/notifier.ts): reads the recipient's profile (USER#), the customer's
 *   preferences before a message to them (CUST#) and the delivery record (NOTIF#); updates the delivery record;
 *   puts a line on the case's history when a customer message is withheld or given up (CASE#) and the thread of
 *   the Message-ID SES gave a sent email (MSGID#). It never changes customers, cases or inboxes.
 * - sweeper (packages/services/src/sweeper.ts): re-publishes pending notifications, does due case
 *   follow-ups (which write cases, timelines, inboxes, notifications like the intake does), reports
 *   overdue responses and next steps. Touches many kinds of item, so no key condition; reads the due
 *   lists through gsi1 and the next-step list through gsi3.
 * - emailInbound (packages/services/src/email-inbound.ts): the same intake as the email webhook.
 * - publicEdge (functions/public.ts: composePublicEdge): the form, the status lookups and SMS intake, which open cases
 *   and follow-ups like the other intakes (so no key condition), and read the branch queue's users through gsi1. It
 *   composes no reports, audit trail, teams or change requests, so their items are denied outright.
 * - reporter (packages/services/src/reporter.ts): reads its ledgers (RPTL#) and what report facts look up (a
 *   customer's or opportunity's branch, a branch's time zone); writes only its own items: marks (RPTM#, put),
 *   ledgers (RPTL#, put) and aggregates (RPT#, update). It never queries; the reports are read by the API.
 */
export const accessProfiles = {
  api: { items: [{ actions: readWrite }], queries: allIndexes },
  notifier: {
    items: [
      {
        actions: ['GetItem'],
        leadingKeyPrefixes: [keyPrefixes.user, keyPrefixes.notification, keyPrefixes.customer],
      },
      { actions: ['UpdateItem'], leadingKeyPrefixes: [keyPrefixes.notification] },
      { actions: ['PutItem'], leadingKeyPrefixes: [keyPrefixes.case, keyPrefixes.emailThread] },
    ],
    queries: [],
  },
  publicEdge: {
    items: [{ actions: readWrite }],
    queries: ['gsi1'],
    never: [
      keyPrefixes.audit,
      keyPrefixes.reportBucket,
      keyPrefixes.reportLedger,
      keyPrefixes.reportMark,
      keyPrefixes.team,
      keyPrefixes.changeRequest,
    ],
  },
  sweeper: { items: [{ actions: readWrite }], queries: ['gsi1', 'gsi3'] },
  emailInbound: { items: [{ actions: readWrite }], queries: ['gsi1'] },
  reporter: {
    items: [
      {
        actions: ['GetItem'],
        leadingKeyPrefixes: [
          keyPrefixes.reportLedger,
          keyPrefixes.customer,
          keyPrefixes.opportunity,
          keyPrefixes.branch,
        ],
      },
      { actions: ['PutItem'], leadingKeyPrefixes: [keyPrefixes.reportMark, keyPrefixes.reportLedger] },
      { actions: ['UpdateItem'], leadingKeyPrefixes: [keyPrefixes.reportBucket] },
    ],
    queries: [],
  },
} as const satisfies Record<string, TableAccessProfile>;

/** Adds the profile's statements to the grantee's policy. */
export function grantTableAccess(grantee: IGrantable, table: ITableV2, profile: TableAccessProfile): void {
  for (const rule of profile.items) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: rule.actions.map((action) => `dynamodb:${action}`),
        resources: [table.tableArn],
        ...(rule.leadingKeyPrefixes && {
          conditions: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': rule.leadingKeyPrefixes.map((p) => `${p}*`) },
          },
        }),
      }),
    );
  }
  if (profile.never?.length) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.DENY,
        actions: [...new Set([...readWrite, 'Query'])].map((action) => `dynamodb:${action}`),
        resources: [table.tableArn],
        conditions: {
          'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': profile.never.map((p) => `${p}*`) },
        },
      }),
    );
  }
  if (profile.queries.length > 0) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: profile.queries.map((index) => `${table.tableArn}/index/${index}`),
      }),
    );
  }
}
