import { Duration, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { budgets } from '../ops-budgets';
import type { StageConfig } from '../ops-config';
import { createNodeFunction } from './node-function';
import { accessProfiles, grantTableAccess } from './table-access';

export interface ReporterProps {
  table: ITableV2;
  archive: Bucket;
  retentionDays: number;
  stage: StageConfig;
}

/** How the stream feeds the reporter: Lambda's own retry machinery, named here once (docs/reports.md). */
export const reporterStream = {
  batchSize: 100,
  maxBatchingWindowSeconds: 1,
  /** Retries of a failing batch (each split in two on error) before its records go to the DLQ. */
  retryAttempts: 5,
  /** Records older than this go to the DLQ rather than be retried further (the stream keeps them 24 h). */
  maxRecordAgeHours: 12,
  dlqRetentionDays: 14,
} as const;

/**
 * The reporter: a Lambda on the table's stream (NEW_AND_OLD_IMAGES) that keeps the report aggregates and writes the
 * analytics archive. Partial batch responses name the first failed record; a failing batch is bisected and retried
 * a bounded number of times; what still fails is described in the on-failure destination (an SQS DLQ, with an alarm)
 * for an operator to replay or rebuild from (docs/operations.md).
 */
export class Reporter extends Construct {
  readonly function: NodejsFunction;
  readonly dlq: Queue;
  readonly dlqAlarm: Alarm;

  constructor(scope: Construct, id: string, props: ReporterProps) {
    super(scope, id);
    const { table, archive, stage } = props;

    this.dlq = new Queue(this, 'Dlq', {
      retentionPeriod: Duration.days(reporterStream.dlqRetentionDays),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.dlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is the reporter's on-failure destination: it holds descriptions of stream batches that failed " +
        'after their retries; nothing consumes it automatically, so it has no dead-letter queue of its own.',
    });

    this.function = createNodeFunction(this, 'Function', {
      entry: 'functions/reporter.ts',
      description: 'Stream consumer: report aggregates and the analytics archive',
      budget: budgets.reporter,
      stage,
      reservedConcurrency: stage.reservedConcurrency.reporter,
      environment: {
        TABLE_NAME: table.tableName,
        ARCHIVE_BUCKET: archive.bucketName,
        RETENTION_DAYS: String(props.retentionDays),
      },
    });
    this.function.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: reporterStream.batchSize,
        maxBatchingWindow: Duration.seconds(reporterStream.maxBatchingWindowSeconds),
        bisectBatchOnError: true,
        retryAttempts: reporterStream.retryAttempts,
        maxRecordAge: Duration.hours(reporterStream.maxRecordAgeHours),
        reportBatchItemFailures: true,
        parallelizationFactor: stage.reporterParallelization,
        onFailure: new SqsDlq(this.dlq),
      }),
    );
    grantTableAccess(this.function, table, accessProfiles.reporter);

    // Writes the archive under the table's own folder, and nothing else in the bucket.
    const archiveObjects = archive.arnForObjects(`${table.tableName}/*`);
    this.function.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [archiveObjects] }));
    const logicalId = (c: Construct) => Stack.of(this).getLogicalId(c.node.defaultChild as CfnElement);
    Validations.of(this.function.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId(archive)}.Arn>/<${logicalId(table)}>/*]`,
      reason:
        'Archive keys are <table>/<type>/dt=<day>/<batch>.ndjson.gz, made per batch: the table’s folder is the ' +
        'narrowest scope.',
    });

    this.dlqAlarm = new Alarm(this, 'DlqNotEmpty', {
      alarmDescription:
        'Stream records failed in the reporter after their retries; their changes are missing from the report ' +
        'aggregates. Fix the cause, then run reports:rebuild (docs/operations.md).',
      metric: this.dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: stage.alarms.dlqDepth,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
