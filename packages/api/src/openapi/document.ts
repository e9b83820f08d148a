import * as z from 'zod/mini';
import { problemStatuses, type Route, type RouteSpec } from '../http/route';
import { ProblemSchema } from '../schemas';

/**
 * The OpenAPI 3.1 document, generated from the route declarations at build time (`npm run openapi` writes
 * openapi.json; a test checks it is current). JSON Schema comes from zod's own converter: request schemas
 * as they are accepted (defaults optional), responses as they are produced. Schemas with an id become
 * components.
 */
type Json = Record<string, unknown>;

const COMPONENTS = '#/components/schemas/';
/** zod gives schemas without an id of their own a generated name when they are used more than once. */
const GENERATED = /^__schema\d+$/;

export interface DocumentInfo {
  title: string;
  /** The api package's version: its major is raised for any breaking change (docs/api.md). */
  version: string;
  description: string;
  license: { name: string; identifier?: string; url?: string };
}

/** Where the API is served; the app replaces it with its own public URL when it serves the document. */
export interface DocumentServer {
  url: string;
  description: string;
}

const securitySchemes = {
  bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
  twilioSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Twilio-Signature',
    description: "Twilio's HMAC-SHA1 over the public URL and the sorted form parameters, keyed with the auth token",
  },
  emailSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Signature',
    description: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + raw body>, keyed with EMAIL_WEBHOOK_SECRET',
  },
};

const securityOf: Record<RouteSpec['auth'], Json[]> = {
  bearer: [{ bearer: [] }],
  public: [],
  twilio: [{ twilioSignature: [] }],
  email: [{ emailSignature: [] }],
};

/**
 * Rewrites zod's local `#/$defs/X` references to components, everywhere in a schema, and puts the
 * definitions zod named itself (shared pieces without an id) back in place.
 */
function pointAtComponents(value: unknown, defs: Record<string, Json>): unknown {
  if (Array.isArray(value)) return value.map((v) => pointAtComponents(v, defs));
  if (value && typeof value === 'object') {
    const ref = (value as { $ref?: unknown }).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/$defs/')) {
      const name = ref.slice('#/$defs/'.length);
      if (GENERATED.test(name)) return pointAtComponents(defs[name], defs);
      return { ...value, $ref: COMPONENTS + name };
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, pointAtComponents(v, defs)]));
  }
  return value;
}

function schemaConverter(components: Record<string, Json>) {
  return (schema: z.core.$ZodType, io: 'input' | 'output'): Json => {
    const {
      $schema: _,
      $defs,
      ...rest
    } = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
    }) as Json & { $defs?: Record<string, Json> };
    const defs = $defs ?? {};
    for (const [id, def] of Object.entries(defs)) {
      // Request and response forms of a schema can differ (defaults); the first one generated wins.
      if (!GENERATED.test(id) && !components[id]) components[id] = pointAtComponents(def, defs) as Json;
    }
    return pointAtComponents(rest, defs) as Json;
  };
}

const problemContent = { 'application/problem+json': { schema: { $ref: `${COMPONENTS}Problem` } } };

function parameters(spec: RouteSpec, convert: ReturnType<typeof schemaConverter>): Json[] {
  const sources = [
    ['path', spec.params],
    ['query', spec.query],
    ['header', spec.headers],
  ] as const;
  return sources.flatMap(([where, schema]) => {
    if (!schema) return [];
    const json = convert(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
    return Object.entries(json.properties ?? {}).map(([name, property]) => {
      const { description, ...propertySchema } = property;
      return {
        name,
        in: where,
        required: where === 'path' || (json.required ?? []).includes(name),
        ...(description !== undefined && { description }),
        schema: propertySchema,
      };
    });
  });
}

function requestBody(spec: RouteSpec, convert: ReturnType<typeof schemaConverter>): Json | undefined {
  if (!spec.body) return undefined;
  const { examples } = spec.body;
  const byType = 'json' in spec.body ? { 'application/json': spec.body.json } : spec.body.own;
  return {
    required: spec.body.required !== false,
    ...(spec.body.description && { description: spec.body.description }),
    content: Object.fromEntries(
      Object.entries(byType).map(([type, schema]) => [
        type,
        { schema: convert(schema, 'input'), ...(examples && type === 'application/json' && { examples }) },
      ]),
    ),
  };
}

const header = (description: string) => ({ description, schema: { type: 'string' } });

/** The headers every answer of a deprecated route carries (http/deprecation.ts). */
function deprecationHeaders(spec: RouteSpec): Record<string, Json> {
  if (!spec.deprecated) return {};
  return {
    Deprecation: header(`Deprecated since ${spec.deprecated.since} (RFC 9745: @<unix seconds>)`),
    ...(spec.deprecated.sunset && {
      Sunset: header(`Stops answering after ${spec.deprecated.sunset} (RFC 8594 HTTP-date)`),
    }),
    ...(spec.deprecated.link && { Link: header('rel="deprecation": what replaces it') }),
  };
}

function responses(spec: RouteSpec, convert: ReturnType<typeof schemaConverter>): Json {
  const out: Record<string, Json> = {};
  const deprecation = deprecationHeaders(spec);
  const withHeaders = (own: Record<string, Json>) => {
    const headers = { ...own, ...deprecation };
    return Object.keys(headers).length ? { headers } : {};
  };
  for (const [status, response] of Object.entries(spec.responses)) {
    const content: Record<string, Json> = {};
    if (response.json) content['application/json'] = { schema: convert(response.json, 'output') };
    for (const [type, schema] of Object.entries(response.text ?? {}))
      content[type] = { schema: convert(schema, 'output') };
    const headers = Object.entries(response.headers ?? {}).map(([name, description]) => [name, header(description)]);
    out[status] = {
      description: response.description,
      ...withHeaders(Object.fromEntries(headers)),
      ...(Object.keys(content).length && { content }),
    };
  }
  for (const status of problemStatuses(spec)) {
    const existing = out[status];
    out[status] = existing
      ? { ...existing, content: { ...problemContent, ...(existing.content as Json) } }
      : { description: 'Problem', ...withHeaders({}), content: problemContent };
  }
  return out;
}

export function openApiDocument(routes: readonly Route[], info: DocumentInfo, servers: DocumentServer[]): Json {
  const components: Record<string, Json> = {};
  const convert = schemaConverter(components);
  convert(ProblemSchema, 'output');
  const paths: Record<string, Record<string, Json>> = {};
  for (const { spec } of routes) {
    const params = parameters(spec, convert);
    const body = requestBody(spec, convert);
    (paths[spec.path] ??= {})[spec.method] = {
      operationId: spec.operationId,
      tags: [...spec.tags],
      summary: spec.summary,
      ...(spec.description && { description: spec.description }),
      ...(spec.deprecated && { deprecated: true }),
      security: securityOf[spec.auth],
      ...(params.length && { parameters: params }),
      ...(body && { requestBody: body }),
      responses: responses(spec, convert),
    };
  }
  return {
    openapi: '3.1.0',
    info,
    servers,
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes,
    },
  };
}
