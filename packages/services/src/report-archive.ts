import { gzipSync } from 'node:zlib';
import type { ArchiveStore } from '@cc/channels';
import { isReportItem, type ChangeRecord } from '@cc/store';

/**
 * Which items the analytics archive keeps, by their `entity`, and the type (folder) they go under: the flow
 * records that expire after the retention period and the histories worth analysing for years. A new kind is a line.
 */
export const archivedTypes: Readonly<Record<string, string>> = {
  timeline: 'contact-history',
  case: 'cases',
  'case-history': 'case-history',
  'case-message': 'case-history',
  opportunity: 'opportunities',
  'opportunity-stage': 'opportunity-history',
  'opportunity-activity': 'opportunity-history',
  'customer-history': 'audit',
  audit: 'audit',
};

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
    const key = `${tableName}/${type}/dt=${record.changedAt.slice(0, 10)}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  await Promise.all(
    [...groups].map(([prefix, group]) =>
      archive.put(
        `${prefix}/${group[0]!.sequenceNumber}-${group.at(-1)!.sequenceNumber}.ndjson.gz`,
        gzipSync(group.map(lineOf).join('\n') + '\n'),
      ),
    ),
  );
  return [...groups.values()].reduce((n, g) => n + g.length, 0);
}
