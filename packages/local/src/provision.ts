import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { tableDefinition } from '@cc/store/keys';
import { queueDefinitions } from '@cc/messaging';

/** The table's change stream, as the CDK table has it (infra/constructs/data.ts): the reporter reads both images. */
const streamSpecification = { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } as const;

/**
 * Creates the table and its indexes from the shared definition (a no-op when it exists), with its stream; a table
 * made before the stream existed gets it. Returns the stream's ARN (undefined with `stream: false`, for comparisons).
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  options: { stream?: boolean } = {},
): Promise<string | undefined> {
  const stream = options.stream ?? true;
  const keyAttributes = [
    tableDefinition.partitionKey,
    tableDefinition.sortKey,
    ...tableDefinition.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: keyAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' },
          { AttributeName: tableDefinition.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: tableDefinition.indexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
        ...(stream && { StreamSpecification: streamSpecification }),
      }),
    );
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: tableDefinition.ttlAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (!stream) return undefined;
  if (Table?.StreamSpecification?.StreamEnabled) return Table.LatestStreamArn;
  const updated = await client.send(
    new UpdateTableCommand({ TableName: tableName, StreamSpecification: streamSpecification }),
  );
  return updated.TableDescription?.LatestStreamArn;
}

export interface QueueUrls {
  notifications: string;
  notificationsDlq: string;
}

/** Creates the notification queue and its dead-letter queue (CreateQueue is idempotent in SQS). */
export async function ensureQueues(sqs: SQSClient, prefix = ''): Promise<QueueUrls> {
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: prefix + queueDefinitions.notificationsDlq.name }));
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  const main = await sqs.send(
    new CreateQueueCommand({
      QueueName: prefix + queueDefinitions.notifications.name,
      Attributes: {
        VisibilityTimeout: String(queueDefinitions.notifications.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: String(queueDefinitions.notifications.maxReceiveCount),
        }),
      },
    }),
  );
  return { notifications: main.QueueUrl!, notificationsDlq: dlq.QueueUrl! };
}
