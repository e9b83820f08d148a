import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from '@cc/store';
import { keys } from '@cc/store/keys';

/** Every inbox item of a user as stored (a consistent read), for tests that check who was told what. */
export const inboxItems = async (store: StoreContext, userId: string) =>
  (
    await store.doc.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': keys.userPartition(userId), ':p': keys.inboxPrefix },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];
