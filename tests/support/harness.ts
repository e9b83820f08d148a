import { inject } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Caller, Logger, Role } from '@cc/core';
import { appConfigSchema, createApp, httpDeps, type AppConfig, type AppHttpDeps } from '@cc/api';
import { createContactCenterClient, type ContactCenterClient } from '@cc/client';
import { filesystemAttachmentStore } from '@cc/channels';
import type { MessagePublisher } from '@cc/messaging';
import { userRepository, type StoreContext } from '@cc/store';
import { composeServices, connectAws, type ServiceInfra } from '@cc/services';
import { ensureQueues, ensureTable, type QueueUrls } from '@cc/local/provision';
import { localServicesBudget } from '@cc/local/services';
import { generateDevKeys, signDevToken, type DevKeys } from '@cc/local/dev-keys';
import { holdToContract } from './contract-hook';

export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
export const region = 'us-east-1';

/**
 * The shared DynamoDB Local and SQS emulator get a patient budget in the general tests;
 * tests/integration/faults-*.test.ts hold the production figures (@cc/core/budgets) to their promises.
 */
export { localServicesBudget };

type Composed = ReturnType<
  typeof composeServices<ServiceInfra & { attachments: NonNullable<ServiceInfra['attachments']> }>
>;

export interface TestContext {
  app: ReturnType<typeof createApp>;
  /** The clients the services were composed with (the table, the queue, the log). */
  deps: { store: StoreContext; sqs: SQSClient; log: Logger; publisher: MessagePublisher; clock: () => Date };
  services: Composed;
  http: AppHttpDeps;
  /** The same services over other adapters (a stalled client, a later clock, a dead publisher). */
  compose(overrides?: Partial<ServiceInfra>): Composed;
  /** The app over services composed with `overrides`, and HTTP deps changed by `http`. */
  appWith(overrides?: Partial<ServiceInfra>, http?: Partial<AppHttpDeps>): ReturnType<typeof createApp>;
  config: AppConfig;
  keys: DevKeys;
  queues: QueueUrls;
  tableName: string;
  dynamo: DynamoDBClient;
  /** The table's stream (NEW_AND_OLD_IMAGES), read by the reporter's poller (tests/support/reports.ts). */
  stream: { streams: DynamoDBStreamsClient; streamArn: string };
  /** Puts an active user with this role and branch in the staff directory (the users table), unless there. */
  user(userId: string, role?: Role, branchId?: string): Promise<void>;
  /** A bearer token for the user, who is put in the directory with this role and branch (active) if not there. */
  token(userId: string, role?: Role, branchId?: string): Promise<string>;
  request(method: string, path: string, options?: RequestOptions): Promise<Response>;
  /** The typed client (@cc/client) with a token: over the app in-process, or over HTTP when given a base URL. */
  client(token?: string, baseUrl?: string): ContactCenterClient;
}

export interface RequestOptions {
  token?: string;
  json?: unknown;
  body?: RequestInit['body'];
  headers?: Record<string, string>;
  /** The app to ask (one from `appWith`, say); the context's own by default. */
  app?: ReturnType<typeof createApp>;
}

/** A fresh table and queue pair on the run's shared local services, and the real app over them. */
export async function createTestContext(
  overrides: Partial<Record<keyof AppConfig | 'DATA_DIR', string>> = {},
): Promise<TestContext> {
  const endpoints = { dynamodb: inject('dynamoEndpoint'), sqs: inject('sqsEndpoint') };
  const suffix = randomBytes(4).toString('hex');
  const tableName = `t-${suffix}`;
  const dynamo = new DynamoDBClient({ endpoint: endpoints.dynamodb, region, credentials: localCredentials });
  const [keys, queues, streamArn] = await Promise.all([
    generateDevKeys(),
    ensureQueues(
      connectAws({ TABLE_NAME: tableName, LOG_LEVEL: 'silent' }, '', {
        endpoints,
        region,
        credentials: localCredentials,
      }).sqs,
      `${suffix}-`,
    ),
    ensureTable(dynamo, tableName),
  ]);
  const { DATA_DIR: dataDir = mkdtempSync(join(tmpdir(), 'cc-test-')), ...settings } = overrides;
  const config = appConfigSchema.parse({
    TABLE_NAME: tableName,
    LOG_LEVEL: 'silent',
    NOTIFICATION_QUEUE_URL: queues.notifications,
    TWILIO_AUTH_TOKEN: keys.twilioAuthToken,
    EMAIL_WEBHOOK_SECRET: keys.emailWebhookSecret,
    ...settings,
  });
  const aws = connectAws(config, queues.notifications, {
    endpoints,
    region,
    credentials: localCredentials,
    budget: localServicesBudget,
  });
  const attachments = filesystemAttachmentStore(join(dataDir, 'attachments'));
  const compose = (more: Partial<ServiceInfra> = {}) => composeServices({ ...aws, attachments, ...more }, config);
  const services = compose();
  const http = httpDeps(config, {
    jwks: { keys: [keys.publicJwk] },
    directory: services.staff,
    cursorSecret: keys.cursorSecret,
    health: aws.probes,
    log: aws.log,
    deadlineMs: localServicesBudget.deadlineMs,
  });
  // Every response these apps give is checked against the contract (contract-hook.ts).
  const appWith = (more: Partial<ServiceInfra> = {}, httpChanges: Partial<AppHttpDeps> = {}) =>
    holdToContract(createApp(compose(more), { ...http, ...httpChanges }));
  const app = holdToContract(createApp(services, http));
  const users = userRepository(aws.store);
  const user = async (userId: string, role: Role = 'agent', branchId = 'BR-001') => {
    const known = await users.get(userId);
    if (!known || known.role !== role || known.branchId !== branchId || known.active === false) {
      await users.put({ name: userId, notifyVia: 'inbox', ...known, id: userId, role, branchId, active: true });
    }
  };
  /** Tokens are checked against the directory: the user is put there (active, this role and branch) first. */
  const token = async (userId: string, role: Role = 'agent', branchId = 'BR-001') => {
    await user(userId, role, branchId);
    return signDevToken(keys, { userId, role, branchId } satisfies Caller, {
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
    });
  };
  const request = async (method: string, path: string, options: RequestOptions = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    return (options.app ?? app).request(path, { method, headers, body });
  };
  const client = (token?: string, baseUrl?: string) =>
    baseUrl
      ? createContactCenterClient({ baseUrl, token })
      : createContactCenterClient({ baseUrl: 'http://localhost', token, fetch: (r) => Promise.resolve(app.fetch(r)) });
  return {
    app,
    deps: { store: aws.store, sqs: aws.sqs, log: aws.log, publisher: aws.publisher, clock: () => new Date() },
    services,
    http,
    compose,
    appWith,
    config,
    keys,
    queues,
    tableName,
    dynamo,
    user,
    stream: {
      streams: new DynamoDBStreamsClient({ endpoint: endpoints.dynamodb, region, credentials: localCredentials }),
      streamArn: streamArn!,
    },
    token,
    request,
    client,
  };
}
