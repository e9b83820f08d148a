import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './client';
import { ConflictError } from '@cc/core';
import { cancellationCodes, translateStoreError } from './errors';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A write that is one of several in a transaction, labelled so a cancellation can say which condition failed. */
export interface LabelledItem {
  label: string;
  item: TransactItem;
  /**
   * Its condition only says another writer got there first (e.g. took the next case number): when it is all
   * that refused the transaction, the whole attempt is run again (a `store.concurrent_write` conflict).
   */
  retryable?: boolean;
}

export class TransactionRefused extends Error {
  constructor(readonly failedLabels: string[]) {
    super(`transaction refused by: ${failedLabels.join(', ')}`);
  }
}

/**
 * Runs one TransactWriteItems. When a condition fails, throws TransactionRefused naming the labels
 * of the items whose conditions failed, so the caller can translate that into a domain error; when only
 * retryable items failed, a `store.concurrent_write` ConflictError (see retryConcurrentWrites).
 */
export async function transact(ctx: StoreContext, items: LabelledItem[], clientRequestToken?: string): Promise<void> {
  const correlationId = ctx.correlation?.();
  try {
    await ctx.doc.send(
      new TransactWriteCommand({
        TransactItems: items.map((i) => (correlationId ? carrying(i.item, correlationId) : i.item)),
        ClientRequestToken: clientRequestToken,
      }),
    );
  } catch (error) {
    const codes = cancellationCodes(error);
    if (codes?.includes('ConditionalCheckFailed')) {
      const failed = items.filter((_, i) => codes[i] === 'ConditionalCheckFailed');
      if (failed.every((i) => i.retryable)) {
        throw new ConflictError('store.concurrent_write', 'Another request took the same number or slot; retry');
      }
      throw new TransactionRefused(failed.map((i) => i.label));
    }
    throw translateStoreError(error);
  }
}

/** A put carries the correlation id of the work that wrote it, so the stream consumer can log it. */
const carrying = (item: TransactItem, correlationId: string): TransactItem =>
  item.Put ? { Put: { ...item.Put, Item: { ...item.Put.Item, correlationId } } } : item;

export const put = (
  ctx: StoreContext,
  label: string,
  item: Record<string, unknown>,
  condition?: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> },
): LabelledItem => ({
  label,
  item: {
    Put: {
      TableName: ctx.tableName,
      Item: item,
      ...(condition && {
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: condition.names,
        ExpressionAttributeValues: condition.values,
      }),
    },
  },
});

export const putNew = (ctx: StoreContext, label: string, item: Record<string, unknown>): LabelledItem =>
  put(ctx, label, item, { expression: 'attribute_not_exists(pk)' });

export const del = (
  ctx: StoreContext,
  label: string,
  key: { pk: string; sk: string },
  condition?: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> },
): LabelledItem => ({
  label,
  item: {
    Delete: {
      TableName: ctx.tableName,
      Key: key,
      ...(condition && {
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: condition.names,
        ExpressionAttributeValues: condition.values,
      }),
    },
  },
});

export const update = (
  ctx: StoreContext,
  label: string,
  key: { pk: string; sk: string },
  expression: string,
  options: { names?: Record<string, string>; values?: Record<string, unknown>; condition?: string } = {},
): LabelledItem => ({
  label,
  item: {
    Update: {
      TableName: ctx.tableName,
      Key: key,
      UpdateExpression: expression,
      ConditionExpression: options.condition,
      ExpressionAttributeNames: options.names,
      ExpressionAttributeValues: options.values,
    },
  },
});

export const conditionCheck = (
  ctx: StoreContext,
  label: string,
  key: { pk: string; sk: string },
  expression: string,
  values?: Record<string, unknown>,
  names?: Record<string, string>,
): LabelledItem => ({
  label,
  item: {
    ConditionCheck: {
      TableName: ctx.tableName,
      Key: key,
      ConditionExpression: expression,
      ExpressionAttributeValues: values,
      ExpressionAttributeNames: names,
    },
  },
});

/** Strips the key and index attributes so a stored item can be returned as a domain object. */
export function stripKeys<T>(item: Record<string, unknown>): T {
  const {
    pk: _pk,
    sk: _sk,
    gsi1pk: _a,
    gsi1sk: _b,
    gsi2pk: _c,
    gsi2sk: _d,
    gsi3pk: _e,
    gsi3sk: _f,
    expiresAt: _g,
    correlationId: _cid,
    entity: _h,
    ...rest
  } = item;
  return rest as T;
}
