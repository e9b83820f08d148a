import '@cc/local/quiet-sdk-warning';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { appConfigSchema, createApp, httpDeps, type AppConfig, type AppHttpDeps, type AppServices } from '@cc/api';
import { filesystemAttachmentStore } from '@cc/channels';
import { composeServices, connectAws, type AwsConnection } from '@cc/services';
import type { Caller, Role } from '@cc/core';
import { createDocumentClient, userRepository, type User } from '@cc/store';
import {
  freePort,
  localServicesBudget,
  startDynamoDbLocal,
  startSqsEmulator,
  type RunningService,
} from '@cc/local/services';
import { ensureQueues, ensureTable, type QueueUrls } from '@cc/local/provision';
import { generateDevKeys, signDevToken, type DevKeys } from '@cc/local/dev-keys';
import {
  createMeter,
  instrumentDynamo,
  instrumentSqs,
  recordTransactions,
  type Meter,
  type TransactRecorder,
} from './capacity';

export const HOST = '127.0.0.1';
export const region = 'us-east-1';
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * The public form's per-IP limit is raised to its maximum (10,000/min) for the bench, and the load
 * generator spreads complaints over many X-Forwarded-For addresses, so the limiter never throttles
 * (its UpdateItem still runs on every request and is counted).
 */
export const BENCH_PUBLIC_RATE_LIMIT = '10000';

/** What a composition root builds: the clients, the services over them, and the HTTP deps. */
export interface ComposedDeps extends AwsConnection {
  services: AppServices;
  http: AppHttpDeps;
}

export interface AppServer {
  deps: ComposedDeps;
  app: ReturnType<typeof createApp>;
  meter: Meter;
  recorder: TransactRecorder;
  baseUrl: string;
  port: number;
  close(): Promise<void>;
}

export interface BenchEnv {
  endpoints: { dynamodb: string; sqs: string };
  tableName: string;
  queues: QueueUrls;
  config: AppConfig;
  keys: DevKeys;
  dataDir: string;
  /** A plain DynamoDB client for provisioning and seeding (not metered). */
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  /** The document client the direct baseline uses: created like the app's, with its own connections. */
  direct: ReturnType<typeof createDocumentClient>;
  token(userId: string, role: Role, branchId?: string): Promise<string>;
  /** Composes deps like a composition root does (own clients), optionally on another queue or table. */
  compose(queueUrl?: string, tableName?: string): ComposedDeps;
  /** The real app over `composeDeps`, served by @hono/node-server on 127.0.0.1 and an ephemeral port. */
  serveApp(queueUrl?: string, tableName?: string): Promise<AppServer>;
  putUsers(users: User[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startBenchEnv(): Promise<BenchEnv> {
  const running: RunningService[] = [];
  const [dynamoService, sqsService] = await Promise.all([
    freePort().then((port) => startDynamoDbLocal({ port })),
    startSqsEmulator({ port: 0 }),
  ]);
  running.push(dynamoService, sqsService);
  const endpoints = { dynamodb: dynamoService.endpoint, sqs: sqsService.endpoint };
  for (const url of Object.values(endpoints))
    if (!new URL(url).hostname.startsWith('127.0.0.1'))
      throw new Error(`bench services must be on 127.0.0.1, got ${url}`);

  const tableName = 'bench';
  const dynamo = new DynamoDBClient({ endpoint: endpoints.dynamodb, region, credentials: localCredentials });
  const sqs = new SQSClient({ endpoint: endpoints.sqs, region, credentials: localCredentials });
  const [keys, queues] = await Promise.all([
    generateDevKeys(),
    ensureQueues(sqs, 'bench-'),
    ensureTable(dynamo, tableName),
  ]);
  const dataDir = mkdtempSync(join(tmpdir(), 'cc-bench-'));
  const config = appConfigSchema.parse({
    TABLE_NAME: tableName,
    LOG_LEVEL: 'silent',
    NOTIFICATION_QUEUE_URL: queues.notifications,
    CURSOR_SECRET: keys.cursorSecret,
    TWILIO_AUTH_TOKEN: keys.twilioAuthToken,
    EMAIL_WEBHOOK_SECRET: keys.emailWebhookSecret,
    PUBLIC_RATE_LIMIT_PER_MINUTE: BENCH_PUBLIC_RATE_LIMIT,
    // The load generator stands in for a proxy of ours: it names a client per request in X-Forwarded-For.
    TRUSTED_PROXY_HOPS: 1,
    DATA_DIR: dataDir,
  });
  const direct = createDocumentClient(
    { endpoint: endpoints.dynamodb, region, credentials: localCredentials },
    { budget: localServicesBudget.clients.dynamodb },
  );
  const servers: AppServer[] = [];

  const compose = (queueUrl = queues.notifications, table = tableName): ComposedDeps => {
    const settings = { ...config, NOTIFICATION_QUEUE_URL: queueUrl, TABLE_NAME: table };
    // DynamoDB Local under the bench's load is slower than the production budget allows for.
    const aws = connectAws(settings, queueUrl, {
      endpoints,
      region,
      credentials: localCredentials,
      budget: localServicesBudget,
    });
    const attachments = filesystemAttachmentStore(join(dataDir, 'attachments'));
    const services = composeServices({ ...aws, attachments }, settings);
    const http = httpDeps(settings, {
      jwks: { keys: [keys.publicJwk] },
      directory: services.staff,
      cursorSecret: keys.cursorSecret,
      health: aws.probes,
      log: aws.log,
      deadlineMs: localServicesBudget.deadlineMs,
    });
    return { ...aws, services, http };
  };

  async function serveApp(queueUrl?: string, table?: string): Promise<AppServer> {
    const deps = compose(queueUrl, table);
    const meter = createMeter();
    instrumentDynamo(deps.store.doc, meter);
    instrumentSqs(deps.sqs, meter);
    const recorder = recordTransactions(deps.store.doc);
    const app = createApp(deps.services, deps.http);
    const server: ServerType = await new Promise((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: HOST }, () => resolve(s));
    });
    const { port } = server.address() as AddressInfo;
    const handle: AppServer = {
      deps,
      app,
      meter,
      recorder,
      port,
      baseUrl: `http://${HOST}:${port}`,
      close: () =>
        new Promise<void>((resolve) => {
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          server.close(() => resolve());
        }),
    };
    servers.push(handle);
    return handle;
  }

  return {
    endpoints,
    tableName,
    queues,
    config,
    keys,
    dataDir,
    dynamo,
    sqs,
    direct,
    token: (userId, role, branchId = 'BR-001') =>
      signDevToken(keys, { userId, role, branchId } satisfies Caller, {
        issuer: config.AUTH_ISSUER,
        audience: config.AUTH_AUDIENCE,
      }),
    compose,
    serveApp,
    putUsers: async (users) => {
      const repo = userRepository({ doc: direct, tableName });
      await Promise.all(users.map((u) => repo.put(u)));
    },
    async stop() {
      for (const s of servers) await s.close().catch(() => undefined);
      for (const s of servers) {
        s.deps.store.doc.destroy();
        s.deps.sqs.destroy();
      }
      direct.destroy();
      dynamo.destroy();
      sqs.destroy();
      for (const service of running.reverse()) await service.stop().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
