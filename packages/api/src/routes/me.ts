import * as z from 'zod/mini';
import { roles, withMeta } from '@cc/core';
import { route, type Route } from '../http/route';

export const CallerSchema = withMeta(z.object({ userId: z.string(), role: z.enum(roles), branchId: z.string() }), {
  id: 'Caller',
});

export const meRoutes = (): Route[] => [
  route(
    {
      operationId: 'getMe',
      method: 'get',
      path: '/me',
      tags: ['system'],
      summary: 'The authenticated caller',
      auth: 'bearer',
      responses: { 200: { description: 'The caller', json: CallerSchema } },
      errors: [401],
    },
    async ({ caller }) => ({ status: 200, body: caller }),
  ),
];
