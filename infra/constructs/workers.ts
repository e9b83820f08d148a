import { Duration, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3';
import { ReceiptRuleSet } from 'aws-cdk-lib/aws-ses';
import { Lambda as LambdaAction, LambdaInvocationType, S3 as S3Action } from 'aws-cdk-lib/aws-ses-actions';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { budgets } from '../ops-budgets';
import type { StageConfig } from '../ops-config';
import { accessLogPrefixes } from './access-logs';
import { createNodeFunction } from './node-function';
import { accessProfiles, grantTableAccess } from './table-access';

export interface WorkersProps {
  table: ITableV2;
  notifications: IQueue;
  retentionDays: number;
  stage: StageConfig;
  /** Receives the mail bucket's S3 server access logs. */
  accessLogs: IBucket;
  /** SES recipients (addresses or domains) the inbound rule accepts; default: every verified domain. */
  inboundRecipients?: string[];
}

/** Who sends messages to customers (see Workers.sendCustomerMessages). */
export interface CustomerMessageProviders {
  channelSecrets: ISecret;
  twilioAccountSid?: string;
  /** A Twilio number (E.164) or Messaging Service SID. */
  twilioFrom?: string;
  /** A verified SES sender, e.g. "Customer Care <care@bank.example>". */
  sesFromAddress?: string;
  sesReplyTo?: string;
}

export const rawMailPrefix = 'inbound/';
export const attachmentsPrefix = 'attachments/';
/** The sweeper's schedule; its timeout must stay below it, so two sweeps never overlap. */
export const sweepPeriod = Duration.minutes(1);

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
    const { table, notifications, stage } = props;
    const { reservedConcurrency } = stage;
    const common = {
      TABLE_NAME: table.tableName,
      NOTIFICATION_QUEUE_URL: notifications.queueUrl,
      RETENTION_DAYS: String(props.retentionDays),
    };

    // Notifier: drains the notifications queue; failed records are retried individually. The event source
    // never runs more copies than the function's reserved concurrency, so Lambda does not throttle the
    // poller (a throttled receive would count toward the redrive limit and push messages to the DLQ).
    this.notifier = createNodeFunction(this, 'Notifier', {
      entry: 'functions/notifier.ts',
      description: 'Sends queued notifications',
      budget: budgets.notifier,
      stage,
      reservedConcurrency: reservedConcurrency.notifier,
      environment: { TABLE_NAME: table.tableName },
    });
    this.notifier.addEventSource(
      new SqsEventSource(notifications, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        maxConcurrency: reservedConcurrency.notifier,
      }),
    );
    grantTableAccess(this.notifier, table, accessProfiles.notifier);

    // Sweeper: runs every minute (SLA breaches, due follow-ups, re-delivery). One at a time (reserved
    // concurrency 1, timeout below the period); a sweep that cannot start within a minute is dropped, the
    // next one does its work.
    this.sweeper = createNodeFunction(this, 'Sweeper', {
      entry: 'functions/sweeper.ts',
      description: 'Periodic sweep (every minute)',
      budget: budgets.sweeper,
      stage,
      reservedConcurrency: reservedConcurrency.sweeper,
      environment: common,
    });
    this.sweeper.configureAsyncInvoke({ maxEventAge: Duration.seconds(60), retryAttempts: 0 });
    grantTableAccess(this.sweeper, table, accessProfiles.sweeper);
    notifications.grantSendMessages(this.sweeper);
    this.sweeperRule = new Rule(this, 'SweeperSchedule', {
      description: 'Runs the sweeper every minute',
      schedule: Schedule.rate(sweepPeriod),
      targets: [new LambdaFunction(this.sweeper, { retryAttempts: 0 })],
    });

    // Inbound email: SES stores the raw message under inbound/, then invokes the function asynchronously.
    this.mailBucket = new Bucket(this, 'MailBucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: accessLogPrefixes.mailBucket,
      // Customer mail: kept when the stack goes, in every stage (a non-empty bucket cannot be deleted anyway).
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'expire-raw-mail', prefix: rawMailPrefix, expiration: Duration.days(props.retentionDays) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });

    this.emailInbound = createNodeFunction(this, 'EmailInbound', {
      entry: 'functions/email-inbound.ts',
      description: 'Turns inbound email (SES -> S3) into contacts',
      memorySize: 1024,
      budget: budgets.emailInbound,
      stage,
      reservedConcurrency: reservedConcurrency.emailInbound,
      environment: {
        ...common,
        RAW_MAIL_BUCKET: this.mailBucket.bucketName,
        ATTACHMENTS_BUCKET: this.mailBucket.bucketName,
      },
    });
    // Reads raw mail under inbound/ and writes attachments under attachments/: object-level, nothing else.
    this.emailInbound.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.mailBucket.arnForObjects(`${rawMailPrefix}*`)],
      }),
    );
    this.emailInbound.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.mailBucket.arnForObjects(`${attachmentsPrefix}*`)],
      }),
    );
    Validations.of(this.emailInbound.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(this.mailBucket)}.Arn>/${rawMailPrefix}*]`,
      reason: 'Object keys under inbound/ are SES message ids, unknown in advance: the prefix is the narrowest scope.',
    });
    Validations.of(this.emailInbound.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(this.mailBucket)}.Arn>/${attachmentsPrefix}*]`,
      reason: 'Attachment keys are generated per message: the attachments/ prefix is the narrowest scope.',
    });
    grantTableAccess(this.emailInbound, table, accessProfiles.emailInbound);
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

  /**
   * The notifier's providers for messages to customers: Twilio (the auth token from the channel secrets, the
   * account and sender from context) and SES (the verified sender's domain only). Without them, those messages
   * are written to the log.
   */
  sendCustomerMessages(providers: CustomerMessageProviders): void {
    const { notifier } = this;
    if (providers.twilioAccountSid && providers.twilioFrom) {
      notifier.addEnvironment('TWILIO_ACCOUNT_SID', providers.twilioAccountSid);
      notifier.addEnvironment('TWILIO_FROM', providers.twilioFrom);
      // By ARN: the notifier reads the token when a container starts; the value is never in its configuration.
      notifier.addEnvironment('CHANNEL_SECRETS_ARN', providers.channelSecrets.secretArn);
      providers.channelSecrets.grantRead(notifier);
    }
    if (providers.sesFromAddress) {
      const domain = providers.sesFromAddress.replace(/^.*@/, '').replace(/>$/, '');
      notifier.addEnvironment('SES_FROM_ADDRESS', providers.sesFromAddress);
      if (providers.sesReplyTo) notifier.addEnvironment('SES_REPLY_TO', providers.sesReplyTo);
      notifier.addToRolePolicy(
        new PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: [Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: domain })],
        }),
      );
    }
  }

  /** The bucket's logical id, as cdk-nag names it in a finding (`<Id.Arn>`). */
  private logicalIdOf(bucket: Bucket): string {
    return Stack.of(this).getLogicalId(bucket.node.defaultChild as CfnElement);
  }
}
