import { OpenAPIHono, z } from '@hono/zod-openapi';
import { ValidationError } from '@cc/core';
import type { AppEnv } from './deps';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().openapi({ example: 'request.invalid' }),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

export const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

/** Standard error responses every route may give. */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { description: 'Problem', content: problemContent }])) as Record<
    number,
    { description: string; content: typeof problemContent }
  >;

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const CursorQuery = z.object({
  cursor: z.string().max(2048).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});

/** Sub-apps share the app's validation hook, so every zod failure is the same 400 problem. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const errors = result.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
        throw new ValidationError('The request has invalid fields', errors);
      }
    },
  });
}

export const bearerSecurity = [{ bearer: [] as string[] }];
