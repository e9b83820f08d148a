import {
  DynamoDBClient,
  type DynamoDBClientConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DependencyUnavailableError } from '@cc/core';
import { budgets, type SdkBudget } from '@cc/core/budgets';
import type { InitializeMiddleware } from '@smithy/types';
import { budgetedClientConfig } from './budgeted-client';
import { isDependencyFailure } from './errors';

export interface ClientBudget {
  /** The calling function's DynamoDB budget (@cc/core/budgets); the API's when not given. */
  budget?: SdkBudget;
  /** Slow down after throttling (background work) rather than fail fast (requests). */
  adaptive?: boolean;
}

/** Outermost: whatever is left of a failure once the retry budget is spent becomes a domain error. */
const dependencyFailures: InitializeMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next) => async (args) => {
  try {
    return await next(args);
  } catch (error) {
    throw isDependencyFailure(error) ? new DependencyUnavailableError('DynamoDB', error) : error;
  }
};

/**
 * Created once per process (composition root) and injected everywhere else. Every call keeps to the budget
 * and the current deadline (withDeadline); a dependency failure surfaces as DependencyUnavailableError (503).
 */
export function createDocumentClient(
  config: DynamoDBClientConfig = {},
  { budget = budgets.api.clients.dynamodb, adaptive }: ClientBudget = {},
): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ ...budgetedClientConfig(budget, { adaptive }), ...config });
  client.middlewareStack.add(dependencyFailures, { step: 'initialize', priority: 'high', name: 'dependencyFailures' });
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
