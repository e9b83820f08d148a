import { beforeAll, describe, expect, it } from 'vitest';
import { loadContract } from '../support/contract';
import { createTestContext, type TestContext } from '../support/harness';

/**
 * The problems every operation promises for what it is sent, asked of every operation the contract lists:
 * a new route is covered the day it is declared. The answers themselves are held to the contract by the
 * harness (tests/support/contract-hook.ts); here each must also be the status the case calls for.
 */
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: { maxLength?: number; maximum?: number; minimum?: number };
}
interface Operation {
  operationId: string;
  security: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> };
  responses: Record<string, unknown>;
}

const contract = loadContract() as unknown as { paths: Record<string, Record<string, Operation>> };
const operations = Object.entries(contract.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ ...op, method: method.toUpperCase(), path })),
);
type Op = (typeof operations)[number];

const documents = (op: Op, status: number) => String(status) in op.responses;
const staff = (op: Op) => op.security.some((s) => 'bearer' in s);
const pathParams = (op: Op) => (op.parameters ?? []).filter((p) => p.in === 'path');
/** The path with every parameter filled in: by default an id nothing has. */
const pathOf = (op: Op, value: (p: Parameter) => string = () => 'never-created') =>
  pathParams(op).reduce((path, p) => path.replace(`{${p.name}}`, encodeURIComponent(value(p))), op.path);
const bodyTypes = (op: Op) => Object.keys(op.requestBody?.content ?? {});
const isJson = (type: string) => /^application\/([\w.-]+\+)?json$/.test(type);
const firstExample = (op: Op) => Object.values(op.requestBody?.content['application/json']?.examples ?? {})[0]?.value;

const SMALL_LIMIT = 16 * 1024;

let t: TestContext;
let token: string;

beforeAll(async () => {
  // Small body limits, so that a body over them is cheap to send; the public form's own limit is 32 KB.
  t = await createTestContext({ MAX_BODY_BYTES: String(SMALL_LIMIT), EMAIL_MAX_BYTES: String(SMALL_LIMIT) });
  token = await t.token('admin-1', 'admin');
});

async function expectProblem(res: Response, status: number) {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const problem = (await res.json()) as { status: number; code: string };
  expect({ status: res.status, problemStatus: problem.status }).toEqual({ status, problemStatus: status });
  return problem;
}

describe('every staff operation', () => {
  it.each(operations.filter(staff).map((op) => [op.operationId, op] as const))(
    '%s: 401 without a bearer token',
    async (_id, op) => {
      const problem = await expectProblem(await t.request(op.method, pathOf(op)), 401);
      expect(problem.code).toBe('auth.unauthenticated');
    },
  );
});

describe('every operation that takes a body', () => {
  const withBody = operations.filter((op) => bodyTypes(op).length > 0);

  it.each(withBody.map((op) => [op.operationId, op] as const))('%s: 413 for a body over its limit', async (_id, op) => {
    const res = await t.request(op.method, pathOf(op), {
      token,
      headers: { 'content-type': bodyTypes(op)[0]! },
      body: 'x'.repeat(40 * 1024),
    });
    expect((await expectProblem(res, 413)).code).toBe('request.too_large');
  });

  const json = withBody.filter((op) => bodyTypes(op).every(isJson));
  it.each(json.map((op) => [op.operationId, op] as const))('%s: 415 for a body that is not JSON', async (_id, op) => {
    const res = await t.request(op.method, pathOf(op), {
      token,
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect((await expectProblem(res, 415)).code).toBe('request.unsupported_media_type');
  });

  it.each(json.map((op) => [op.operationId, op] as const))('%s: 400 for JSON that does not parse', async (_id, op) => {
    const res = await t.request(op.method, pathOf(op), {
      token,
      headers: { 'content-type': 'application/json' },
      body: '{"unfinished": ',
    });
    expect((await expectProblem(res, 400)).code).toBe('request.malformed');
  });
});

describe('every operation with a bounded path parameter', () => {
  const bounded = operations.filter((op) => pathParams(op).some((p) => p.schema.maxLength) && documents(op, 400));
  it.each(bounded.map((op) => [op.operationId, op] as const))('%s: 400 for an id over its length', async (_id, op) => {
    const tooLong = pathOf(op, (p) => 'x'.repeat((p.schema.maxLength ?? 8) + 1));
    const problem = await expectProblem(await t.request(op.method, tooLong, { token }), 400);
    expect(problem.code).toBe('request.invalid');
  });
});

describe('every read of one thing by id', () => {
  const reads = operations.filter(
    (op) =>
      op.method === 'GET' &&
      staff(op) &&
      pathParams(op).length > 0 &&
      !(op.parameters ?? []).some((p) => p.in !== 'path' && p.required) &&
      documents(op, 404),
  );
  it.each(reads.map((op) => [op.operationId, op] as const))('%s: 404 for an id nothing has', async (_id, op) => {
    const problem = await expectProblem(await t.request(op.method, pathOf(op), { token }), 404);
    expect(problem.code).toMatch(/\.not_found$/);
  });
});

describe('every paginated list', () => {
  const lists = operations.filter((op) => (op.parameters ?? []).some((p) => p.in === 'query' && p.name === 'limit'));
  it.each(lists.map((op) => [op.operationId, op] as const))('%s: 400 for a page size out of range', async (_id, op) => {
    const res = await t.request(op.method, `${pathOf(op)}?limit=0`, { token });
    const problem = await expectProblem(res, 400);
    expect(problem.code).toBe('request.invalid');
  });
});

describe('every change to one thing by id, sent as its documented example', () => {
  const writes = operations.filter(
    (op) => staff(op) && pathParams(op).length > 0 && firstExample(op) !== undefined && documents(op, 404),
  );
  it.each(writes.map((op) => [op.operationId, op] as const))('%s: 404 for an id nothing has', async (_id, op) => {
    const res = await t.request(op.method, pathOf(op), {
      token,
      json: firstExample(op),
      headers: { 'if-match': '"1"' },
    });
    const problem = await expectProblem(res, 404);
    expect(problem.code).toMatch(/\.not_found$/);
  });
});
