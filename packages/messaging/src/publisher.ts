import {
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SQSClient,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';
import { budgets } from '@cc/core/budgets';
import { budgetedClientConfig, type ClientBudget } from '@cc/store';
import { isQueueMissing, queueLocator, type QueueLocator } from './queue-locator';

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

const asLocator = (queue: string | QueueLocator) => (typeof queue === 'string' ? queueLocator(queue) : queue);

/**
 * Publishes in batches of ten. A queue that disappeared is recovered through the locator and the batch sent
 * once more; anything still refused is reported as failed and stays pending for the sweeper.
 */
export function createSqsPublisher(sqs: SQSClient, queue: string | QueueLocator): MessagePublisher {
  const locator = asLocator(queue);
  const send = (chunk: OutboundMessage[]) =>
    sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: locator.url(),
        Entries: chunk.map((m, index) => ({
          Id: String(index),
          MessageBody: JSON.stringify(m.body),
          ...(m.correlationId && {
            MessageAttributes: { correlationId: { DataType: 'String', StringValue: m.correlationId } },
          }),
        })),
      }),
    );
  return {
    async publish(messages) {
      const sent: string[] = [];
      const failed: string[] = [];
      for (let i = 0; i < messages.length; i += BATCH) {
        const chunk = messages.slice(i, i + BATCH);
        try {
          const result = await send(chunk).catch(async (error: unknown) => {
            if (!isQueueMissing(error)) throw error;
            await locator.recover();
            return send(chunk);
          });
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

/**
 * Created once per process (composition root) and injected; calls keep to the SQS budget of the calling function
 * (@cc/core/budgets) and the current deadline. A refused send is re-delivered by the sweeper.
 */
export const createQueueClient = (
  config: SQSClientConfig = {},
  { budget = budgets.api.clients.sqs, adaptive }: ClientBudget = {},
) => new SQSClient({ ...budgetedClientConfig(budget, { adaptive }), ...config });

/** Resolves when the queue answers (for health checks). */
export async function probeQueue(sqs: SQSClient, queue: string | QueueLocator): Promise<void> {
  await sqs.send(new GetQueueAttributesCommand({ QueueUrl: asLocator(queue).url(), AttributeNames: ['QueueArn'] }));
}
