import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ArchiveStore } from './archive';

/** The archive in an S3 bucket (encrypted at rest by the bucket's default and by the request). */
export function s3ArchiveStore(s3: S3Client, bucket: string): ArchiveStore {
  return {
    async put(key, body) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'application/x-ndjson',
          ContentEncoding: 'gzip',
          ServerSideEncryption: 'AES256',
        }),
      );
    },
  };
}
