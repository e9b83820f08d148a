import { createRoute, z } from '@hono/zod-openapi';
import { DomainError, ForbiddenError, isSupervisorOf } from '@cc/core';
import type { AppDeps } from '../deps';
import { bearerSecurity, createRouter, problemResponses } from '../openapi';
import { jsonResponse } from '../schemas';
import { caseImporter, MAX_IMPORT_LINES } from '../services/case-imports';

const ImportResultSchema = z
  .object({
    line: z.number().int(),
    status: z.enum(['created', 'duplicate', 'rejected']),
    externalId: z.string().optional(),
    caseId: z.string().optional(),
    reason: z.string().optional(),
  })
  .openapi('CaseImportResult');

const ImportResponse = z.object({
  summary: z.object({ created: z.number().int(), duplicate: z.number().int(), rejected: z.number().int() }),
  results: z.array(ImportResultSchema),
});

const NDJSON = 'application/x-ndjson';

export function importRoutes(deps: AppDeps) {
  const router = createRouter();
  const importer = caseImporter(deps);

  router.openapi(
    createRoute({
      method: 'post',
      path: '/imports/cases',
      tags: ['cases'],
      summary: `Import complaints/inquiries from the call center or online banking (NDJSON, at most ${MAX_IMPORT_LINES} lines; idempotent per source and externalId)`,
      description:
        'Each line: {"source":"call_center"|"online_banking","externalId","customerNumber","type",...case fields}. The answer lists every line as created, duplicate or rejected (with the reason and line number). Supervisors and admins only.',
      security: bearerSecurity,
      request: { body: { required: true, content: { [NDJSON]: { schema: z.string() } } } },
      responses: {
        200: jsonResponse(ImportResponse, 'Per-line results'),
        ...problemResponses(401, 403, 413, 415, 422),
      },
    }),
    async (c) => {
      const caller = c.get('caller');
      if (!isSupervisorOf(caller, caller.branchId))
        throw new ForbiddenError('Only supervisors and admins import cases', 'import.forbidden');
      const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
      if (type !== NDJSON) throw new DomainError('request.unsupported_media_type', `Send the import as ${NDJSON}`);
      return c.json(await importer.importNdjson(await c.req.text()), 200) as never;
    },
  );

  return router;
}
