import { S3Client } from '@aws-sdk/client-s3';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { createLogger, parseEnv } from '@cc/core';
import { budgets } from '@cc/core/budgets';
import { s3ArchiveStore } from '@cc/channels/archive-s3';
import { composeReporter, serviceSettingsSchema, withDeadline } from '@cc/services';
import { reporterHandler } from '@cc/services/reporter-lambda';
import { budgetedClientConfig, createDocumentClient } from '@cc/store';

// Composition happens once per container, outside the handler.
const config = parseEnv(
  z.extend(serviceSettingsSchema, {
    ARCHIVE_BUCKET: z.string().check(z.minLength(3)),
    /** Path-style S3 addressing, for S3-compatible stores and emulators (AWS itself needs none). */
    S3_FORCE_PATH_STYLE: z._default(z.stringbool(), false),
  }),
  process.env,
);
const log = createLogger({ silent: config.LOG_LEVEL === 'silent' });
const budget = budgets.reporter;
const s3 = new S3Client({ forcePathStyle: config.S3_FORCE_PATH_STYLE, ...budgetedClientConfig(budget.clients.s3) });

/** DynamoDB stream consumer: report aggregates (exactly once per record) and the S3 analytics archive. */
const receive = reporterHandler(
  composeReporter(
    {
      store: {
        doc: createDocumentClient({}, { budget: budget.clients.dynamodb, adaptive: true }),
        tableName: config.TABLE_NAME,
        hotKeyShards: config.HOT_KEY_SHARDS,
      },
      log,
      archive: s3ArchiveStore(s3, config.ARCHIVE_BUCKET),
    },
    config,
  ),
);

/** Records not reached by the deadline fail as dependency errors and are retried from the first of them. */
export const handler = (event: DynamoDBStreamEvent, context: Context) =>
  withDeadline(budget.deadlineMs, () => receive(event, context));
