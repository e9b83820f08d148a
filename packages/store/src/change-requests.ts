import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ChangeRequest, ChangeRequestStatus } from '@cc/core';
import type { StoreContext } from './client';
import { indexNames, keys } from './keys';
import { put, putNew, stripKeys, type LabelledItem } from './transact';

export const CHANGE_REQUEST_LABEL = 'change-request';

/** A request is listed in its branch's queue for its status (gsi1), oldest first. */
const requestItem = (request: ChangeRequest) => ({
  ...keys.changeRequest(request.id),
  entity: 'change-request',
  ...request,
  gsi1pk: keys.changeRequestQueue(request.branchId, request.status),
  gsi1sk: `${request.requestedAt}#${request.id}`,
});

export function changeRequestRepository(ctx: StoreContext) {
  const { doc, tableName } = ctx;
  return {
    createItem: (request: ChangeRequest): LabelledItem => putNew(ctx, CHANGE_REQUEST_LABEL, requestItem(request)),

    /** The decided request, written only if it is still pending: two deciders cannot both win. */
    decideItem: (decided: ChangeRequest): LabelledItem =>
      put(ctx, CHANGE_REQUEST_LABEL, requestItem(decided), {
        expression: '#s = :pending',
        names: { '#s': 'status' },
        values: { ':pending': 'pending' },
      }),

    async get(id: string, consistent = false): Promise<ChangeRequest | undefined> {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: keys.changeRequest(id), ConsistentRead: consistent }),
      );
      return Item ? stripKeys<ChangeRequest>(Item) : undefined;
    },

    async listByStatus(
      branchId: string,
      status: ChangeRequestStatus,
      startKey: Record<string, unknown> | undefined,
      limit: number,
    ) {
      const result = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: indexNames.gsi1,
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.changeRequestQueue(branchId, status) },
          ExclusiveStartKey: startKey,
          Limit: limit,
        }),
      );
      return { items: (result.Items ?? []).map((i) => stripKeys<ChangeRequest>(i)), lastKey: result.LastEvaluatedKey };
    },
  };
}

export type ChangeRequestRepository = ReturnType<typeof changeRequestRepository>;
