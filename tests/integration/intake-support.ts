import { expect } from 'vitest';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { keys } from '@cc/store/keys';
import type { TestContext } from '../support/harness';

let counter = 0;

/** Creates a customer through the API (as a supervisor of BR-001) and returns it. */
export async function createCustomer(t: TestContext, overrides: Record<string, unknown> = {}) {
  counter += 1;
  // Managers must be active managers of the branch: the tests name them freely, so they are put in the directory.
  const managers = [overrides.primaryManagerId, ...((overrides.assistingManagerIds as string[] | undefined) ?? [])];
  await Promise.all(managers.filter((m): m is string => typeof m === 'string').map((m) => t.user(m, 'manager')));
  const res = await t.request('POST', '/customers', {
    token: await t.token('sup-1', 'supervisor', 'BR-001'),
    json: { customerNumber: `N${Date.now()}${counter}`, name: `Customer ${counter}`, type: 'individual', ...overrides },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as {
    id: string;
    version: number;
    contactPoints: { kind: string; value: string }[];
    preferences: { optOut: { sms: boolean } };
  };
}

/** Every item in a partition (with the sort key prefix), read straight from the table. */
export async function partitionItems(t: TestContext, pk: string, prefix = '') {
  const out: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await t.dynamo.send(
      new QueryCommand({
        TableName: t.tableName,
        KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(sk, :p)' : 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk }, ...(prefix && { ':p': { S: prefix } }) },
        ExclusiveStartKey: start as never,
        ConsistentRead: true,
      }),
    );
    out.push(...(res.Items ?? []).map((i) => unmarshall(i)));
    start = res.LastEvaluatedKey;
  } while (start);
  return out;
}

export const timelineOf = (t: TestContext, customerId: string) =>
  partitionItems(t, keys.customerPartition(customerId), keys.customerTimelinePrefix);

export async function problem(res: Response) {
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  return (await res.json()) as { status: number; code: string; errors?: { path: string }[]; detail?: string };
}
