import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { ReceiptRuleSet } from 'aws-cdk-lib/aws-ses';
import { Lambda as LambdaAction, LambdaInvocationType, S3 as S3Action } from 'aws-cdk-lib/aws-ses-actions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { notifierTimeoutSeconds } from '@cc/messaging/queues';
import { createNodeFunction } from './node-function';

export interface WorkersProps {
  table: ITableV2;
  notifications: IQueue;
  retentionDays: number;
  /** SES recipients (addresses or domains) the inbound rule accepts; default: every verified domain. */
  inboundRecipients?: string[];
}

export const rawMailPrefix = 'inbound/';
export const attachmentsPrefix = 'attachments/';

/** Background functions: the notification sender, the per-minute sweeper and the inbound email handler. */
export class Workers extends Construct {
  readonly notifier: NodejsFunction;
  readonly sweeper: NodejsFunction;
  readonly emailInbound: NodejsFunction;
  readonly mailBucket: Bucket;
  readonly sweeperRule: Rule;
  readonly receiptRuleSet: ReceiptRuleSet;

  constructor(scope: Construct, id: string, props: WorkersProps) {
    super(scope, id);
    const { table, notifications } = props;
    const common = {
      TABLE_NAME: table.tableName,
      NOTIFICATION_QUEUE_URL: notifications.queueUrl,
      RETENTION_DAYS: String(props.retentionDays),
    };

    // Notifier: drains the notifications queue; failed records are retried individually.
    this.notifier = createNodeFunction(this, 'Notifier', {
      entry: 'functions/notifier.ts',
      description: 'Sends queued notifications',
      timeout: Duration.seconds(notifierTimeoutSeconds),
      environment: common,
    });
    this.notifier.addEventSource(
      new SqsEventSource(notifications, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
      }),
    );
    table.grantReadWriteData(this.notifier);

    // Sweeper: runs every minute (SLA breaches, expiring holds); shorter timeout than its period.
    this.sweeper = createNodeFunction(this, 'Sweeper', {
      entry: 'functions/sweeper.ts',
      description: 'Periodic sweep (every minute)',
      timeout: Duration.seconds(50),
      environment: common,
    });
    table.grantReadWriteData(this.sweeper);
    notifications.grantSendMessages(this.sweeper);
    this.sweeperRule = new Rule(this, 'SweeperSchedule', {
      description: 'Runs the sweeper every minute',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.sweeper, { retryAttempts: 0 })],
    });

    // Inbound email: SES stores the raw message under inbound/, then invokes the function asynchronously.
    this.mailBucket = new Bucket(this, 'MailBucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      lifecycleRules: [
        { id: 'expire-raw-mail', prefix: rawMailPrefix, expiration: Duration.days(props.retentionDays) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });

    this.emailInbound = createNodeFunction(this, 'EmailInbound', {
      entry: 'functions/email-inbound.ts',
      description: 'Turns inbound email (SES -> S3) into contacts',
      memorySize: 1024,
      timeout: Duration.seconds(60),
      environment: {
        ...common,
        RAW_MAIL_BUCKET: this.mailBucket.bucketName,
        ATTACHMENTS_BUCKET: this.mailBucket.bucketName,
      },
    });
    this.mailBucket.grantRead(this.emailInbound);
    this.mailBucket.grantPut(this.emailInbound, `${attachmentsPrefix}*`);
    table.grantReadWriteData(this.emailInbound);
    notifications.grantSendMessages(this.emailInbound);

    // A new rule set is inactive: activate it once per account/region
    // (aws ses set-active-receipt-rule-set --rule-set-name <name>), after verifying the receiving domain.
    this.receiptRuleSet = new ReceiptRuleSet(this, 'InboundRuleSet');
    this.receiptRuleSet.addRule('StoreThenProcess', {
      recipients: props.inboundRecipients,
      scanEnabled: true,
      enabled: true,
      actions: [
        new S3Action({ bucket: this.mailBucket, objectKeyPrefix: rawMailPrefix }),
        new LambdaAction({ function: this.emailInbound, invocationType: LambdaInvocationType.EVENT }),
      ],
    });
  }
}
