import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { ConflictError, DependencyUnavailableError } from '@cc/core';
import { idempotencyClaim, transact, withIdempotency, type IdempotencyClaim } from '@cc/store';
import { createTestContext, type TestContext } from '../support/harness';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});

const newClaim = (): IdempotencyClaim =>
  idempotencyClaim('test', `key-${randomBytes(6).toString('hex')}`, { ask: 'convert' }, new Date(), 3600);

/** The winner of a race: commits its answer under the claim, as a concurrent copy of the request would. */
const winner = (claim: IdempotencyClaim) =>
  withIdempotency<{ id: string }>(t.deps.store, claim, async (recordFor) => {
    const response = { status: 201, body: { id: 'opp-1' } };
    await transact(t.deps.store, recordFor(response));
    return response;
  });

describe('a keyed duplicate that reads what the winner just changed', () => {
  it('replays the winner’s answer instead of the refusal the changed state gives it', async () => {
    const claim = newClaim();
    const copy = await withIdempotency<{ id: string }>(
      t.deps.store,
      claim,
      async () => {
        // Looked for a stored answer first (none yet); the winner commits before this copy reads the state.
        await winner(claim);
        throw new ConflictError('case.already_converted', 'The inquiry was converted');
      },
      { replayFirst: true },
    );
    expect(copy).toEqual({ response: { status: 201, body: { id: 'opp-1' } }, replayed: true });
  });

  it('still refuses when no answer is stored under its key', async () => {
    const refused = withIdempotency(t.deps.store, newClaim(), async () => {
      throw new ConflictError('case.already_converted', 'The inquiry was converted');
    });
    await expect(refused).rejects.toMatchObject({ code: 'case.already_converted' });
  });

  it('passes an outage through as it is, without looking for an answer', async () => {
    const claim = newClaim();
    await winner(claim);
    const outage = new DependencyUnavailableError('DynamoDB');
    await expect(withIdempotency(t.deps.store, claim, () => Promise.reject(outage))).rejects.toBe(outage);
  });
});
