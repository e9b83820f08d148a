import { DomainError } from '@cc/core';

/** Optimistic locking over HTTP: responses carry the item's version as an ETag... */
export const etag = (version: number) => `"${version}"`;

/** A versioned item as JSON with its ETag; a 201 also says where the new item lives. */
export function versionedResponse(
  body: unknown,
  item: { id: string; version: number },
  collectionPath: string,
  status: 200 | 201 = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'content-type': 'application/json',
      etag: etag(item.version),
      ...(status === 201 && { location: `${collectionPath}/${item.id}` }),
      ...headers,
    },
  });
}

/**
 * ...and writes echo it in If-Match. Returns the version it names; undefined when the header is
 * absent and optional. A missing required or malformed header is a 428 problem.
 */
export function ifMatchVersion(header: string | undefined, required: true, resource: string): number;
export function ifMatchVersion(header: string | undefined, required: boolean, resource: string): number | undefined;
export function ifMatchVersion(header: string | undefined, required: boolean, resource: string): number | undefined {
  if (header === undefined && !required) return undefined;
  const match = /^(?:W\/)?"(\d+)"$/.exec(header?.trim() ?? '');
  if (!match)
    throw new DomainError(
      'request.precondition_required',
      `Send If-Match with the ETag from your last read of this ${resource}`,
      {},
    );
  return Number(match[1]);
}
