import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { publicEdgeRoutes as appPublicEdgeRoutes, staffRoutes, type AppHttpDeps, type AppServices } from '@cc/api';
import { consoleRoutes, publicEdgeRoutes, publicRoutes } from '../../infra/constructs/api';
import { fromRoot } from '../../infra/paths';

/**
 * The HTTP API lets a request through without a JWT only on the stack's public routes; the app declares
 * which of its operations need no staff token. The two must agree, or a public route is refused by the
 * authorizer (or a staff route skips it).
 */
const document = JSON.parse(readFileSync(fromRoot('packages/api/openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, { security: { bearer?: string[] }[] }>>;
};

const matchesGatewayRoute = (path: string, pattern: string) =>
  pattern.endsWith('/{proxy+}') ? path.startsWith(pattern.slice(0, -'{proxy+}'.length)) : path === pattern;
const servedWithoutJwt = (method: string, path: string) =>
  [...publicRoutes, ...consoleRoutes].some(
    (r) => matchesGatewayRoute(path, r.path) && r.methods.some((m) => m === 'ANY' || m === method.toUpperCase()),
  );

describe('routes without a staff token', () => {
  const operations = Object.entries(document.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method, path, staff: op.security.some((s) => 'bearer' in s) })),
  );

  it('every operation that needs no staff token is served without the JWT authorizer', () => {
    const blocked = operations.filter((o) => !o.staff && !servedWithoutJwt(o.method, o.path));
    expect(blocked).toEqual([]);
  });

  it('every staff operation goes through the JWT authorizer', () => {
    const open = operations.filter((o) => o.staff && servedWithoutJwt(o.method, o.path));
    expect(open).toEqual([]);
  });
});

describe('the staff console', () => {
  it('is served without the JWT authorizer (its pages check their own session) and is not in the API contract', () => {
    for (const [method, path] of [
      ['GET', '/console'],
      ['GET', '/console/home'],
      ['POST', '/console/cases/C-1/status'],
    ] as const) {
      expect(servedWithoutJwt(method, path), `${method} ${path}`).toBe(true);
    }
    expect(Object.keys(document.paths).filter((p) => p.startsWith('/console'))).toEqual([]);
  });
});

describe('the public edge', () => {
  // The route factories only build handlers: given no services, nothing runs.
  const specs = (routes: typeof staffRoutes | typeof appPublicEdgeRoutes) =>
    routes({} as AppServices, {} as AppHttpDeps).map((r) => r.spec);
  const toPublicEdge = (method: string, path: string) =>
    publicEdgeRoutes.some(
      (r) => matchesGatewayRoute(path, r.path) && r.methods.some((m) => m === 'ANY' || m === method.toUpperCase()),
    );

  it("sends every route the public function serves to it, and none of the staff API's", () => {
    expect(specs(appPublicEdgeRoutes).filter((spec) => !toPublicEdge(spec.method, spec.path))).toEqual([]);
    expect(specs(staffRoutes).filter((spec) => toPublicEdge(spec.method, spec.path))).toEqual([]);
  });

  it('serves only routes that need no staff token', () => {
    expect(specs(appPublicEdgeRoutes).filter((spec) => spec.auth === 'bearer')).toEqual([]);
  });
});
