import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { CfnNamedQuery, CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectOwnership,
  StorageClass,
  type IBucket,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { archiveColumns, archiveTypeNames, archiveTypePrefix } from '@cc/store/archive';
import { accessLogPrefixes } from './access-logs';

export interface ArchiveProps {
  /** The DynamoDB table's name: the archive's first path segment. */
  tableName: string;
  /** Receives the archive bucket's S3 server access logs (who read the history). */
  accessLogs: IBucket;
  /** Days before archived objects move to infrequent access, then to Glacier. */
  infrequentAccessAfterDays?: number;
  glacierAfterDays?: number;
}

export const athenaResultsPrefix = 'athena-results/';
/** Glue table names are the archive types with underscores (contact-history → contact_history). */
export const glueTableName = (type: string) => type.replace(/-/g, '_');

/**
 * The analytics archive: every stream record of contact history, cases, case history, opportunities and audit,
 * kept beyond the table's 13-month retention (functions/reporter.ts writes it). An encrypted, versioned bucket whose
 * objects move to infrequent access and then Glacier; a Glue database with one table per type over the
 * `<table>/<type>/dt=YYYY-MM-DD/` gzip NDJSON layout (partition projection: no crawler, no partition upkeep); an
 * Athena workgroup with its results encrypted in the same bucket, and saved queries for two of the seeds' reports.
 */
export class Archive extends Construct {
  readonly bucket: Bucket;
  readonly database: CfnDatabase;
  readonly tables: Record<string, CfnTable> = {};
  readonly workGroup: CfnWorkGroup;
  readonly namedQueries: CfnNamedQuery[];

  constructor(scope: Construct, id: string, props: ArchiveProps) {
    super(scope, id);
    const ia = props.infrequentAccessAfterDays ?? 30;
    const glacier = props.glacierAfterDays ?? 180;

    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: accessLogPrefixes.archiveBucket,
      // History is the point of this bucket: it stays when the stack goes, in every stage.
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'history-to-cold-storage',
          transitions: [
            { storageClass: StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(ia) },
            { storageClass: StorageClass.GLACIER, transitionAfter: Duration.days(glacier) },
          ],
          // A batch written again replaces its object; the replaced version is of no use after a month.
          noncurrentVersionExpiration: Duration.days(30),
        },
        { id: 'expire-athena-results', prefix: athenaResultsPrefix, expiration: Duration.days(30) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });

    this.database = new CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: {
        name: 'contact_center_archive',
        description: 'Stream records of the contact-center table, kept beyond its retention (docs/reports.md)',
      },
    });
    for (const type of archiveTypeNames) this.tables[type] = this.table(type, props.tableName);

    this.workGroup = new CfnWorkGroup(this, 'WorkGroup', {
      name: 'contact-center-archive',
      description: 'Queries over the contact-center archive',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        resultConfiguration: {
          outputLocation: this.bucket.s3UrlForObject(athenaResultsPrefix),
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });

    this.namedQueries = savedQueries.map(
      (q, i) =>
        new CfnNamedQuery(this, `Query${i + 1}`, {
          name: q.name,
          description: q.description,
          database: this.database.ref,
          workGroup: this.workGroup.ref,
          queryString: q.sql,
        }),
    );
    for (const query of this.namedQueries) query.node.addDependency(this.workGroup);
  }

  private table(type: string, tableName: string): CfnTable {
    const location = this.bucket.s3UrlForObject(archiveTypePrefix(tableName, type));
    const table = new CfnTable(this, `Table-${type}`, {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.database.ref,
      tableInput: {
        name: glueTableName(type),
        description: `Stream records of ${type} items, one JSON line per change (images as JSON text)`,
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          classification: 'json',
          compressionType: 'gzip',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': '2024-01-01,NOW',
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'storage.location.template': `${location}dt=\${dt}/`,
        },
        partitionKeys: [{ name: 'dt', type: 'string' }],
        storageDescriptor: {
          location,
          columns: archiveColumns.map((c) => ({ name: c.name, type: c.type })),
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            parameters: {
              'ignore.malformed.json': 'true',
              ...Object.fromEntries(archiveColumns.map((c) => [`mapping.${c.name}`, c.field])),
            },
          },
        },
      },
    });
    table.node.addDependency(this.database);
    return table;
  }
}

/**
 * Two of the seeds' reports over the whole history (003 "报表统计分析", 004 "CDI"). Each item is counted once however
 * often a batch was archived or the item moved (a contact attached or merged to another customer is written again
 * under it): ROW_NUMBER over the item's id keeps its latest insert.
 */
export const savedQueries = [
  {
    name: 'complaints-and-inquiries-per-month',
    description:
      'Seed 003, daily management statistics over the whole history: cases registered per month, type, ' +
      'category and branch, from the archived case records (beyond the 13-month retention).',
    sql: `WITH changes AS (
  SELECT *, ROW_NUMBER() OVER (
    PARTITION BY json_extract_scalar(new_image, '$.id') ORDER BY changed_at DESC, sequence_number DESC) AS copy
  FROM ${glueTableName('cases')} WHERE event_name = 'INSERT'
)
SELECT substr(json_extract_scalar(new_image, '$.createdAt'), 1, 7) AS month,
       json_extract_scalar(new_image, '$.branchId') AS branch,
       json_extract_scalar(new_image, '$.type') AS type,
       json_extract_scalar(new_image, '$.category') AS category,
       count(*) AS cases
FROM changes WHERE copy = 1
GROUP BY 1, 2, 3, 4
ORDER BY 1 DESC, 2, 3, 4;`,
  },
  {
    name: 'contacts-per-customer-and-channel-per-month',
    description:
      'Seed 004, one view of the customer: contacts per customer, channel and month across all channels, ' +
      'including the contacts the table has already expired (TTL removals are archived too).',
    sql: `WITH changes AS (
  SELECT *, ROW_NUMBER() OVER (
    PARTITION BY json_extract_scalar(new_image, '$.id') ORDER BY changed_at DESC, sequence_number DESC) AS copy
  FROM ${glueTableName('contact-history')} WHERE event_name = 'INSERT'
)
SELECT json_extract_scalar(new_image, '$.customerId') AS customer,
       json_extract_scalar(new_image, '$.channel') AS channel,
       substr(json_extract_scalar(new_image, '$.occurredAt'), 1, 7) AS month,
       count(*) AS contacts
FROM changes
WHERE copy = 1 AND json_extract_scalar(new_image, '$.type') = 'contact'
  AND json_extract_scalar(new_image, '$.customerId') IS NOT NULL
GROUP BY 1, 2, 3
ORDER BY contacts DESC
LIMIT 1000;`,
  },
];
