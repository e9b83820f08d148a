import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { queueDefinitions } from '@cc/messaging/queues';
import type { StageConfig } from '../ops-config';

export interface MessagingProps {
  /** The consumer's Lambda timeout, seconds: the visibility timeout must be at least 6 times it. */
  consumerTimeoutSeconds: number;
  stage: StageConfig;
}

/** The notifications queue, its dead-letter queue, and an alarm when messages land in the DLQ. */
export class Messaging extends Construct {
  readonly notifications: Queue;
  readonly notificationsDlq: Queue;
  readonly dlqAlarm: Alarm;

  constructor(scope: Construct, id: string, props: MessagingProps) {
    super(scope, id);
    const { notifications, notificationsDlq } = queueDefinitions;

    // AWS's guidance for Lambda event sources: visibility timeout >= 6x the function timeout.
    if (notifications.visibilityTimeoutSeconds < 6 * props.consumerTimeoutSeconds) {
      throw new Error(
        `queueDefinitions.notifications.visibilityTimeoutSeconds (${notifications.visibilityTimeoutSeconds}) ` +
          `must be >= 6 x the notifier's timeout (${props.consumerTimeoutSeconds} s)`,
      );
    }

    // Physical names are left to CloudFormation (so stacks can coexist and resources can be replaced);
    // the functions get the URL through NOTIFICATION_QUEUE_URL.
    this.notificationsDlq = new Queue(this, notificationsDlq.name, {
      retentionPeriod: Duration.days(notificationsDlq.retentionDays),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.notificationsDlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This is the dead-letter queue of the notifications queue; its messages are redriven by hand.',
    });

    this.notifications = new Queue(this, notifications.name, {
      visibilityTimeout: Duration.seconds(notifications.visibilityTimeoutSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.notificationsDlq, maxReceiveCount: notifications.maxReceiveCount },
    });

    this.dlqAlarm = new Alarm(this, 'DlqNotEmpty', {
      alarmDescription:
        `Notifications failed ${notifications.maxReceiveCount} times and were moved to the dead-letter queue; ` +
        'inspect and redrive (docs/operations.md).',
      metric: this.notificationsDlq.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: props.stage.alarms.dlqDepth,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
