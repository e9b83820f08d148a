import { createRoute, z } from '@hono/zod-openapi';
import type { AppDeps } from '../deps';
import { createRouter, problemResponses } from '../openapi';
import { problemResponse } from '../problems';

const CheckResult = z.enum(['ok', 'down']);
const HealthSchema = z
  .object({ status: z.enum(['ok', 'degraded']), checks: z.object({ dynamodb: CheckResult, sqs: CheckResult }) })
  .openapi('Health');

const PROBE_TIMEOUT_MS = 2000;

const probe = async (check: () => Promise<void>): Promise<'ok' | 'down'> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
};

export function healthRoutes(deps: AppDeps) {
  const router = createRouter();
  router.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      tags: ['system'],
      summary: 'Liveness and dependency checks',
      responses: {
        200: { description: 'All dependencies answer', content: { 'application/json': { schema: HealthSchema } } },
        ...problemResponses(503),
      },
    }),
    async (c) => {
      const [dynamodb, sqs] = await Promise.all([probe(deps.health.dynamodb), probe(deps.health.sqs)]);
      const checks = { dynamodb, sqs };
      if (dynamodb === 'ok' && sqs === 'ok') return c.json({ status: 'ok' as const, checks }, 200);
      return problemResponse(c, 'dependency.unavailable', 'A dependency is not answering', { checks }) as never;
    },
  );
  return router;
}
