import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { DomainError, RateLimitedError, ValidationError, type FieldIssue } from '@cc/core';

/** RFC 9457 problem details, plus our stable `code` and field `errors`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  errors?: FieldIssue[];
  [extension: string]: unknown;
}

const PROBLEM_BASE = 'https://contact-center.example/problems/';

/** The one table from domain error codes to HTTP status. Codes not listed fall back by suffix. */
const statusByCode: Record<string, number> = {
  'request.invalid': 400,
  'request.malformed': 400,
  'request.cursor_invalid': 400,
  'request.too_deep': 400,
  'request.forbidden': 403,
  'request.too_large': 413,
  'request.unsupported_media_type': 415,
  'request.rate_limited': 429,
  'request.precondition_required': 428,
  'route.not_found': 404,
  'auth.unauthenticated': 401,
  'auth.token_invalid': 401,
  'auth.token_expired': 401,
  'auth.user_inactive': 401,
  'webhook.not_configured': 503,
  'auth.forbidden': 403,
  'webhook.signature_invalid': 403,
  'webhook.not_served': 404,
  'idempotency.key_reused': 422,
  'opportunity.already_converted': 409,
  'opportunity.closed': 409,
  'opportunity.forbidden': 403,
  'case.not_convertible': 409,
  'contact.blocked': 409,
  'case.converted': 409,
  'case.finished': 409,
  'team.member_conflict': 409,
  'request.if_match_invalid': 400,
  'customer.identity_taken': 409,
  'customer.number_taken': 409,
  'customer.manager_required': 400,
  'customer.merge_forbidden': 403,
  'customer.field_forbidden': 403,
  'customer.identity_change_forbidden': 403,
  'customer.merge_conflict': 409,
  'change_request.self_approval': 403,
  'change_request.forbidden': 403,
  'team.forbidden': 403,
  'dependency.unavailable': 503,
  'internal.error': 500,
};

function statusFor(code: string): number {
  const known = statusByCode[code];
  if (known) return known;
  if (code.endsWith('.not_found')) return 404;
  if (
    code.endsWith('.invalid_transition') ||
    code.endsWith('.conflict') ||
    code.endsWith('.exists') ||
    code.endsWith('.stale') ||
    code.endsWith('.concurrent_write')
  )
    return 409;
  if (code.endsWith('_invalid') || code.endsWith('.invalid') || code.endsWith('.required')) return 400;
  if (code.endsWith('.forbidden')) return 403;
  return 422;
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The members RFC 9457 and our contract define; details from an error never overwrite them. */
const reservedMembers = new Set(['type', 'title', 'status', 'code', 'detail', 'instance']);

/** `extensions`: extra members (field `errors`, `allowed` states...); `status` overrides the code's status. */
export function problemResponse(
  c: Context,
  code: string,
  detail: string | undefined,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
  statusOverride?: number,
): Response {
  const status = statusOverride ?? statusFor(code);
  const body: Problem = {
    ...Object.fromEntries(Object.entries(extensions).filter(([name]) => !reservedMembers.has(name))),
    type: PROBLEM_BASE + code,
    title: titles[status] ?? 'Error',
    status,
    code,
    ...(detail ? { detail } : {}),
    instance: c.req.path,
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

/** When a client should try again after a dependency failed: long enough for throttling to ease, short for a person. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 3;

/** 503 `dependency.unavailable` with Retry-After: a store or queue did not answer within the request's budget. */
export const dependencyUnavailable = (c: Context, detail = 'A dependency is unavailable; try again shortly') =>
  problemResponse(c, 'dependency.unavailable', detail, {}, { 'retry-after': String(DEPENDENCY_RETRY_AFTER_SECONDS) });

const httpExceptionCodes: Record<number, string> = {
  400: 'request.malformed',
  401: 'auth.unauthenticated',
  404: 'route.not_found',
  413: 'request.too_large',
  415: 'request.unsupported_media_type',
};

export type ErrorLogger = (message: string, fields: Record<string, unknown>) => void;

/** The single error mapper installed on the root app. 5xx bodies are generic; causes are logged. */
export function toProblem(error: unknown, c: Context, log: ErrorLogger): Response {
  if (error instanceof ValidationError) {
    return problemResponse(c, error.code, error.message, { errors: error.errors });
  }
  if (error instanceof RateLimitedError) {
    return problemResponse(c, error.code, error.message, {}, { 'retry-after': String(error.retryAfterSeconds) });
  }
  if (error instanceof DomainError) {
    const status = statusFor(error.code);
    if (status >= 500) log('dependency failure', { code: error.code, error: describe(error.cause ?? error) });
    const { errors: _ignored, ...details } = error.details as Record<string, unknown> & { errors?: unknown };
    return problemResponse(
      c,
      error.code,
      status >= 500 ? 'A dependency is unavailable; try again shortly' : error.message,
      details,
      error.code === 'dependency.unavailable' ? { 'retry-after': String(DEPENDENCY_RETRY_AFTER_SECONDS) } : {},
    );
  }
  if (error instanceof HTTPException) {
    const code = httpExceptionCodes[error.status] ?? 'request.invalid';
    const detail = error.status === 400 ? 'The request body is not valid JSON' : error.message;
    return problemResponse(c, code, detail, {}, {}, error.status);
  }
  log('unhandled error', { path: c.req.path, method: c.req.method, error: describe(error) });
  return problemResponse(c, 'internal.error', 'Something went wrong on our side; it has been logged');
}

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}
