import '@cc/local/quiet-sdk-warning';
import type { TestProject } from 'vitest/node';
import { freePort, startDynamoDbLocal, startSqsEmulator } from '@cc/local/services';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sqsEndpoint: string;
  }
}

/**
 * One in-memory DynamoDB Local and one SQS emulator for the whole run; each test file makes its own table and queues.
 */
export default async function setup(project: TestProject) {
  const [dynamo, sqs] = await Promise.all([
    freePort().then((port) => startDynamoDbLocal({ port })),
    startSqsEmulator({ port: 0 }),
  ]);
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('sqsEndpoint', sqs.endpoint);
  return async () => {
    await Promise.all([dynamo.stop(), sqs.stop()]);
  };
}
