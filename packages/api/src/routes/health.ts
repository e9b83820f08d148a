import * as z from 'zod/mini';
import { DomainError, withMeta } from '@cc/core';
import { PROBE_TIMEOUT_MS } from '@cc/services';
import type { HttpDeps } from '../http/env';
import { route, type Route } from '../http/route';

const CheckResult = z.enum(['ok', 'down']);
const HealthSchema = withMeta(
  z.object({ status: z.enum(['ok', 'degraded']), checks: z.object({ dynamodb: CheckResult, sqs: CheckResult }) }),
  { id: 'Health' },
);

/** A probe that has not answered within PROBE_TIMEOUT_MS is down, whatever its client is still waiting for. */
async function probe(check: () => Promise<void>): Promise<'ok' | 'down'> {
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
}

export const healthRoutes = (http: HttpDeps): Route[] => [
  route(
    {
      operationId: 'getHealth',
      method: 'get',
      path: '/health',
      tags: ['system'],
      summary: 'Liveness and dependency checks',
      auth: 'public',
      responses: { 200: { description: 'All dependencies answer', json: HealthSchema } },
      errors: [503],
    },
    async () => {
      const [dynamodb, sqs] = await Promise.all([probe(http.health.dynamodb), probe(http.health.sqs)]);
      const checks = { dynamodb, sqs };
      if (dynamodb === 'ok' && sqs === 'ok') return { status: 200, body: { status: 'ok', checks } };
      throw new DomainError('dependency.unavailable', 'A dependency is not answering', { checks });
    },
  ),
];
