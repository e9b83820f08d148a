import { S3Client } from '@aws-sdk/client-s3';
import { handle } from 'hono/aws-lambda';
import { parseEnv } from '@cc/core';
import { budgets } from '@cc/core/budgets';
import { createApp, httpDeps, lambdaConfigSchema } from '@cc/api';
import { s3AttachmentStore } from '@cc/channels/s3';
import { composeServices, connectAws } from '@cc/services';

// Composition happens once per container, outside the handler.
const config = parseEnv(lambdaConfigSchema, process.env);
const s3 = new S3Client({ forcePathStyle: config.S3_FORCE_PATH_STYLE });
const aws = connectAws(config, config.NOTIFICATION_QUEUE_URL, { budget: budgets.api });
const services = composeServices({ ...aws, attachments: s3AttachmentStore(s3, config.ATTACHMENTS_BUCKET) }, config);
const http = httpDeps(config, {
  jwks: new URL(config.AUTH_JWKS_URL),
  cursorSecret: config.CURSOR_SECRET,
  health: aws.probes,
  log: aws.log,
});

export const handler = handle(createApp(services, http));
