import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CustomerMessage, Notification } from '@cc/core';
import { hotKeyShards, type StoreContext } from './client';
import { isConditionalCheckFailed } from './errors';
import { indexNames, keys, shardKey } from './keys';
import { queryIndex, queryShards } from './index-query';
import { del, put, putNew, stripKeys, transact, TransactionRefused, update, type LabelledItem } from './transact';

export interface InboxItem extends Notification {
  read: boolean;
  readAt?: string;
}

/** withheld: a customer message not sent after all (the customer opted out of its channel while it waited). */
export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'undeliverable' | 'withheld';

/**
 * One delivery through the queue: a staff notification (its inbox item is written beside it), or a message to a
 * customer. Both share the record, the pending list, the sweeper's re-publishing and the given-up list.
 */
export type DeliveryRecord = (
  { notification: Notification; message?: undefined } | { message: CustomerMessage; notification?: undefined }
) & {
  status: DeliveryStatus;
  attempts: number;
  /** Held until then (customer messages in quiet hours); the pending list sorts by it. */
  sendAfter?: string;
  publishedAt?: string;
  deliveredAt?: string;
  deliveredVia?: string;
  /** The provider's id for a customer message (Twilio SM…, SES MessageId). */
  providerMessageId?: string;
  lastError?: string;
};

export const deliveryIdOf = (record: DeliveryRecord): string => record.notification?.id ?? record.message!.id;

/** What claiming a delivery found: the record to deliver now, or why there is nothing to do. */
export type Claim = { record: DeliveryRecord } | { record?: undefined; skipped: 'finished' | 'not_due' };

/**
 * The two writes that make a notification durable: the recipient's inbox item and the pending
 * delivery record. They go in the same transaction as whatever caused the notification.
 */
export function notificationItems(ctx: StoreContext, n: Notification): LabelledItem[] {
  return [
    unreadInboxItem(ctx, n),
    putNew(ctx, `notification:${n.id}`, {
      ...keys.notification(n.id),
      entity: 'notification',
      notification: n,
      status: 'pending',
      attempts: 0,
      gsi1pk: shardKey(keys.pendingNotifications, n.id, hotKeyShards(ctx)),
      gsi1sk: `${n.createdAt}#${n.id}`,
    }),
  ];
}

/** The recipient's unread inbox item for `n`. */
export const unreadInboxItem = (ctx: StoreContext, n: Notification): LabelledItem =>
  putNew(ctx, `inbox:${n.id}`, { ...keys.inboxItem(n.recipientId, 'U', n.id), entity: 'inbox', ...n, read: false });

/**
 * The pending delivery of a message to a customer, written in the transaction of its cause. One held for quiet
 * hours sorts in the pending list by `sendAfter`, so the sweeper publishes it once that has passed.
 */
export const customerMessageItem = (ctx: StoreContext, m: CustomerMessage): LabelledItem =>
  putNew(ctx, `customer-message:${m.id}`, {
    ...keys.notification(m.id),
    entity: 'customer-message',
    message: m,
    status: 'pending',
    attempts: 0,
    ...(m.sendAfter && { sendAfter: m.sendAfter }),
    gsi1pk: shardKey(keys.pendingNotifications, m.id, hotKeyShards(ctx)),
    gsi1sk: `${m.sendAfter ?? m.createdAt}#${m.id}`,
  });

const LEASE_MS = 60_000;

export function notificationRepository(ctx: StoreContext) {
  const { doc, tableName } = ctx;

  return {
    /**
     * Claims a delivery. Skipped when it is finished (a duplicate SQS delivery) or held for later (published early:
     * the sweeper publishes it again when due); throws when another consumer holds a live lease (SQS redelivers).
     */
    async claim(notificationId: string, now: Date): Promise<Claim> {
      try {
        const { Attributes } = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.notification(notificationId),
            UpdateExpression: 'SET #s = :delivering, leaseUntil = :lease ADD attempts :one',
            ConditionExpression:
              'attribute_exists(pk) AND (#s = :pending OR (#s = :delivering AND leaseUntil < :now)) ' +
              'AND (attribute_not_exists(sendAfter) OR sendAfter <= :nowIso)',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: {
              ':delivering': 'delivering',
              ':pending': 'pending',
              ':lease': now.getTime() + LEASE_MS,
              ':now': now.getTime(),
              ':nowIso': now.toISOString(),
              ':one': 1,
            },
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { record: stripKeys<DeliveryRecord>(Attributes!) };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        // The document client hands back this item still marshalled ({ status: { S: ... } }).
        const old = (error as { Item?: { status?: { S?: string }; sendAfter?: { S?: string } } }).Item;
        if (!old || ['delivered', 'undeliverable', 'withheld'].includes(old.status?.S ?? '')) {
          return { skipped: 'finished' };
        }
        if (old.sendAfter?.S && old.sendAfter.S > now.toISOString()) return { skipped: 'not_due' };
        throw new Error(`notification ${notificationId} is being delivered by another consumer`);
      }
    },

    /** Whether a delivery record exists at all (a message naming an unknown id is poison). */
    async exists(notificationId: string): Promise<boolean> {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: keys.notification(notificationId), ProjectionExpression: 'pk' }),
      );
      return !!Item;
    },

    /** `alsoWrite`: what must commit with it (the email thread of the provider's Message-ID). */
    async markDelivered(
      notificationId: string,
      via: string,
      now: Date,
      providerMessageId?: string,
      alsoWrite: LabelledItem[] = [],
    ): Promise<void> {
      await transact(ctx, [
        update(
          ctx,
          'delivery',
          keys.notification(notificationId),
          'SET #s = :delivered, deliveredAt = :at, deliveredVia = :via' +
            `${providerMessageId ? ', providerMessageId = :provider' : ''} REMOVE gsi1pk, gsi1sk, leaseUntil`,
          {
            condition: '#s = :delivering',
            names: { '#s': 'status' },
            values: {
              ':delivered': 'delivered',
              ':delivering': 'delivering',
              ':at': now.toISOString(),
              ':via': via,
              ...(providerMessageId && { ':provider': providerMessageId }),
            },
          },
        ),
        ...alsoWrite,
      ]);
    },

    /**
     * A customer message not sent after all (its channel was opted out of while it waited): out of the pending
     * list for good, with `alsoWrite` (the line on the case that says why) in the same transaction.
     */
    async withhold(notificationId: string, reason: string, alsoWrite: LabelledItem[]): Promise<void> {
      await transact(ctx, [
        update(
          ctx,
          'delivery',
          keys.notification(notificationId),
          'SET #s = :withheld, lastError = :reason REMOVE gsi1pk, gsi1sk, leaseUntil',
          {
            condition: '#s = :delivering',
            names: { '#s': 'status' },
            values: { ':withheld': 'withheld', ':delivering': 'delivering', ':reason': reason.slice(0, 500) },
          },
        ),
        ...alsoWrite,
      ]);
    },

    /** Gives a failed delivery back so the next SQS receive (or the sweeper) can try again. */
    async release(notificationId: string): Promise<void> {
      await doc
        .send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.notification(notificationId),
            UpdateExpression: 'SET #s = :pending REMOVE leaseUntil',
            ConditionExpression: '#s = :delivering',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':pending': 'pending', ':delivering': 'delivering' },
          }),
        )
        .catch((error) => {
          if (!isConditionalCheckFailed(error)) throw error;
        });
    },

    /**
     * Stops trying a delivery the channel keeps refusing: out of the pending list (the sweeper stops
     * re-publishing it) into the undeliverable one. The recipient's inbox item stays as it was; `alsoWrite`
     * commits with it (for a customer message, the line on its case).
     */
    async giveUp(notificationId: string, error: string, alsoWrite: LabelledItem[] = []): Promise<void> {
      await transact(ctx, [
        update(
          ctx,
          'delivery',
          keys.notification(notificationId),
          'SET #s = :undeliverable, lastError = :error, gsi1pk = :pk REMOVE leaseUntil',
          {
            condition: '#s = :delivering',
            names: { '#s': 'status' },
            values: {
              ':undeliverable': 'undeliverable',
              ':delivering': 'delivering',
              ':error': error.slice(0, 500),
              ':pk': keys.undeliverableNotifications,
            },
          },
        ),
        ...alsoWrite,
      ]);
    },

    async listUndeliverable(limit: number): Promise<DeliveryRecord[]> {
      return (await queryIndex(ctx, indexNames.gsi1, keys.undeliverableNotifications, { limit })).map((i) =>
        stripKeys<DeliveryRecord>(i),
      );
    },

    /** Not yet delivered and created before `olderThan`: what the sweeper re-publishes. */
    async listUndelivered(olderThan: Date, limit: number): Promise<DeliveryRecord[]> {
      return (
        await queryShards(ctx, indexNames.gsi1, keys.pendingNotifications, { before: olderThan.toISOString(), limit })
      ).map((i) => stripKeys<DeliveryRecord>(i));
    },
  };
}

export type NotificationRepository = ReturnType<typeof notificationRepository>;

export function inboxRepository(ctx: StoreContext) {
  const { doc, tableName } = ctx;
  return {
    async list(userId: string, startKey: Record<string, unknown> | undefined, limit: number, unreadOnly = false) {
      const result = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': keys.userPartition(userId),
            ':prefix': unreadOnly ? keys.inboxUnreadPrefix : keys.inboxPrefix,
          },
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
          Limit: limit,
        }),
      );
      return { items: (result.Items ?? []).map((i) => stripKeys<InboxItem>(i)), lastKey: result.LastEvaluatedKey };
    },

    /** Moves one item from the unread to the read range. False when there is no such unread item. */
    async markRead(userId: string, notificationId: string, now: Date): Promise<boolean> {
      const unreadKey = keys.inboxItem(userId, 'U', notificationId);
      const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: unreadKey, ConsistentRead: true }));
      if (!Item) return false;
      try {
        await transact(ctx, [
          del(ctx, 'unread', unreadKey, { expression: 'attribute_exists(pk)' }),
          put(ctx, 'read', {
            ...Item,
            ...keys.inboxItem(userId, 'R', notificationId),
            read: true,
            readAt: now.toISOString(),
          }),
        ]);
        return true;
      } catch (error) {
        if (error instanceof TransactionRefused) return false;
        throw error;
      }
    },

    async exists(userId: string, notificationId: string): Promise<boolean> {
      const results = await Promise.all(
        (['U', 'R'] as const).map((state) =>
          doc.send(
            new GetCommand({
              TableName: tableName,
              Key: keys.inboxItem(userId, state, notificationId),
              ProjectionExpression: 'pk',
            }),
          ),
        ),
      );
      return results.some((r) => r.Item);
    },
  };
}
