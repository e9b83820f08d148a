/**
 * The analytics archive's layout (docs/reports.md), shared by the stream consumer that writes it and the stack's
 * Glue tables that read it: `<table>/<type>/dt=YYYY-MM-DD/<batch>.ndjson.gz`, gzip NDJSON, one line per change.
 */

/** Which items are archived, by `entity`, and the type (folder, Glue table) they go under. A new kind is a line. */
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

/** Every type folder, once. */
export const archiveTypeNames = [...new Set(Object.values(archivedTypes))];

/** The folder of one type: `<table>/<type>/`; partitions `dt=YYYY-MM-DD/` (UTC day of the change) below it. */
export const archiveTypePrefix = (tableName: string, type: string) => `${tableName}/${type}/`;

export const archiveObjectKey = (tableName: string, type: string, day: string, batch: string) =>
  `${archiveTypePrefix(tableName, type)}dt=${day}/${batch}.ndjson.gz`;

/** One line's fields, in the order written; the Glue tables declare the same columns. */
export const archiveColumns = [
  { name: 'event_id', field: 'eventId', type: 'string' },
  { name: 'event_name', field: 'eventName', type: 'string' },
  { name: 'sequence_number', field: 'sequenceNumber', type: 'string' },
  { name: 'changed_at', field: 'changedAt', type: 'string' },
  { name: 'removed_by_ttl', field: 'removedByTtl', type: 'boolean' },
  { name: 'entity', field: 'entity', type: 'string' },
  { name: 'pk', field: 'pk', type: 'string' },
  { name: 'sk', field: 'sk', type: 'string' },
  { name: 'new_image', field: 'newImage', type: 'string' },
  { name: 'old_image', field: 'oldImage', type: 'string' },
] as const;
