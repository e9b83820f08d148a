import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { decodeStreamRecord, type RawStreamRecord } from '@cc/store';
import type { ReporterService } from './reporter';

/**
 * The DynamoDB stream Lambda handler (functions/reporter.ts). With ReportBatchItemFailures, the answer names the
 * first record that failed: Lambda retries the batch from it (bisecting on error, up to the retry limit), then sends
 * what still fails to the on-failure destination (the reporter's DLQ).
 */
export function reporterHandler(reporter: ReporterService) {
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>().handler(async (event) => {
    const records = event.Records.map((r) => decodeStreamRecord(r as RawStreamRecord));
    const { failedSequenceNumber } = await reporter.handleBatch(records);
    return { batchItemFailures: failedSequenceNumber ? [{ itemIdentifier: failedSequenceNumber }] : [] };
  });
}
