/**
 * The single source of key and index names. The CDK stack and the local runtime both
 * build the table from `tableDefinition`, so what runs locally is what deploys.
 * Every access pattern and the key that serves it is listed in docs/data-model.md.
 */
export const attr = {
  pk: 'pk',
  sk: 'sk',
  gsi1pk: 'gsi1pk',
  gsi1sk: 'gsi1sk',
  gsi2pk: 'gsi2pk',
  gsi2sk: 'gsi2sk',
  gsi3pk: 'gsi3pk',
  gsi3sk: 'gsi3sk',
  ttl: 'expiresAt',
} as const;

export const indexNames = { gsi1: 'gsi1', gsi2: 'gsi2', gsi3: 'gsi3' } as const;
export type IndexName = (typeof indexNames)[keyof typeof indexNames];

export interface IndexDefinition {
  name: IndexName;
  partitionKey: string;
  sortKey: string;
}

export const tableDefinition = {
  partitionKey: attr.pk,
  sortKey: attr.sk,
  ttlAttribute: attr.ttl,
  indexes: [
    { name: indexNames.gsi1, partitionKey: attr.gsi1pk, sortKey: attr.gsi1sk },
    { name: indexNames.gsi2, partitionKey: attr.gsi2pk, sortKey: attr.gsi2sk },
    { name: indexNames.gsi3, partitionKey: attr.gsi3pk, sortKey: attr.gsi3sk },
  ] satisfies IndexDefinition[],
} as const;

/** Key builders: the only place key strings are spelled. */
export const keys = {
  user: (userId: string) => ({ pk: `USER#${userId}`, sk: 'PROFILE' }),
  branch: (branchId: string) => ({ pk: `BRANCH#${branchId}`, sk: 'PROFILE' }),
  idempotency: (scope: string, key: string) => ({ pk: `IDEM#${scope}#${key}`, sk: 'IDEM' }),
  rateWindow: (bucket: string, window: string) => ({ pk: `RATE#${bucket}`, sk: window }),
  counter: (name: string) => ({ pk: `COUNTER#${name}`, sk: 'COUNTER' }),
} as const;
