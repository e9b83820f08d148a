import * as z from 'zod/mini';
import { DomainError, withMeta } from '@cc/core';
import { MAX_IMPORT_LINES, type StaffServices } from '@cc/services';
import { route, type Route } from '../http/route';

const ImportResultSchema = withMeta(
  z.object({
    line: z.int(),
    status: z.enum(['created', 'duplicate', 'rejected']),
    externalId: z.optional(z.string()),
    caseId: z.optional(z.string()),
    reason: z.optional(z.string()),
  }),
  { id: 'CaseImportResult' },
);

const ImportResponse = z.object({
  summary: z.object({
    created: z.int(),
    duplicate: z.int(),
    rejected: z.int(),
  }),
  results: z.array(ImportResultSchema),
});

const NDJSON = 'application/x-ndjson';

export const importRoutes = (s: StaffServices): Route[] => [
  route(
    {
      operationId: 'importCases',
      method: 'post',
      path: '/imports/cases',
      tags: ['cases'],
      summary:
        'Import complaints/inquiries from the call center or online banking ' +
        `(NDJSON, at most ${MAX_IMPORT_LINES} lines; idempotent per source and externalId)`,
      description:
        'Each line: {"source":"call_center"|"online_banking","externalId","customerNumber","type",...case fields}. ' +
        'The answer lists every line as created, duplicate or rejected (with the reason and line number). ' +
        'Supervisors and admins only.',
      auth: 'bearer',
      body: { own: { [NDJSON]: z.string() }, required: true },
      responses: { 200: { description: 'Per-line results', json: ImportResponse } },
      errors: [401, 403, 413, 415, 422],
    },
    async ({ caller, c }) => {
      s.caseImports.assertMayImport(caller);
      const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
      if (type !== NDJSON) throw new DomainError('request.unsupported_media_type', `Send the import as ${NDJSON}`);
      return { status: 200, body: await s.caseImports.importNdjson(caller, await c.req.text()) };
    },
  ),
];
