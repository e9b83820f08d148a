import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';

/** Where inbound attachments go: a directory locally, S3 in AWS. Keys are relative, '/'-separated. */
export interface AttachmentStore {
  /**
   * Stores the bytes under `key` (overwriting: keys are derived from the message, so a redelivery writes the same).
   * Returns where.
   */
  put(key: string, content: Buffer, contentType: string): Promise<string>;
}

/** A file name safe to use as one path segment. */
export const safeFileName = (name: string) =>
  name
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^\.+/, '_')
    .slice(0, 120) || 'attachment';

/** Stores attachments under `root` on the local disk (DATA_DIR/attachments for the local runtime). */
export function filesystemAttachmentStore(root: string): AttachmentStore {
  const base = resolve(root);
  return {
    async put(key, content) {
      const path = resolve(base, ...key.split('/'));
      if (!path.startsWith(base + sep)) throw new Error(`attachment key escapes the store: ${key}`);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
      return join(base, ...key.split('/'));
    },
  };
}
