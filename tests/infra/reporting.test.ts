import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactCenterStack } from '../../infra/contact-center-stack';
import { athenaResultsPrefix, glueTableName, savedQueries } from '../../infra/constructs/archive';
import { reporterStream } from '../../infra/constructs/reporter';
import { timeouts } from '../../infra/ops-config';
import { archiveColumns, archiveTypeNames } from '@cc/store/archive';
import { asArray, synthesise, type Json, type Synthesised } from './synth';

/** The stream consumer with its on-failure destination, and the archive with its Glue tables and Athena queries. */
let s: Synthesised;
let stack: ContactCenterStack;
let template: Template;
let id: Synthesised['logicalId'];

beforeAll(() => {
  s = synthesise('prod', { bundle: false });
  ({ main: stack, template, logicalId: id } = s);
}, 120_000);
afterAll(() => s?.cleanup());

describe('the reporter (stream consumer)', () => {
  it("reads the table's stream: partial batch answers, bisect on error, bounded retries, an SQS DLQ on failure", () => {
    const [, table] = s.ofType('AWS::DynamoDB::GlobalTable')[0]!;
    expect(table.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: id(stack.reporter.function) },
      EventSourceArn: { 'Fn::GetAtt': [id(stack.data.table), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: reporterStream.batchSize,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: reporterStream.retryAttempts,
      MaximumRecordAgeInSeconds: reporterStream.maxRecordAgeHours * 3600,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ParallelizationFactor: stack.stage.reporterParallelization,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [id(stack.reporter.dlq), 'Arn'] } } },
    });
    expect(reporterStream.retryAttempts).toBeGreaterThan(0);
  });

  it('has its budget-derived timeout, reserved concurrency, the archive bucket and an alarm on its DLQ', () => {
    const fn = s.resources[id(stack.reporter.function)]!;
    expect(fn.Properties.Timeout).toBe(timeouts.reporter);
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(stack.stage.reservedConcurrency.reporter);
    expect(fn.Properties.Environment.Variables).toMatchObject({
      TABLE_NAME: { Ref: id(stack.data.table) },
      ARCHIVE_BUCKET: { Ref: id(stack.archive.bucket) },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(stack.reporter.dlq), 'QueueName'] } }],
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(stack.reporter.function) } }],
      Threshold: stack.stage.alarms.streamIteratorAgeMs,
    });
  });

  it("may read the stream, send failures to its DLQ, and write only under the table's folder of the archive", () => {
    const statements = s.statementsOf(stack.reporter.function);
    const actions = statements.flatMap((st) => asArray(st.Action as string | string[]));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetRecords', 'dynamodb:GetShardIterator']));
    expect(actions).toContain('sqs:SendMessage');
    expect(actions).not.toContain('dynamodb:Scan');
    const s3 = statements.filter((st) => asArray(st.Action as string | string[]).some((a) => a.startsWith('s3:')));
    expect(s3.flatMap((st) => asArray(st.Action as string | string[]))).toEqual(['s3:PutObject']);
    expect(s3[0]!.Resource).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [id(stack.archive.bucket), 'Arn'] }, '/', { Ref: id(stack.data.table) }, '/*']],
    });
  });
});

describe('the archive', () => {
  it('is a private, encrypted, versioned, TLS-only bucket moving to infrequent access, then Glacier; kept', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({
              Id: 'history-to-cold-storage',
              Status: 'Enabled',
              Transitions: [
                { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
                { StorageClass: 'GLACIER', TransitionInDays: 180 },
              ],
            }),
          ]),
        },
      }),
    });
    const bucket = s.resources[id(stack.archive.bucket)]!;
    expect(bucket.Properties.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: id(stack.accessLogs.bucket) });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id(stack.archive.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('has a Glue table per archived type over <table>/<type>/dt=YYYY-MM-DD/, gzip JSON, partitions projected', () => {
    template.resourceCountIs('AWS::Glue::Database', 1);
    const tables = s.ofType('AWS::Glue::Table');
    expect(tables.map(([, t]) => t.Properties.TableInput.Name).sort()).toEqual(
      archiveTypeNames.map(glueTableName).sort(),
    );
    for (const type of ['contact-history', 'cases', 'case-history', 'opportunities', 'audit']) {
      const [, table] = tables.find(([, t]) => t.Properties.TableInput.Name === glueTableName(type))!;
      const input = table.Properties.TableInput as Json;
      expect(table.Properties.DatabaseName).toEqual({ Ref: id(stack.archive.database) });
      expect(input.PartitionKeys).toEqual([{ Name: 'dt', Type: 'string' }]);
      expect(input.Parameters).toMatchObject({
        compressionType: 'gzip',
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
      });
      const template = JSON.stringify(input.Parameters['storage.location.template']);
      expect(template).toContain(`/${type}/dt=\${dt}/`);
      expect(template).toContain(id(stack.data.table));
      expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
      expect(input.StorageDescriptor.Columns.map((c: Json) => c.Name)).toEqual(archiveColumns.map((c) => c.name));
    }
  });

  it('has an Athena workgroup with encrypted results and saved queries for two seed reports', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        ResultConfiguration: {
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
          OutputLocation: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
        },
      }),
    });
    const [, workGroup] = s.ofType('AWS::Athena::WorkGroup')[0]!;
    expect(JSON.stringify(workGroup.Properties.WorkGroupConfiguration.ResultConfiguration.OutputLocation)).toContain(
      athenaResultsPrefix,
    );
    const queries = s.ofType('AWS::Athena::NamedQuery');
    expect(queries).toHaveLength(2);
    expect(queries.map(([, q]) => q.Properties.Name).sort()).toEqual(savedQueries.map((q) => q.name).sort());
    for (const [, q] of queries) {
      expect(q.Properties.WorkGroup).toEqual({ Ref: id(stack.archive.workGroup) });
      expect(q.Properties.QueryString).toMatch(/FROM (cases|contact_history)/);
    }
  });
});
