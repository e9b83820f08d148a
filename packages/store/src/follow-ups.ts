import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { hotKeyShards, type StoreContext } from './client';
import { isConditionalCheckFailed } from './errors';
import { indexNames, keys, shardKey } from './keys';
import { queryIndex, queryShards } from './index-query';
import { del, putNew, stripKeys, type LabelledItem } from './transact';

/**
 * What a follow-up does; the follow-up service knows how to carry out each kind. Besides the case work that
 * follows a contact, the rest of a large change: a customer's open cases still to move to its new managers, and
 * team members' opportunities still to re-file under their (new) team.
 */
export type FollowUpWork =
  | { kind: 'cases_follow_customer'; customerId: string; cause: string; notify: boolean }
  | { kind: 'team_pipeline'; userIds: string[] }
  | {
      kind: 'case_message';
      caseId: string;
      channel: 'sms' | 'email';
      text: string;
      externalId: string;
      contactId: string;
    }
  | {
      /** An SMS from a known customer with no case to join: it opens an inquiry. */
      kind: 'case_from_sms';
      messageSid: string;
      customerId: string;
      from: string;
      text: string;
    }
  | {
      kind: 'case_from_email';
      messageId: string;
      customerId: string | null;
      from: string;
      subject: string;
      text: string;
      threadExpiresAt: number;
    }
  | {
      /** The contact brought the customer's unresolved contacts to the threshold: escalate the newest open case. */
      kind: 'escalation';
      customerId: string;
      unresolvedContacts: number;
    };

export type FollowUp = FollowUpWork & {
  id: string;
  createdAt: string;
  /** When the sweeper may (re)try it: a grace period after the contact, then backing off after failures. */
  dueAt: string;
  attempts: number;
  lastError?: string;
  status: 'due' | 'failed';
};

export const FOLLOW_UP_LABEL = 'follow-up';

const dueSort = (f: Pick<FollowUp, 'dueAt' | 'id'>) => `${f.dueAt}#${f.id}`;
const dueKey = (ctx: StoreContext, id: string) => shardKey(keys.dueFollowUps, id, hotKeyShards(ctx));

/** For the contact's transaction: the follow-up, due for the sweeper after `dueAt` unless done before. */
export const followUpItem = (ctx: StoreContext, f: FollowUp): LabelledItem =>
  putNew(ctx, FOLLOW_UP_LABEL, {
    ...keys.followUp(f.id),
    entity: 'follow-up',
    gsi1pk: dueKey(ctx, f.id),
    gsi1sk: dueSort(f),
    ...f,
  });

/**
 * For the transaction that does the work: removes the follow-up, on the condition it is still there.
 * A refusal naming FOLLOW_UP_LABEL means another run already did it, so nothing was written twice.
 */
export const followUpDone = (ctx: StoreContext, followUpId: string): LabelledItem =>
  del(ctx, FOLLOW_UP_LABEL, keys.followUp(followUpId), { expression: 'attribute_exists(pk)' });

export function followUpRepository(ctx: StoreContext) {
  const { doc, tableName } = ctx;

  const strip = (items: Record<string, unknown>[]) => items.map((i) => stripKeys<FollowUp>(i));

  return {
    /** Follow-ups due at `asOf`, oldest first. */
    due: async (asOf: Date, limit: number) =>
      strip(
        await queryShards(ctx, indexNames.gsi1, keys.dueFollowUps, { before: `${asOf.toISOString()}\uffff`, limit }),
      ),
    failed: async (limit: number) => strip(await queryIndex(ctx, indexNames.gsi1, keys.failedFollowUps, { limit })),

    /**
     * After a failed try: due again at `nextDueAt`, or, when `nextDueAt` is null, on the failed list. Only if still
     * there.
     */
    async recordFailure(f: FollowUp, error: string, nextDueAt: string | null): Promise<void> {
      const parked = nextDueAt === null;
      await doc
        .send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.followUp(f.id),
            UpdateExpression:
              'SET attempts = attempts + :one, lastError = :error, #status = :status, ' +
              'dueAt = :dueAt, gsi1pk = :pk, gsi1sk = :sk',
            ConditionExpression: 'attribute_exists(pk) AND attempts = :attempts',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':one': 1,
              ':attempts': f.attempts,
              ':error': error.slice(0, 500),
              ':status': parked ? 'failed' : 'due',
              ':dueAt': nextDueAt ?? f.dueAt,
              ':pk': parked ? keys.failedFollowUps : dueKey(ctx, f.id),
              ':sk': dueSort({ dueAt: nextDueAt ?? f.dueAt, id: f.id }),
            },
          }),
        )
        .catch((e: unknown) => {
          // Done or retried by another run meanwhile: its outcome stands.
          if (!isConditionalCheckFailed(e)) throw e;
        });
    },
  };
}

export type FollowUpRepository = ReturnType<typeof followUpRepository>;
