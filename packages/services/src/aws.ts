import { createLogger, type Logger } from '@cc/core';
import { budgets, type FunctionBudget } from '@cc/core/budgets';
import { createQueueClient, createSqsPublisher, probeQueue, queueLocator } from '@cc/messaging';
import { createDocumentClient, systemRepository, withDeadline, type StoreContext } from '@cc/store';
import { correlation } from './correlation';
import type { ServiceSettings } from './settings';

export interface AwsOptions {
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Explicit endpoints for local services; in AWS the SDK's defaults (or AWS_ENDPOINT_URL_*) apply. */
  endpoints?: { dynamodb?: string; sqs?: string };
  /**
   * The calling function's budget (@cc/core/budgets): its DynamoDB and SQS clients keep to these timeouts and
   * retries. The API's when not given.
   */
  budget?: FunctionBudget;
  /** Background work slows down after throttling (the SDK's adaptive retry) instead of failing fast. */
  adaptiveRetry?: boolean;
  /** Finds or recreates the notification queue when it disappears (the local runtime's ensureQueues). */
  resolveQueue?: () => Promise<string>;
}

/** A health probe answers within this, stalled socket or not. */
export const PROBE_TIMEOUT_MS = 2000;

/**
 * The clients a composition root creates once: the table, the notification queue and its publisher, the
 * log, and probes that say whether each answers.
 */
export function connectAws(
  settings: Pick<ServiceSettings, 'TABLE_NAME' | 'LOG_LEVEL'> &
    Partial<Pick<ServiceSettings, 'STAGE' | 'HOT_KEY_SHARDS'>>,
  queueUrl: string,
  options: AwsOptions = {},
  log: Logger = createLogger({
    silent: settings.LOG_LEVEL === 'silent',
    stage: settings.STAGE,
    context: correlation.fields,
  }),
) {
  const aws = { region: options.region, credentials: options.credentials };
  const { clients } = options.budget ?? budgets.api;
  const adaptive = options.adaptiveRetry;
  const store: StoreContext = {
    doc: createDocumentClient(
      { ...aws, endpoint: options.endpoints?.dynamodb },
      { budget: clients.dynamodb ?? budgets.api.clients.dynamodb, adaptive },
    ),
    tableName: settings.TABLE_NAME,
    correlation: correlation.current,
    hotKeyShards: settings.HOT_KEY_SHARDS,
  };
  const sqs = createQueueClient(
    { ...aws, endpoint: options.endpoints?.sqs },
    { budget: clients.sqs ?? budgets.api.clients.sqs, adaptive },
  );
  const queue = queueLocator(queueUrl, options.resolveQueue, log);
  const probe = (check: () => Promise<void>) => () => withDeadline(PROBE_TIMEOUT_MS, check);
  return {
    store,
    sqs,
    queue,
    publisher: createSqsPublisher(sqs, queue),
    log,
    probes: {
      dynamodb: probe(() => systemRepository(store).probe()),
      sqs: probe(() => probeQueue(sqs, queue)),
    },
  };
}

export type AwsConnection = ReturnType<typeof connectAws>;
