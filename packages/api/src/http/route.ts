import type { Context } from 'hono';
import * as z from 'zod/mini';
import { DomainError, parseJson, ValidationError, type Caller } from '@cc/core';
import type { AppEnv } from './env';

/**
 * A route is declared once, as data: method, path, who may call it, what it takes and what it answers.
 * The same declaration validates requests at run time (zod), types the handler's input and its replies,
 * and is what the OpenAPI document is generated from (openapi/document.ts). Handlers never see unvalidated
 * input and cannot return a body their declaration does not promise.
 */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * bearer: a staff token (checked before anything else); public: no credentials; twilio/email: the
 * provider's request signature, which the handler checks against the raw body.
 */
export type Auth = 'bearer' | 'public' | 'twilio' | 'email';

/** Named request examples, shown in the reference; a test checks each one is accepted by its schema. */
export type Examples = Record<string, { summary: string; value: unknown }>;

/** A JSON body, validated before the handler runs. */
export interface JsonBody {
  json: z.ZodMiniType;
  required?: boolean;
  description?: string;
  examples?: Examples;
}

/** A body the handler reads itself (forms, raw messages), documented per media type. */
export interface OwnBody {
  own: Record<string, z.ZodMiniType>;
  required?: boolean;
  description?: string;
  /** Examples of the application/json form, when it has one. */
  examples?: Examples;
}

/**
 * A route on its way out (docs/api.md): the document marks it deprecated and every answer carries
 * `Deprecation` (RFC 9745) and, once a date is set, `Sunset` (RFC 8594).
 */
export interface Deprecation {
  /** When it was deprecated, ISO 8601 (2026-03-01 or a full timestamp). */
  since: string;
  /** When it stops answering, ISO 8601. */
  sunset?: string;
  /** Where the replacement is described (sent as `Link: <...>; rel="deprecation"`). */
  link?: string;
}

/** Responses are documented and typed from their schemas, never parsed: any zod schema will do. */
export interface ResponseSpec {
  description: string;
  /** An application/json body. */
  json?: z.core.$ZodType;
  /** Other media types (HTML pages, TwiML, CSV), answered as text. */
  text?: Record<string, z.core.$ZodType>;
  /** Response headers worth documenting (ETag, Location, Retry-After...). */
  headers?: Record<string, string>;
}

export interface RouteSpec {
  /** Stable and meaningful: client generators name methods after it. */
  operationId: string;
  method: Method;
  /** OpenAPI style: /cases/{id}. */
  path: string;
  tags: readonly string[];
  summary: string;
  description?: string;
  auth: Auth;
  /** Bodies are limited to MAX_BODY_BYTES; the public form takes less, whole emails more. */
  bodyLimit?: 'public' | 'email';
  params?: z.ZodMiniObject;
  query?: z.ZodMiniObject;
  headers?: z.ZodMiniObject;
  body?: JsonBody | OwnBody;
  responses: Record<number, ResponseSpec>;
  /** Problem statuses the route may answer (application/problem+json). */
  errors: readonly number[];
  deprecated?: Deprecation;
}

type Parsed<T> = T extends z.core.$ZodType ? z.output<T> : undefined;
type BodyOf<S extends RouteSpec> = S['body'] extends JsonBody
  ? S['body']['required'] extends false
    ? z.output<S['body']['json']> | undefined
    : z.output<S['body']['json']>
  : undefined;

export interface RouteInput<S extends RouteSpec> {
  params: Parsed<S['params']>;
  query: Parsed<S['query']>;
  headers: Parsed<S['headers']>;
  body: BodyOf<S>;
  /** The authenticated caller (bearer routes). */
  caller: S['auth'] extends 'bearer' ? Caller : undefined;
  /** The raw request context, for routes that read their own body or need the client's address. */
  c: Context<AppEnv>;
}

type Headers = Record<string, string>;

/** What a handler may answer for one declared status. */
type JsonReply<Status extends number, R extends ResponseSpec> = R extends { json: infer Z extends z.core.$ZodType }
  ? { status: Status; body: z.input<Z>; headers?: Headers }
  : never;
type TextReply<Status extends number, R extends ResponseSpec> = R extends {
  text: infer T extends Record<string, z.core.$ZodType>;
}
  ? { status: Status; text: string; type: keyof T & string; headers?: Headers }
  : never;
type ReplyFor<Status extends number, R extends ResponseSpec> = R extends { json: z.core.$ZodType } | { text: object }
  ? JsonReply<Status, R> | TextReply<Status, R>
  : { status: Status; headers?: Headers };

export type Reply<S extends RouteSpec> = {
  [K in keyof S['responses'] & number]: ReplyFor<K, S['responses'][K]>;
}[keyof S['responses'] & number];

export type Handler<S extends RouteSpec> = (input: RouteInput<S>) => Promise<Reply<S>>;

/** A declared route with its handler, ready to mount. */
export interface Route {
  spec: RouteSpec;
  run(c: Context<AppEnv>): Promise<Response>;
}

const JSON_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

function fieldIssues(error: z.core.$ZodError, fallback: string) {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || fallback, message: i.message }));
}

function validate<T extends z.core.$ZodType>(schema: T, value: unknown, fallback = '(body)'): z.output<T> {
  const result = z.safeParse(schema, value);
  if (!result.success) throw new ValidationError('The request has invalid fields', fieldIssues(result.error, fallback));
  return result.data;
}

/** A JSON body: 415 for another media type, 400 `request.malformed` when it does not parse, or nests too deeply. */
async function jsonBody(c: Context, spec: JsonBody): Promise<unknown> {
  const type = c.req.header('content-type');
  const text = await c.req.text();
  if (type ? !JSON_TYPE.test(type) : text.length > 0) {
    throw new DomainError('request.unsupported_media_type', 'Send the body as application/json');
  }
  if (!type && spec.required === false) return undefined;
  return validate(spec.json, parseJson(text));
}

function toResponse(reply: { status: number; body?: unknown; text?: string; type?: string; headers?: Headers }) {
  if ('body' in reply) {
    return new Response(JSON.stringify(reply.body), {
      status: reply.status,
      headers: { 'content-type': 'application/json', ...reply.headers },
    });
  }
  if (reply.text !== undefined) {
    const type = reply.type!.includes('charset') ? reply.type! : `${reply.type}; charset=utf-8`;
    return new Response(reply.text, { status: reply.status, headers: { 'content-type': type, ...reply.headers } });
  }
  return new Response(null, { status: reply.status, headers: reply.headers });
}

/**
 * The problems the machinery here and in app.ts answers around any handler, so every route that has
 * the input (or the auth) documents them without listing them: 401 for a staff token, 400 for input that
 * fails validation, 413 for a body over the limit, 415 for a JSON body sent as something else, and for every
 * route 503 `dependency.unavailable` (with Retry-After) when DynamoDB or SQS does not answer within the
 * request's deadline (http/deadline.ts).
 */
export function impliedErrors(spec: RouteSpec): number[] {
  const validated = spec.params || spec.query || spec.headers || (spec.body && 'json' in spec.body);
  return [
    ...(spec.auth === 'bearer' ? [401] : []),
    ...(validated ? [400] : []),
    ...(spec.body ? [413] : []),
    ...(spec.body && 'json' in spec.body ? [415] : []),
    503,
  ];
}

/** Every problem status a route may answer: the declared ones and the implied ones, in order. */
export const problemStatuses = (spec: RouteSpec): number[] =>
  [...new Set([...spec.errors, ...impliedErrors(spec)])].sort((a, b) => a - b);

/** Declares a route and its handler. */
export function route<const S extends RouteSpec>(spec: S, handler: NoInfer<Handler<S>>): Route {
  return {
    spec,
    async run(c) {
      const input = {
        params: spec.params ? validate(spec.params, c.req.param(), '(path)') : undefined,
        query: spec.query ? validate(spec.query, c.req.query(), '(query)') : undefined,
        headers: spec.headers ? validate(spec.headers, c.req.header(), '(headers)') : undefined,
        body: spec.body && 'json' in spec.body ? await jsonBody(c, spec.body) : undefined,
        caller: spec.auth === 'bearer' ? c.get('caller') : undefined,
        c,
      } as RouteInput<S>;
      return toResponse(await handler(input));
    },
  };
}
