import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AttachmentStore } from './attachments';

/** Stores attachments in S3 under `prefix` (the email function may only write under attachments/). */
export function s3AttachmentStore(s3: S3Client, bucket: string, prefix = 'attachments/'): AttachmentStore {
  return {
    async put(key, content, contentType) {
      const objectKey = `${prefix}${key}`;
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: objectKey,
          Body: content,
          ContentType: contentType,
          ServerSideEncryption: 'AES256',
        }),
      );
      return `s3://${bucket}/${objectKey}`;
    },
  };
}

/** Reads the raw message an SES receipt rule stored under `<prefix><SES message id>`. */
export function s3RawMailReader(s3: S3Client, bucket: string, prefix = 'inbound/') {
  return async (sesMessageId: string): Promise<Buffer> => {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}${sesMessageId}` }));
    return Buffer.from(await object.Body!.transformToByteArray());
  };
}
