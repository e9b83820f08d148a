import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { withDeadline } from '@cc/store';
import { notificationDeliverer, type NotifierDeps } from './notifier';

/**
 * The SQS Lambda handler: reports failed records individually (ReportBatchItemFailures). A batch runs within
 * `deadlineMs`; what it could not finish by then is reported failed and comes back.
 */
export function notifierHandler(deps: NotifierDeps, deadlineMs: number) {
  const deliver = notificationDeliverer(deps);
  return middy<SQSEvent, SQSBatchResponse>().handler(async (event) => {
    const records = event.Records.map((r) => ({
      messageId: r.messageId,
      body: r.body,
      correlationId: r.messageAttributes?.correlationId?.stringValue,
    }));
    const { failed } = await withDeadline(deadlineMs, () => deliver(records));
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  });
}
