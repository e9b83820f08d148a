import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './client';
import { tableDefinition, type IndexName } from './keys';

/**
 * One page of an index partition in sort-key order, only keys sorting before `before` when given: how
 * the sweepers read their due lists (sparse indexes keyed by due time) and the stuck-work lists.
 */
export async function queryIndex(
  ctx: StoreContext,
  index: IndexName,
  partition: string,
  options: { before?: string; limit: number },
): Promise<Record<string, unknown>[]> {
  const { partitionKey, sortKey } = tableDefinition.indexes.find((i) => i.name === index)!;
  const { Items } = await ctx.doc.send(
    new QueryCommand({
      TableName: ctx.tableName,
      IndexName: index,
      KeyConditionExpression: options.before === undefined ? '#pk = :pk' : '#pk = :pk AND #sk < :before',
      ExpressionAttributeNames: { '#pk': partitionKey, ...(options.before !== undefined && { '#sk': sortKey }) },
      ExpressionAttributeValues: {
        ':pk': partition,
        ...(options.before !== undefined && { ':before': options.before }),
      },
      Limit: options.limit,
    }),
  );
  return Items ?? [];
}
