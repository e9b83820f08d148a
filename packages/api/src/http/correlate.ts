import type { MiddlewareHandler } from 'hono';
import { newId } from '@cc/core';
import { correlation } from '@cc/services';

const HEADER = 'x-correlation-id';

/** The API Gateway request id, when the app runs behind it (hono/aws-lambda passes the event's context). */
const gatewayRequestId = (env: unknown) =>
  (env as { requestContext?: { requestId?: string } } | undefined)?.requestContext?.requestId;

/**
 * Every request runs as one piece of work with a correlation id: a caller's own (X-Correlation-Id, when safe
 * to carry), else API Gateway's request id (the access log's), else a new one. Logs, queued notifications and
 * written items carry it; the response says it, so a caller can quote it to support.
 */
export const correlate: MiddlewareHandler = async (c, next) => {
  const id = correlation.accept(c.req.header(HEADER)) ?? correlation.accept(gatewayRequestId(c.env)) ?? newId();
  await correlation.run(id, next);
  c.res.headers.set(HEADER, id);
};
