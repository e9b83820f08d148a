import { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { createLogger, parseEnv } from '@cc/core';
import { s3ArchiveStore } from '@cc/channels/archive-s3';
import { composeReporter, serviceSettingsSchema } from '@cc/services';
import { reporterHandler } from '@cc/services/reporter-lambda';
import { createDocumentClient } from '@cc/store';

// Composition happens once per container, outside the handler.
const config = parseEnv(
  serviceSettingsSchema.extend({
    ARCHIVE_BUCKET: z.string().min(3),
    /** Path-style S3 addressing, for S3-compatible stores and emulators (AWS itself needs none). */
    S3_FORCE_PATH_STYLE: z.stringbool().default(false),
  }),
  process.env,
);
const log = createLogger({ silent: config.LOG_LEVEL === 'silent' });

/** DynamoDB stream consumer: report aggregates (exactly once per record) and the S3 analytics archive. */
export const handler = reporterHandler(
  composeReporter(
    {
      store: { doc: createDocumentClient(), tableName: config.TABLE_NAME },
      log,
      archive: s3ArchiveStore(new S3Client({ forcePathStyle: config.S3_FORCE_PATH_STYLE }), config.ARCHIVE_BUCKET),
    },
    config,
  ),
);
