import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { JSONWebKeySet } from 'jose';
import { createLogger, type Logger } from '@cc/core';
import { createCursorCodec, createDocumentClient, userNameDirectory } from '@cc/store';
import { createSqsPublisher } from '@cc/messaging';
import { createTokenVerifier } from './auth';
import type { AppConfig } from './config';
import type { AppDeps } from './deps';

export interface ComposeOptions {
  /** The JWKS to trust: Cognito's URL in AWS, the dev key set locally. */
  jwks: URL | JSONWebKeySet;
  cursorSecret: string;
  queueUrl: string;
  /** Explicit endpoints for local services; in AWS the SDK's defaults (or AWS_ENDPOINT_URL_*) apply. */
  endpoints?: { dynamodb?: string; sqs?: string };
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  log?: Logger;
}

/** How long a user's display name is trusted before it is read again. */
const USER_NAMES_TTL_MS = 5 * 60_000;

/** The composition root: clients are created here, once, and injected. */
export function composeDeps(config: AppConfig, options: ComposeOptions): AppDeps & { sqs: SQSClient } {
  const aws = { region: options.region, credentials: options.credentials };
  const doc = createDocumentClient({ ...aws, endpoint: options.endpoints?.dynamodb });
  const sqs = new SQSClient({ ...aws, endpoint: options.endpoints?.sqs, maxAttempts: 2 });
  const tableName = config.TABLE_NAME;
  return {
    config,
    store: { doc, tableName },
    cursors: createCursorCodec(options.cursorSecret),
    auth: createTokenVerifier({ issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, jwks: options.jwks }),
    publisher: createSqsPublisher(sqs, options.queueUrl),
    health: {
      // A GetItem on a key that never exists: needs only the permission the app already has.
      dynamodb: async () => {
        await (doc as unknown as { send: DynamoDBClient['send'] }).send(
          new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'HEALTH' }, sk: { S: 'HEALTH' } } }),
        );
      },
      sqs: async () => {
        await sqs.send(new GetQueueAttributesCommand({ QueueUrl: options.queueUrl, AttributeNames: ['QueueArn'] }));
      },
    },
    directory: userNameDirectory({ doc, tableName }, { ttlMs: USER_NAMES_TTL_MS }),
    log: options.log ?? createLogger({ silent: config.LOG_LEVEL === 'silent' }),
    clock: () => new Date(),
    sqs,
  };
}
