import { createRoute, z } from '@hono/zod-openapi';
import { roles } from '@cc/core';
import { bearerSecurity, createRouter, problemResponses } from '../openapi';

export const CallerSchema = z
  .object({ userId: z.string(), role: z.enum(roles), branchId: z.string() })
  .openapi('Caller');

export function meRoutes() {
  const router = createRouter();
  router.openapi(
    createRoute({
      method: 'get',
      path: '/me',
      tags: ['system'],
      summary: 'The authenticated caller',
      security: bearerSecurity,
      responses: {
        200: { description: 'The caller', content: { 'application/json': { schema: CallerSchema } } },
        ...problemResponses(401),
      },
    }),
    (c) => c.json(c.get('caller'), 200),
  );
  return router;
}
