import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { notifierTimeoutSeconds, queueDefinitions } from '@cc/messaging/queues';

/** The notifications queue, its dead-letter queue, and an alarm as soon as anything lands in the DLQ. */
export class Messaging extends Construct {
  readonly notifications: Queue;
  readonly notificationsDlq: Queue;
  readonly dlqAlarm: Alarm;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const { notifications, notificationsDlq } = queueDefinitions;

    // AWS's guidance for Lambda event sources: visibility timeout >= 6x the function timeout.
    if (notifications.visibilityTimeoutSeconds < 6 * notifierTimeoutSeconds) {
      throw new Error(
        `queueDefinitions.notifications.visibilityTimeoutSeconds (${notifications.visibilityTimeoutSeconds}) ` +
          `must be >= 6 x notifierTimeoutSeconds (${notifierTimeoutSeconds})`,
      );
    }

    // Physical names are left to CloudFormation (so stacks can coexist and resources can be replaced);
    // the functions get the URL through NOTIFICATION_QUEUE_URL.
    this.notificationsDlq = new Queue(this, notificationsDlq.name, {
      retentionPeriod: Duration.days(notificationsDlq.retentionDays),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });

    this.notifications = new Queue(this, notifications.name, {
      visibilityTimeout: Duration.seconds(notifications.visibilityTimeoutSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.notificationsDlq, maxReceiveCount: notifications.maxReceiveCount },
    });

    this.dlqAlarm = new Alarm(this, 'DlqNotEmpty', {
      alarmDescription: 'Notifications failed 5 times and were moved to the dead-letter queue; inspect and redrive.',
      metric: this.notificationsDlq.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
