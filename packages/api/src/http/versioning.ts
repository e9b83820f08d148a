import { DomainError, ValidationError } from '@cc/core';

/** Optimistic locking over HTTP: responses carry the item's version as an ETag... */
export const etag = (version: number) => `"${version}"`;

/** The ETag of a versioned item, and where a new one lives. */
export const versionHeaders = (item: { id: string; version: number }, createdIn?: string): Record<string, string> => ({
  etag: etag(item.version),
  ...(createdIn && { location: `${createdIn}/${item.id}` }),
});

/**
 * ...and writes echo it in If-Match. Returns the version it names; undefined when the header is
 * absent and optional. A missing required or malformed header is a 428 problem.
 */
export function ifMatchVersion(header: string | undefined, required: true, resource: string): number;
export function ifMatchVersion(header: string | undefined, required: boolean, resource: string): number | undefined;
export function ifMatchVersion(header: string | undefined, required: boolean, resource: string): number | undefined {
  if (header === undefined && !required) return undefined;
  const match = /^(?:W\/)?"(\d+)"$/.exec(header?.trim() ?? '');
  if (!match) {
    throw new DomainError(
      'request.precondition_required',
      `Send If-Match with the ETag from your last read of this ${resource}`,
      {},
    );
  }
  const version = Number(match[1]);
  if (!Number.isSafeInteger(version)) {
    throw new ValidationError('If-Match names a version that cannot exist', [
      { path: 'If-Match', message: 'too large' },
    ]);
  }
  return version;
}
