import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Notification } from '@cc/core';
import type { StoreContext } from './client';
import { isConditionalCheckFailed } from './errors';
import { indexNames, keys } from './keys';
import { queryIndex } from './index-query';
import { del, put, putNew, stripKeys, transact, TransactionRefused, type LabelledItem } from './transact';

export interface InboxItem extends Notification {
  read: boolean;
  readAt?: string;
}

export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'undeliverable';

export interface DeliveryRecord {
  notification: Notification;
  status: DeliveryStatus;
  attempts: number;
  publishedAt?: string;
  deliveredAt?: string;
  deliveredVia?: string;
  lastError?: string;
}

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
      gsi1pk: keys.pendingNotifications,
      gsi1sk: `${n.createdAt}#${n.id}`,
    }),
  ];
}

/** The recipient's unread inbox item for `n`. */
export const unreadInboxItem = (ctx: StoreContext, n: Notification): LabelledItem =>
  putNew(ctx, `inbox:${n.id}`, { ...keys.inboxItem(n.recipientId, 'U', n.id), entity: 'inbox', ...n, read: false });

const LEASE_MS = 60_000;

export function notificationRepository(ctx: StoreContext) {
  const { doc, tableName } = ctx;

  return {
    /**
     * Claims a notification for delivery. Returns undefined when it was already delivered (a duplicate
     * SQS delivery); throws when another consumer holds a live lease (SQS will redeliver later).
     */
    async claim(notificationId: string, now: Date): Promise<DeliveryRecord | undefined> {
      try {
        const { Attributes } = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.notification(notificationId),
            UpdateExpression: 'SET #s = :delivering, leaseUntil = :lease ADD attempts :one',
            ConditionExpression: 'attribute_exists(pk) AND (#s = :pending OR (#s = :delivering AND leaseUntil < :now))',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: {
              ':delivering': 'delivering',
              ':pending': 'pending',
              ':lease': now.getTime() + LEASE_MS,
              ':now': now.getTime(),
              ':one': 1,
            },
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return stripKeys<DeliveryRecord>(Attributes!);
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        // The document client hands back this item still marshalled ({ status: { S: ... } }).
        const old = (error as { Item?: { status?: { S?: string } } }).Item;
        if (!old || old.status?.S === 'delivered' || old.status?.S === 'undeliverable') return undefined;
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

    async markDelivered(notificationId: string, via: string, now: Date): Promise<void> {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.notification(notificationId),
          UpdateExpression:
            'SET #s = :delivered, deliveredAt = :at, deliveredVia = :via REMOVE gsi1pk, gsi1sk, leaseUntil',
          ConditionExpression: '#s = :delivering',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':delivered': 'delivered',
            ':delivering': 'delivering',
            ':at': now.toISOString(),
            ':via': via,
          },
        }),
      );
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
     * re-publishing it) into the undeliverable one. The recipient's inbox item stays as it was.
     */
    async giveUp(notificationId: string, error: string): Promise<void> {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.notification(notificationId),
          UpdateExpression: 'SET #s = :undeliverable, lastError = :error, gsi1pk = :pk REMOVE leaseUntil',
          ConditionExpression: '#s = :delivering',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':undeliverable': 'undeliverable',
            ':delivering': 'delivering',
            ':error': error.slice(0, 500),
            ':pk': keys.undeliverableNotifications,
          },
        }),
      );
    },

    async listUndeliverable(limit: number): Promise<DeliveryRecord[]> {
      return (await queryIndex(ctx, indexNames.gsi1, keys.undeliverableNotifications, { limit })).map((i) =>
        stripKeys<DeliveryRecord>(i),
      );
    },

    /** Not yet delivered and created before `olderThan`: what the sweeper re-publishes. */
    async listUndelivered(olderThan: Date, limit: number): Promise<DeliveryRecord[]> {
      return (
        await queryIndex(ctx, indexNames.gsi1, keys.pendingNotifications, { before: olderThan.toISOString(), limit })
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
