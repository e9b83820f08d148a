import { afterAll, afterEach } from 'vitest';
import { takeViolations } from './contract-hook';

/** A response that does not match the contract fails the test that received it (contract-hook.ts). */
function failOnDrift() {
  const drifts = takeViolations();
  if (drifts.length === 0) return;
  throw new Error(
    `${drifts.length} response(s) do not match packages/api/openapi.json ` +
      `(fix the route's declared responses or what it answers, then npm run openapi):\n- ${drifts.join('\n- ')}`,
  );
}

afterEach(failOnDrift);
// Requests made in beforeAll/afterAll hooks.
afterAll(failOnDrift);
