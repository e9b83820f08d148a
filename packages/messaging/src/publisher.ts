import {
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SQSClient,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';

export interface OutboundMessage {
  /** Stable id: the consumer deduplicates by it, so re-publishing is always safe. */
  id: string;
  body: unknown;
  /** The work that caused it, carried to the consumer as the `correlationId` message attribute. */
  correlationId?: string;
}

export interface MessagePublisher {
  /** Resolves with the ids that SQS accepted; never throws for a down queue (callers re-deliver later). */
  publish(messages: OutboundMessage[]): Promise<{ sent: string[]; failed: string[] }>;
}

const BATCH = 10;

export function createSqsPublisher(sqs: SQSClient, queueUrl: string): MessagePublisher {
  return {
    async publish(messages) {
      const sent: string[] = [];
      const failed: string[] = [];
      for (let i = 0; i < messages.length; i += BATCH) {
        const chunk = messages.slice(i, i + BATCH);
        try {
          const result = await sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: chunk.map((m, index) => ({
                Id: String(index),
                MessageBody: JSON.stringify(m.body),
                ...(m.correlationId && {
                  MessageAttributes: { correlationId: { DataType: 'String', StringValue: m.correlationId } },
                }),
              })),
            }),
          );
          for (const ok of result.Successful ?? []) sent.push(chunk[Number(ok.Id)]!.id);
          for (const bad of result.Failed ?? []) failed.push(chunk[Number(bad.Id)]!.id);
        } catch {
          failed.push(...chunk.map((m) => m.id));
        }
      }
      return { sent, failed };
    },
  };
}

/** Created once per process (composition root) and injected; a refused send is re-delivered by the sweeper. */
export const createQueueClient = (config: SQSClientConfig = {}) => new SQSClient({ maxAttempts: 2, ...config });

/** Resolves when the queue answers (for health checks). */
export async function probeQueue(sqs: SQSClient, queueUrl: string): Promise<void> {
  await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
}
