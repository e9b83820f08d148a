import { inject } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import type { Caller, Role } from '@cc/core';
import { appConfigSchema, composeDeps, createApp, type AppConfig, type AppDeps } from '@cc/api';
import { ensureQueues, ensureTable, type QueueUrls } from '../../packages/local/src/provision';
import { generateDevKeys, signDevToken, type DevKeys } from '../../packages/local/src/dev-keys';

export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
export const region = 'us-east-1';

export interface TestContext {
  app: ReturnType<typeof createApp>;
  deps: AppDeps & { sqs: SQSClient };
  config: AppConfig;
  keys: DevKeys;
  queues: QueueUrls;
  tableName: string;
  dynamo: DynamoDBClient;
  token(userId: string, role?: Role, branchId?: string): Promise<string>;
  request(method: string, path: string, options?: RequestOptions): Promise<Response>;
}

export interface RequestOptions {
  token?: string;
  json?: unknown;
  body?: RequestInit['body'];
  headers?: Record<string, string>;
}

/** A fresh table and queue pair on the run's shared local services, and the real app over them. */
export async function createTestContext(
  overrides: Partial<Record<keyof AppConfig, string>> = {},
): Promise<TestContext> {
  const endpoints = { dynamodb: inject('dynamoEndpoint'), sqs: inject('sqsEndpoint') };
  const suffix = randomBytes(4).toString('hex');
  const tableName = `t-${suffix}`;
  const dynamo = new DynamoDBClient({ endpoint: endpoints.dynamodb, region, credentials: localCredentials });
  const sqs = new SQSClient({ endpoint: endpoints.sqs, region, credentials: localCredentials });
  const [keys, queues] = await Promise.all([
    generateDevKeys(),
    ensureQueues(sqs, `${suffix}-`),
    ensureTable(dynamo, tableName),
  ]);
  const config = appConfigSchema.parse({
    TABLE_NAME: tableName,
    LOG_LEVEL: 'silent',
    NOTIFICATION_QUEUE_URL: queues.notifications,
    TWILIO_AUTH_TOKEN: keys.twilioAuthToken,
    EMAIL_WEBHOOK_SECRET: keys.emailWebhookSecret,
    ...overrides,
  });
  const deps = composeDeps(config, {
    jwks: { keys: [keys.publicJwk] },
    cursorSecret: keys.cursorSecret,
    queueUrl: queues.notifications,
    endpoints,
    region,
    credentials: localCredentials,
  });
  const app = createApp(deps);
  const token = (userId: string, role: Role = 'agent', branchId = 'BR-001') =>
    signDevToken(keys, { userId, role, branchId } satisfies Caller, {
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
    });
  const request = async (method: string, path: string, options: RequestOptions = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    return app.request(path, { method, headers, body });
  };
  return { app, deps, config, keys, queues, tableName, dynamo, token, request };
}
