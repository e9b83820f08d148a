import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { appRoutes, type AppServices } from '../app';
import type { AppHttpDeps } from '../http/env';
import { route } from '../http/route';
import { version } from '../../package.json';
import { breakingChanges } from './compatibility';
import { openApiDocument } from './document';
import { generatedDocument } from './generate';

type Operation = {
  operationId?: string;
  security?: unknown[];
  tags?: string[];
  deprecated?: boolean;
  responses: Record<string, { headers?: Record<string, unknown> }>;
};
type Contract = { info: { version: string }; paths: Record<string, Record<string, Operation>> };
const read = (file: string) => JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')) as Contract;
const committed = read('openapi.json');
const released = read('openapi.released.json');
const operations = Object.entries(committed.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({ method, path, op })),
);

const semver = (v: string) => v.split('.').map(Number) as [number, number, number];

describe('the OpenAPI document', () => {
  it('is what the route declarations generate (run `npm run openapi` after changing a route)', () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(generatedDocument())));
  });

  it('names every operation once, tags it, and says who may call it', () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { method, path, op } of operations) {
      expect(op.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
      expect(Array.isArray(op.security), `${method} ${path}`).toBe(true);
    }
  });

  it("carries the api package's version", () => {
    expect(committed.info.version).toBe(version);
  });

  it('shows only request examples that the route accepts', () => {
    const specs = appRoutes({} as AppServices, {} as AppHttpDeps).map((r) => r.spec);
    const withExamples = specs.filter((s) => s.body?.examples);
    expect(withExamples.length).toBeGreaterThan(5);
    for (const spec of withExamples) {
      const body = spec.body!;
      const schema = 'json' in body ? body.json : body.own['application/json'];
      expect(schema, `${spec.operationId} has examples but no JSON body`).toBeDefined();
      for (const [name, example] of Object.entries(body.examples!)) {
        const result = schema!.safeParse(example.value);
        expect(result.error?.issues, `${spec.operationId} example ${name}`).toBeUndefined();
      }
    }
  });

  it('marks a deprecated route, and documents the Deprecation and Sunset headers on each of its answers', () => {
    const old = route(
      {
        operationId: 'getLegacyThing',
        method: 'get',
        path: '/legacy',
        tags: ['legacy'],
        summary: 'Replaced by /things',
        auth: 'bearer',
        responses: { 200: { description: 'The thing', json: z.object({ id: z.string() }) } },
        errors: [404],
        deprecated: { since: '2026-03-01', sunset: '2026-09-01' },
      },
      async () => ({ status: 200, body: { id: 'x' } }),
    );
    const doc = openApiDocument([old], { ...committed.info, title: 't', description: 'd', license: { name: 'l' } }, []);
    const op = (doc as unknown as Contract).paths['/legacy']!.get!;
    expect(op.deprecated).toBe(true);
    for (const status of ['200', '401', '404']) {
      expect(Object.keys(op.responses[status]!.headers ?? {}), status).toEqual(['Deprecation', 'Sunset']);
    }
  });
});

describe('the contract against the last released one (packages/api/openapi.released.json, docs/api.md)', () => {
  it('breaks nothing a client relies on, unless the major version is raised', () => {
    const [major] = semver(committed.info.version);
    const [releasedMajor] = semver(released.info.version);
    const changes = breakingChanges(released as never, committed as never);
    if (major > releasedMajor) return;
    expect(changes, `breaking changes against ${released.info.version}: keep them additive or raise the major`).toEqual(
      [],
    );
  });

  it('never goes back in version', () => {
    const [a, b, c] = semver(committed.info.version);
    const [x, y, z] = semver(released.info.version);
    expect(a * 1e6 + b * 1e3 + c).toBeGreaterThanOrEqual(x * 1e6 + y * 1e3 + z);
  });
});
