import { appendFileSync } from 'node:fs';
import { inject } from 'vitest';
import { createContractChecker, loadContract } from './contract';

/**
 * The test hook that holds the app to its contract: every response an app built by the harness gives
 * (through `t.request`, `t.app`, `t.appWith`, or a server over `t.app.fetch`) is checked against
 * packages/api/openapi.json. Drifts are collected here and fail the test that caused them
 * (contract-setup.ts); what was exercised is appended to the run's coverage file (global-setup.ts).
 */
let checker: ReturnType<typeof createContractChecker> | undefined;
const violations: string[] = [];

interface Fetching {
  fetch: (request: Request, ...rest: never[]) => Response | Promise<Response>;
}

/** Replaces the app's fetch (which `app.request` goes through too) with a checked one. */
export function holdToContract<A extends Fetching>(app: A): A {
  const fetch = app.fetch;
  app.fetch = async (request: Request, ...rest: never[]) => {
    const response = await fetch(request, ...rest);
    checker ??= createContractChecker(loadContract());
    const { exercised, violation } = checker.check({
      method: request.method,
      url: request.url,
      status: response.status,
      contentType: response.headers.get('content-type'),
      body: await response.clone().text(),
    });
    if (violation) violations.push(violation);
    if (exercised) appendFileSync(inject('contractCoverageFile'), `${exercised.operationId} ${exercised.status}\n`);
    return response;
  };
  return app;
}

/** The drifts seen since the last call. */
export function takeViolations(): string[] {
  return violations.splice(0);
}
