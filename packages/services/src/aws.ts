import { createLogger, type Logger } from '@cc/core';
import { createQueueClient, createSqsPublisher, probeQueue } from '@cc/messaging';
import { createDocumentClient, systemRepository, type StoreContext } from '@cc/store';
import { correlation } from './correlation';
import type { ServiceSettings } from './settings';

export interface AwsOptions {
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Explicit endpoints for local services; in AWS the SDK's defaults (or AWS_ENDPOINT_URL_*) apply. */
  endpoints?: { dynamodb?: string; sqs?: string };
}

/**
 * The clients a composition root creates once: the table, the notification queue and its publisher, the
 * log, and probes that say whether each answers.
 */
export function connectAws(
  settings: Pick<ServiceSettings, 'TABLE_NAME' | 'LOG_LEVEL'> & Partial<Pick<ServiceSettings, 'STAGE'>>,
  queueUrl: string,
  options: AwsOptions = {},
  log: Logger = createLogger({
    silent: settings.LOG_LEVEL === 'silent',
    stage: settings.STAGE,
    context: correlation.fields,
  }),
) {
  const aws = { region: options.region, credentials: options.credentials };
  const store: StoreContext = {
    doc: createDocumentClient({ ...aws, endpoint: options.endpoints?.dynamodb }),
    tableName: settings.TABLE_NAME,
    correlation: correlation.current,
  };
  const sqs = createQueueClient({ ...aws, endpoint: options.endpoints?.sqs });
  return {
    store,
    sqs,
    publisher: createSqsPublisher(sqs, queueUrl),
    log,
    probes: { dynamodb: () => systemRepository(store).probe(), sqs: () => probeQueue(sqs, queueUrl) },
  };
}

export type AwsConnection = ReturnType<typeof connectAws>;
