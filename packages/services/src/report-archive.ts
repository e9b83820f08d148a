import { gzipSync } from 'node:zlib';
import type { ArchiveStore } from '@cc/channels';
import { archivedTypes, archiveObjectKey, isReportItem, type ChangeRecord } from '@cc/store';

export const archiveTypeOf = (record: ChangeRecord): string | undefined => {
  if (isReportItem(record.keys.pk)) return undefined;
  const entity = (record.newImage ?? record.oldImage)?.entity;
  return typeof entity === 'string' ? archivedTypes[entity] : undefined;
};

/** One line of the archive: the change and both images, as the stream told it. */
const lineOf = (record: ChangeRecord) =>
  JSON.stringify({
    eventId: record.eventId,
    eventName: record.eventName,
    sequenceNumber: record.sequenceNumber,
    changedAt: record.changedAt,
    removedByTtl: record.removedByTtl,
    entity: (record.newImage ?? record.oldImage)?.entity,
    pk: record.keys.pk,
    sk: record.keys.sk,
    newImage: record.newImage ?? null,
    oldImage: record.oldImage ?? null,
  });

/**
 * Writes the archived records of a batch as gzip NDJSON, one object per type and day of change (UTC):
 * `<table>/<type>/dt=YYYY-MM-DD/<first sequence number>-<last>.ndjson.gz`. The same batch delivered again writes
 * the same keys; a batch split on retry may repeat lines in another object, so readers deduplicate by eventId.
 */
export async function archiveRecords(
  archive: ArchiveStore,
  tableName: string,
  records: readonly ChangeRecord[],
): Promise<number> {
  const groups = new Map<string, ChangeRecord[]>();
  for (const record of records) {
    const type = archiveTypeOf(record);
    if (!type) continue;
    const key = `${type}\n${record.changedAt.slice(0, 10)}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  await Promise.all(
    [...groups].map(([key, group]) => {
      const [type, day] = key.split('\n') as [string, string];
      const batch = `${group[0]!.sequenceNumber}-${group.at(-1)!.sequenceNumber}`;
      return archive.put(archiveObjectKey(tableName, type, day, batch), gzipSync(group.map(lineOf).join('\n') + '\n'));
    }),
  );
  return [...groups.values()].reduce((n, g) => n + g.length, 0);
}
