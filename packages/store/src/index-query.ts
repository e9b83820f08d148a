import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { hotKeyShards, type StoreContext } from './client';
import { shardKeys, tableDefinition, type IndexName } from './keys';

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

/**
 * The first `limit` items, in sort-key order, across every shard of a sharded index partition (keys.ts): one Query
 * per shard, in parallel, each for up to `limit` items, merged.
 */
export async function queryShards(
  ctx: StoreContext,
  index: IndexName,
  partition: string,
  options: { before?: string; limit: number },
): Promise<Record<string, unknown>[]> {
  const { sortKey } = tableDefinition.indexes.find((i) => i.name === index)!;
  const pages = await Promise.all(
    shardKeys(partition, hotKeyShards(ctx)).map((shard) => queryIndex(ctx, index, shard, options)),
  );
  const sortOf = (item: Record<string, unknown>) => String(item[sortKey]);
  return pages
    .flat()
    .sort((a, b) => (sortOf(a) < sortOf(b) ? -1 : sortOf(a) > sortOf(b) ? 1 : 0))
    .slice(0, options.limit);
}
