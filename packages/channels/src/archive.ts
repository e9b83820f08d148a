import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';

/**
 * Where the analytics archive goes: S3 in AWS, a directory locally, with the same keys
 * (`<table>/<type>/dt=YYYY-MM-DD/<batch>.ndjson.gz`). Writing a key again replaces it.
 */
export interface ArchiveStore {
  put(key: string, body: Buffer): Promise<void>;
}

/** The archive under `root` on the local disk (DATA_DIR/archive for the local runtime). */
export function filesystemArchiveStore(root: string): ArchiveStore {
  const base = resolve(root);
  return {
    async put(key, body) {
      const path = resolve(base, ...key.split('/'));
      if (!path.startsWith(base + sep)) throw new Error(`archive key escapes the archive: ${key}`);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, body);
    },
  };
}
