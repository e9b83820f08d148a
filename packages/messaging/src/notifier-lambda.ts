import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { notificationDeliverer, type NotifierDeps } from './notifier';

/** The SQS Lambda handler: reports failed records individually (ReportBatchItemFailures). */
export function notifierHandler(deps: NotifierDeps) {
  const deliver = notificationDeliverer(deps);
  return middy<SQSEvent, SQSBatchResponse>().handler(async (event) => {
    const records = event.Records.map((r) => ({
      messageId: r.messageId,
      body: r.body,
      correlationId: r.messageAttributes?.correlationId?.stringValue,
    }));
    const { failed } = await deliver(records);
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  });
}
