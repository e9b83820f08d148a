import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Created once per process (composition root) and injected everywhere else. */
export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ maxAttempts: 3, ...config });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/** What every repository needs: the document client and the table it works on. */
export interface StoreContext {
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** The correlation id of the work in progress; items put in a transaction carry it (for the stream consumer). */
  correlation?: () => string | undefined;
  /** How many partitions each hot key is split over (HOT_KEY_SHARDS; keys.ts). Every process must agree. */
  hotKeyShards?: number;
}

/** HOT_KEY_SHARDS when a host does not say (keys.ts, docs/scale.md). */
export const DEFAULT_HOT_KEY_SHARDS = 32;

export const hotKeyShards = (ctx: StoreContext): number => ctx.hotKeyShards ?? DEFAULT_HOT_KEY_SHARDS;
