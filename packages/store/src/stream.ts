import { unmarshall } from '@aws-sdk/util-dynamodb';

/** One change to one item, as the table's stream (NEW_AND_OLD_IMAGES) tells it, decoded. */
export interface ChangeRecord {
  eventId: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  sequenceNumber: string;
  /** When the change was made: the stream's approximate creation time (seconds; DynamoDB Local: minutes). */
  changedAt: string;
  keys: { pk: string; sk: string };
  newImage?: Record<string, unknown>;
  oldImage?: Record<string, unknown>;
  /** Deleted by the table's TTL (the service principal dynamodb.amazonaws.com), not by the application. */
  removedByTtl: boolean;
}

type AttributeMap = Record<string, unknown>;

/**
 * A stream record as Lambda's event source and the DynamoDB Streams API (GetRecords) both hand it over:
 * the same fields, except that the creation time is epoch seconds in one and a Date in the other.
 */
export interface RawStreamRecord {
  eventID?: string;
  eventName?: string;
  userIdentity?: { type?: string; principalId?: string } | null;
  dynamodb?: {
    ApproximateCreationDateTime?: number | Date;
    Keys?: AttributeMap;
    NewImage?: AttributeMap;
    OldImage?: AttributeMap;
    SequenceNumber?: string;
  };
}

/** The principal DynamoDB names on the REMOVE records of items its TTL deleted. */
export const TTL_PRINCIPAL = 'dynamodb.amazonaws.com';

/**
 * The Streams client hands an empty map attribute over as `{}` (no `M`), which unmarshall refuses: restore it,
 * at any depth.
 */
function restoreEmptyMaps(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  const attribute = value as Record<string, unknown>;
  if (Object.keys(attribute).length === 0) return { M: {} };
  if (attribute.M) return { M: restoreMapValues(attribute.M as AttributeMap) };
  if (Array.isArray(attribute.L)) return { L: attribute.L.map(restoreEmptyMaps) };
  return attribute;
}
const restoreMapValues = (map: AttributeMap): AttributeMap =>
  Object.fromEntries(Object.entries(map).map(([k, v]) => [k, restoreEmptyMaps(v)]));

const decode = (image: AttributeMap | undefined) =>
  image
    ? (unmarshall(restoreMapValues(image) as Parameters<typeof unmarshall>[0]) as Record<string, unknown>)
    : undefined;

export function decodeStreamRecord(raw: RawStreamRecord): ChangeRecord {
  const data = raw.dynamodb ?? {};
  const created = data.ApproximateCreationDateTime;
  const at = created instanceof Date ? created : new Date((created ?? 0) * 1000);
  const keys = decode(data.Keys) ?? {};
  const eventName = raw.eventName;
  if (eventName !== 'INSERT' && eventName !== 'MODIFY' && eventName !== 'REMOVE')
    throw new Error(`unknown stream event ${String(eventName)}`);
  return {
    eventId: String(raw.eventID),
    eventName,
    sequenceNumber: String(data.SequenceNumber),
    changedAt: at.toISOString(),
    keys: { pk: String(keys.pk), sk: String(keys.sk) },
    newImage: decode(data.NewImage),
    oldImage: decode(data.OldImage),
    removedByTtl:
      eventName === 'REMOVE' && raw.userIdentity?.type === 'Service' && raw.userIdentity.principalId === TTL_PRINCIPAL,
  };
}
