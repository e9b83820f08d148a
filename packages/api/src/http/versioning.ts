import { DomainError } from '@cc/core';

/** Optimistic locking over HTTP: responses carry the item's version as an ETag... */
export const etag = (version: number) => `"${version}"`;

/** The ETag of a versioned item, and where a new one lives. */
export const versionHeaders = (item: { id: string; version: number }, createdIn?: string): Record<string, string> => ({
  etag: etag(item.version),
  ...(createdIn && { location: `${createdIn}/${item.id}` }),
});

/**
 * ...and writes echo it in If-Match. Returns the version it names; undefined when the header is
 * absent and optional. A missing required header is a 428 problem; one that is not an ETag as we send
 * them (a quoted version, e.g. `"3"`; a bare `3` is not one) is a 400 that says so.
 */
export function ifMatchVersion(header: string | undefined, required: true, resource: string): number;
export function ifMatchVersion(header: string | undefined, required: boolean, resource: string): number | undefined;
export function ifMatchVersion(header: string | undefined, required: boolean, resource: string): number | undefined {
  if (header === undefined || header.trim() === '') {
    if (!required) return undefined;
    throw new DomainError(
      'request.precondition_required',
      `Send If-Match with the ETag from your last read of this ${resource}`,
      {},
    );
  }
  const match = /^(?:W\/)?"(\d+)"$/.exec(header.trim());
  if (!match) {
    throw new DomainError(
      'request.if_match_invalid',
      `If-Match must be the ETag from your last read of this ${resource}, quoted as sent: e.g. If-Match: "3" ` +
        `(got ${JSON.stringify(header.slice(0, 40))})`,
      {},
    );
  }
  const version = Number(match[1]);
  if (!Number.isSafeInteger(version)) {
    throw new DomainError('request.if_match_invalid', `If-Match names a version no ${resource} can have`, {});
  }
  return version;
}
