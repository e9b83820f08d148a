import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedDocument } from './generate';

type Operation = { operationId?: string; security?: unknown[]; tags?: string[]; responses: Record<string, unknown> };
const committed = JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
};
const operations = Object.entries(committed.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({ method, path, op })),
);

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
});
