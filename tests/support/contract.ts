import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * The published contract (packages/api/openapi.json) as the test suite checks it: every response the app
 * gives a test is matched to its documented operation (method + path template) and status, and its
 * content type and JSON body are checked against what the document promises (Ajv, JSON Schema 2020-12).
 */
type Json = Record<string, unknown>;
interface MediaType {
  schema?: Json;
}
interface ResponseObject {
  content?: Record<string, MediaType>;
}
interface OperationObject {
  operationId: string;
  responses: Record<string, ResponseObject>;
}
export interface ContractDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, Json> };
}

export interface Operation {
  operationId: string;
  method: string;
  path: string;
  responses: Record<string, ResponseObject>;
  pattern: RegExp;
  /** Literal path segments: /opportunities/totals wins over /opportunities/{id}. */
  literals: number;
}

/**
 * Served by the app beside the contract, not part of it: the document itself, its reference page, and the staff
 * console's HTML pages (docs/console.md).
 */
const OUTSIDE_CONTRACT = [/^\/openapi\.json$/, /^\/docs(\/.*)?$/, /^\/console(\/.*)?$/];

const COMPONENTS = 'https://contract.test/components';
const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/;

export function loadContract(): ContractDocument {
  return JSON.parse(readFileSync(new URL('../../packages/api/openapi.json', import.meta.url), 'utf8'));
}

export function operationsOf(document: ContractDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const segments = path.split('/').filter(Boolean);
      const source = segments.map((s) => (/^\{\w+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&')));
      return {
        operationId: op.operationId,
        method,
        path,
        responses: op.responses,
        pattern: new RegExp(`^/${source.join('/')}/?$`),
        literals: segments.filter((s) => !s.startsWith('{')).length,
      };
    }),
  );
}

/** Rewrites the document's component references to the one schema Ajv holds them in. */
function rebase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rebase);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string' ? v.replace('#/components/schemas/', `${COMPONENTS}#/$defs/`) : rebase(v),
      ]),
    );
  }
  return value;
}

export interface Exercised {
  operationId: string;
  status: number;
}

export interface Checked {
  /** The documented operation and status the response was matched to (none for routes outside the contract). */
  exercised?: Exercised;
  violation?: string;
}

export interface ExchangeSeen {
  method: string;
  url: string;
  status: number;
  contentType: string | null;
  body: string;
}

export function createContractChecker(document: ContractDocument) {
  const operations = operationsOf(document);
  const ajv = new Ajv2020({ allErrors: true, strictTypes: false, strictTuples: false });
  addFormats(ajv);
  // The OpenAPI 3.1 dialect's own keywords (annotations only).
  ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs']);
  ajv.addSchema({ $id: COMPONENTS, $defs: rebase(document.components.schemas) });
  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (key: string, schema: Json) => {
    let validate = compiled.get(key);
    if (!validate) compiled.set(key, (validate = ajv.compile(rebase(schema) as Json)));
    return validate;
  };
  const problem = { $ref: '#/components/schemas/Problem' };

  const match = (method: string, path: string) =>
    operations.filter((o) => o.method === method && o.pattern.test(path)).sort((a, b) => b.literals - a.literals)[0];

  function checkJson(key: string, schema: Json, body: string): string | undefined {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return `its body is not JSON: ${excerpt(body)}`;
    }
    const validate = validatorFor(key, schema);
    if (validate(value)) return undefined;
    const errors = describeErrors(validate.errors ?? []);
    return `its body does not match the documented schema:\n${errors}\n  body: ${excerpt(body)}`;
  }

  return {
    operations,
    check(seen: ExchangeSeen): Checked {
      const { pathname } = new URL(seen.url);
      const method = seen.method.toLowerCase();
      const media = seen.contentType?.split(';')[0]!.trim().toLowerCase() ?? null;
      const what = `${seen.method} ${pathname} answered ${seen.status}${media ? ` ${media}` : ''}`;
      const op = match(method, pathname);
      if (!op) {
        if (OUTSIDE_CONTRACT.some((p) => p.test(pathname))) return {};
        // A route that does not exist: the app's one 404 problem.
        if (seen.status === 404 && media === 'application/problem+json') {
          const wrong = checkJson('problem', problem, seen.body);
          return wrong ? { violation: `${what}: ${wrong}` } : {};
        }
        return { violation: `${what}, but the contract documents no ${method.toUpperCase()} operation for that path` };
      }
      const exercised = { operationId: op.operationId, status: seen.status };
      const response = op.responses[String(seen.status)];
      if (!response) {
        const documented = Object.keys(op.responses).join(', ');
        return { exercised, violation: `${what}: ${op.operationId} documents only ${documented}` };
      }
      const content = response.content ?? {};
      if (Object.keys(content).length === 0) {
        if (seen.body.length === 0) return { exercised };
        return { exercised, violation: `${what}: ${op.operationId} ${seen.status} documents no body` };
      }
      if (!media || !content[media]) {
        const types = Object.keys(content).join(', ');
        return { exercised, violation: `${what}: ${op.operationId} ${seen.status} documents ${types}` };
      }
      const schema = content[media]!.schema;
      if (!schema || !JSON_MEDIA.test(media)) return { exercised };
      const wrong = checkJson(`${op.operationId} ${seen.status} ${media}`, schema, seen.body);
      return wrong ? { exercised, violation: `${what} (${op.operationId}): ${wrong}` } : { exercised };
    },
  };
}

function describeErrors(errors: ErrorObject[]): string {
  return errors
    .slice(0, 8)
    .map((e) => {
      const extra =
        e.keyword === 'additionalProperties'
          ? ` (${(e.params as { additionalProperty: string }).additionalProperty})`
          : e.keyword === 'enum'
            ? ` (${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)})`
            : '';
      return `  at ${e.instancePath || '(root)'}: ${e.message}${extra}`;
    })
    .join('\n');
}

const excerpt = (body: string) => (body.length > 400 ? `${body.slice(0, 400)}…` : body);
