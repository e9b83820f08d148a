import './quiet-sdk-warning';
import { join, relative } from 'node:path';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createApp, httpDeps } from '@cc/api';
import { filesystemArchiveStore, filesystemAttachmentStore } from '@cc/channels';
import { ConfigError, createLogger, parseEnv } from '@cc/core';
import { budgets } from '@cc/core/budgets';
import { composeServices, connectAws } from '@cc/services';
import { budgetedClientConfig } from '@cc/store';
import { loadOrCreateDevKeys, signDevToken } from './dev-keys';
import { localConfigSchema } from './local-config';
import { operatorBudget } from './operator-budget';
import { ensureQueues, ensureTable } from './provision';
import { claimRuntime } from './runtime-lock';
import { demoUsers, seedDemoData } from './seed';
import {
  assertPortFree,
  ServiceStartError,
  startDynamoDbLocal,
  startSqsEmulator,
  type RunningService,
} from './services';
import { startWorkers } from './workers';

const log = createLogger();
/** Paths relative to where npm start runs (".data"): the log masks digit runs, and absolute paths often have some. */
const shownPath = (path: string) => {
  const inside = relative(process.cwd(), path);
  return inside && !inside.startsWith('..') ? inside : path;
};
const running: { stop(): Promise<void> }[] = [];

async function main() {
  const config = parseEnv(localConfigSchema, process.env);
  // First, so that a run that crashed (kill -9) has its leftovers stopped before their ports are checked.
  const runtime = await claimRuntime(config.DATA_DIR, log);
  running.push({ stop: async () => runtime.release() });
  await assertPortFree(config.PORT, 'the API', 'PORT');
  const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

  // Use configured endpoints as they are; otherwise start our own services.
  let dynamoEndpoint = config.AWS_ENDPOINT_URL_DYNAMODB;
  if (!dynamoEndpoint) {
    await assertPortFree(config.DYNAMODB_PORT, 'DynamoDB Local', 'DYNAMODB_PORT');
    const dynamo: RunningService = await startDynamoDbLocal(
      { port: config.DYNAMODB_PORT, dataDir: join(config.DATA_DIR, 'dynamodb') },
      log,
    );
    running.push(dynamo);
    if (dynamo.pid) runtime.addChild('DynamoDB Local', dynamo.pid, join(config.DATA_DIR, 'dynamodb'));
    dynamoEndpoint = dynamo.endpoint;
    log.info('DynamoDB Local started', {
      endpoint: dynamoEndpoint,
      dataDir: shownPath(join(config.DATA_DIR, 'dynamodb')),
    });
  }
  let sqsEndpoint = config.AWS_ENDPOINT_URL_SQS;
  if (!sqsEndpoint) {
    await assertPortFree(config.SQS_PORT, 'the SQS emulator', 'SQS_PORT');
    const sqs = await startSqsEmulator({ port: config.SQS_PORT });
    running.push(sqs);
    sqsEndpoint = sqs.endpoint;
    log.info('SQS emulator started', { endpoint: sqsEndpoint });
  }
  const usingLocal =
    !config.AWS_ENDPOINT_URL_DYNAMODB || !config.AWS_ENDPOINT_URL_SQS || !process.env.AWS_ACCESS_KEY_ID;
  const credentials = usingLocal ? localCredentials : undefined;

  const keys = await loadOrCreateDevKeys(config.DATA_DIR);
  // Provisioning is bounded too, with the patient budget of an operator's tool (a table may take a while to create).
  const provisioning = () => ({
    region: config.AWS_REGION,
    credentials,
    ...budgetedClientConfig(operatorBudget.clients.dynamodb),
  });
  const dynamoClient = new DynamoDBClient({ endpoint: dynamoEndpoint, ...provisioning() });
  const sqsClient = new SQSClient({ endpoint: sqsEndpoint, ...provisioning() });
  const streamArn = await ensureTable(dynamoClient, config.TABLE_NAME);
  const queues = config.NOTIFICATION_QUEUE_URL
    ? { notifications: config.NOTIFICATION_QUEUE_URL, notificationsDlq: '' }
    : await ensureQueues(sqsClient);

  const appConfig = {
    ...config,
    NOTIFICATION_QUEUE_URL: queues.notifications,
    CURSOR_SECRET: config.CURSOR_SECRET ?? keys.cursorSecret,
    TWILIO_AUTH_TOKEN: config.TWILIO_AUTH_TOKEN ?? keys.twilioAuthToken,
    EMAIL_WEBHOOK_SECRET: config.EMAIL_WEBHOOK_SECRET ?? keys.emailWebhookSecret,
  };
  const aws = connectAws(
    appConfig,
    queues.notifications,
    {
      endpoints: { dynamodb: dynamoEndpoint, sqs: sqsEndpoint },
      region: config.AWS_REGION,
      credentials,
      budget: budgets.api,
      // A queue that disappears (the emulator restarted empty) is created again, unless it was given from outside.
      ...(!config.NOTIFICATION_QUEUE_URL && {
        resolveQueue: async () => (await ensureQueues(aws.sqs)).notifications,
      }),
    },
    log,
  );
  const services = composeServices(
    {
      ...aws,
      attachments: filesystemAttachmentStore(join(config.DATA_DIR, 'attachments')),
      archive: filesystemArchiveStore(join(config.DATA_DIR, 'archive')),
    },
    appConfig,
  );
  // The console's local sign-in (the seeded users) exists only while the local development key is the one trusted.
  const usingDevKey = !config.AUTH_JWKS_URL;
  const tokenOptions = { issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE };
  const http = httpDeps(appConfig, {
    jwks: usingDevKey ? { keys: [keys.publicJwk] } : new URL(config.AUTH_JWKS_URL!),
    directory: services.staff,
    cursorSecret: appConfig.CURSOR_SECRET,
    health: aws.probes,
    log,
    connInfo: getConnInfo,
    ...(usingDevKey && {
      devSignIn: {
        users: demoUsers,
        issue: (userId: string) => {
          const user = demoUsers.find((u) => u.id === userId)!;
          return signDevToken(keys, { userId, role: user.role, branchId: user.branchId }, tokenOptions);
        },
      },
    }),
  });
  if (await seedDemoData(services)) {
    log.info('demo data seeded', {
      customers: 'BR-001: DEMO-0001..DEMO-0005; BR-002: DEMO-0101..DEMO-0103',
      users: demoUsers.map((u) => `${u.id} (${u.role}, ${u.branchId})`).join(', '),
    });
  }

  running.push(
    startWorkers(services, {
      sqs: aws.sqs,
      queue: aws.queue,
      dataDir: config.DATA_DIR,
      sweepIntervalMs: config.SWEEP_INTERVAL_MS,
      log,
      ...(streamArn && {
        stream: {
          streams: new DynamoDBStreamsClient({
            endpoint: dynamoEndpoint,
            region: config.AWS_REGION,
            credentials,
            ...budgetedClientConfig(budgets.reporter.clients.dynamodb, { adaptive: true }),
          }),
          streamArn,
        },
      }),
    }),
  );

  const app = createApp(services, http);
  // Loopback only: the local runtime signs tokens with a key on this disk and is nobody's production.
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: '127.0.0.1' });
  running.push({ stop: () => new Promise<void>((resolve) => server.close(() => resolve())) });
  log.info('contact-center API listening', {
    url: `http://localhost:${config.PORT}`,
    health: `http://localhost:${config.PORT}/health`,
    console: `http://localhost:${config.PORT}/console`,
    dataDir: shownPath(config.DATA_DIR),
  });
}

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  for (const service of running.reverse()) await service.stop().catch(() => undefined);
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGHUP', () => void shutdown(0));

main().catch(async (error) => {
  const known = error instanceof ServiceStartError || error instanceof ConfigError;
  process.stderr.write(`\n${known ? error.message : (error as Error).stack}\n\n`);
  await shutdown(1);
});
