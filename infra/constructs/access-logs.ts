import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { StageConfig } from '../ops-config';

export const accessLogPrefixes = {
  cloudFront: 'cloudfront/',
  mailBucket: 's3/mail/',
  archiveBucket: 's3/archive/',
} as const;

/**
 * The bucket that receives CloudFront standard logs and the mail bucket's S3 server access logs (who read
 * which raw email). Private, TLS-only, SSE-S3 (the only encryption both log deliveries support), expired
 * per stage, and retained when the stack goes: logs outlive what they describe.
 */
export class AccessLogs extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: { stage: StageConfig }) {
    super(scope, id);
    const { logRetentionDays } = props.stage;
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logging writes with an ACL grant to its log-delivery account.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-cloudfront-logs',
          prefix: accessLogPrefixes.cloudFront,
          expiration: Duration.days(logRetentionDays.edge),
        },
        {
          id: 'expire-mail-access-logs',
          prefix: accessLogPrefixes.mailBucket,
          expiration: Duration.days(logRetentionDays.apiAccess),
        },
        {
          id: 'expire-archive-access-logs',
          prefix: accessLogPrefixes.archiveBucket,
          expiration: Duration.days(logRetentionDays.apiAccess),
        },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging its own access into itself would loop.',
    });
  }
}
