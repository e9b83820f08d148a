import { beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/harness';
import { staffTokens, type Tokens } from './customers-support';

/** Closing and reopening a customer relationship, through the typed client (@cc/client). */
let t: TestContext;
let tk: Tokens;
beforeAll(async () => {
  t = await createTestContext();
  tk = await staffTokens(t);
});

describe('POST /customers/{id}/close and /reopen', () => {
  it('close the relationship with a reason, reopen it, and keep both in the history', async () => {
    const supervisor = t.client(tk.sup1);
    const created = await supervisor.POST('/customers', {
      body: { customerNumber: 'ST-0001', name: 'Sun Li', type: 'individual', level: 'standard' },
    });
    expect(created.response.status).toBe(201);
    const id = created.data!.id;

    const closed = await supervisor.POST('/customers/{id}/close', {
      params: { path: { id } },
      body: { reason: 'Moved the accounts abroad' },
    });
    expect(closed.response.status).toBe(200);
    expect(closed.data).toMatchObject({ id, status: 'closed', version: created.data!.version + 1 });

    const reopened = await supervisor.POST('/customers/{id}/reopen', {
      params: { path: { id } },
      body: { reason: 'Came back for a mortgage' },
    });
    expect(reopened.data).toMatchObject({ id, status: 'active' });

    const history = await supervisor.GET('/customers/{id}/history', { params: { path: { id } } });
    const actions = history.data!.items.map((h) => [h.action, h.details.reason]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ['closed', 'Moved the accounts abroad'],
        ['reopened', 'Came back for a mortgage'],
      ]),
    );
  });

  it('refuses a reason too short to say anything', async () => {
    const supervisor = t.client(tk.sup1);
    const created = await supervisor.POST('/customers', {
      body: { customerNumber: 'ST-0002', name: 'Qian Bo', type: 'individual', level: 'standard' },
    });
    const refused = await supervisor.POST('/customers/{id}/close', {
      params: { path: { id: created.data!.id } },
      body: { reason: 'no' },
    });
    expect(refused.response.status).toBe(400);
    expect(refused.error).toMatchObject({ code: 'request.invalid', errors: [{ path: 'reason' }] });
  });
});
