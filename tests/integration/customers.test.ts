import { beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/harness';
import { createCustomer, problem, staffTokens, uniqueContact, type Tokens } from './customers-support';

let t: TestContext;
let tk: Tokens;
beforeAll(async () => {
  t = await createTestContext();
  tk = await staffTokens(t);
});

describe('identity uniqueness', () => {
  it('lets exactly one of two concurrent creates with the same phone win', async () => {
    const { phone } = uniqueContact();
    const attempt = () =>
      t.request('POST', '/customers', {
        token: tk.admin,
        json: {
          customerNumber: uniqueContact().number,
          name: 'Twin',
          type: 'individual',
          contactPoints: [{ kind: 'phone', value: phone }],
        },
      });
    const results = await Promise.all([attempt(), attempt()]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409]);
    const loser = results.find((r) => r.status === 409)!;
    expect((await problem(loser)).code).toBe('customer.identity_taken');
    const winner = (await results.find((r) => r.status === 201)!.json()) as { id: string };
    const lookup = (await (
      await t.request('GET', `/customers?phone=${encodeURIComponent(phone)}`, { token: tk.admin })
    ).json()) as { items: { id: string }[] };
    expect(lookup.items.map((c) => c.id)).toEqual([winner.id]);
  });
});

describe('scope', () => {
  let customer: Awaited<ReturnType<typeof createCustomer>>;
  beforeAll(async () => {
    customer = await createCustomer(t, tk.admin, {
      level: 'vip',
      primaryManagerId: 'mgr-1',
      figures: { aum: 1_200_000, creditRating: 'AA' },
      notes: 'prefers mornings',
    });
  });

  it("answers 404 to a manager asking for another manager's customer", async () => {
    const res = await t.request('GET', `/customers/${customer.id}`, { token: tk.mgr2 });
    expect(res.status).toBe(404);
    expect((await problem(res)).code).toBe('customer.not_found');
  });

  it('answers 404 to a supervisor of another branch', async () => {
    expect((await t.request('GET', `/customers/${customer.id}`, { token: tk.sup2 })).status).toBe(404);
  });

  it('gives the manager the full profile and an agent the reduced one', async () => {
    const full = (await (await t.request('GET', `/customers/${customer.id}`, { token: tk.mgr1 })).json()) as Record<
      string,
      unknown
    >;
    expect(full.figures).toMatchObject({ aum: 1_200_000 });
    expect(full.notes).toBe('prefers mornings');
    const res = await t.request('GET', `/customers/${customer.id}`, { token: tk.agent });
    expect(res.status).toBe(200);
    const reduced = (await res.json()) as Record<string, unknown>;
    expect(reduced.name).toBe('Test Customer');
    expect(reduced).not.toHaveProperty('figures');
    expect(reduced).not.toHaveProperty('notes');
  });
});

describe('updates', () => {
  let customer: Awaited<ReturnType<typeof createCustomer>>;
  beforeAll(async () => {
    customer = await createCustomer(t, tk.admin, { primaryManagerId: 'mgr-1' });
  });
  const patch = (json: unknown, token: string, etag: string | undefined = customer.etag) =>
    t.request('PATCH', `/customers/${customer.id}`, { token, json, headers: etag ? { 'if-match': etag } : {} });

  it.each([
    ['level', 'vip'],
    ['primaryManagerId', 'mgr-2'],
    ['version', 9],
    ['createdAt', '2020-01-01T00:00:00Z'],
  ])('refuses %s in a PATCH with 400', async (field, value) => {
    const res = await patch({ [field]: value }, tk.mgr1);
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe('request.invalid');
  });

  it('refuses figures set by a manager with 403', async () => {
    const res = await patch({ figures: { aum: 5 } }, tk.mgr1);
    expect(res.status).toBe(403);
    expect((await problem(res)).code).toBe('customer.field_forbidden');
  });

  it('requires If-Match (428)', async () => {
    const res = await patch({ name: 'No Precondition' }, tk.mgr1, '');
    expect(res.status).toBe(428);
    expect((await problem(res)).code).toBe('request.precondition_required');
  });

  it('applies a fresh If-Match and refuses the stale one afterwards (409 customer.stale)', async () => {
    const ok = await patch({ name: 'Renamed' }, tk.mgr1);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).not.toBe(customer.etag);
    expect(((await ok.json()) as { name: string }).name).toBe('Renamed');
    const stale = await patch({ name: 'Lost Update' }, tk.mgr1);
    expect(stale.status).toBe(409);
    expect((await problem(stale)).code).toBe('customer.stale');
    const now = (await (await t.request('GET', `/customers/${customer.id}`, { token: tk.mgr1 })).json()) as {
      name: string;
    };
    expect(now.name).toBe('Renamed');
  });
});

describe('pagination cursors', () => {
  beforeAll(async () => {
    for (const name of ['Pagel Alpha', 'Pagel Beta', 'Pagel Gamma'])
      await createCustomer(t, tk.admin, { name, primaryManagerId: 'mgr-3' });
  });

  async function allPages(path: string, token: string) {
    const seen: string[] = [];
    const cursors: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.request('GET', `${path}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
        token,
      });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: { id?: string; customerId?: string }[]; nextCursor: string | null };
      seen.push(...page.items.map((i) => (i.id ?? i.customerId)!));
      cursor = page.nextCursor;
      if (cursor) cursors.push(cursor);
    } while (cursor);
    return { seen, cursors };
  }

  it('pages a name search with opaque cursors, without gaps or repeats', async () => {
    const { seen, cursors } = await allPages('/customers?q=pagel', tk.sup1);
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(3);
    expect(cursors.length).toBeGreaterThan(0);
    for (const c of cursors) expect(c).not.toMatch(/CUST#|BRANCH#|pagel/i);
  });

  it('pages the manager book', async () => {
    const { seen } = await allPages('/me/customers?role=primary', tk.mgr3);
    expect(seen).toHaveLength(3);
  });

  it('refuses a tampered cursor with 400 request.cursor_invalid (name search and book)', async () => {
    const first = (await (await t.request('GET', '/customers?q=pagel&limit=1', { token: tk.sup1 })).json()) as {
      nextCursor: string;
    };
    const [payload, mac] = first.nextCursor.split('.');
    const forged = Buffer.from(
      JSON.stringify({ pk: 'CUST#x', sk: 'PROFILE', gsi1pk: 'BRANCH#BR-001#NAME', gsi1sk: 'pagel z' }),
    ).toString('base64url');
    for (const bad of [`${forged}.${mac}`, `${payload}.${mac}x`, 'garbage']) {
      const res = await t.request('GET', `/customers?q=pagel&cursor=${encodeURIComponent(bad)}`, { token: tk.sup1 });
      expect(res.status).toBe(400);
      expect((await problem(res)).code).toBe('request.cursor_invalid');
    }
    const book = (await (await t.request('GET', '/me/customers?limit=1', { token: tk.mgr3 })).json()) as {
      nextCursor: string;
    };
    const tampered = book.nextCursor.slice(0, -2) + (book.nextCursor.endsWith('A') ? 'BB' : 'AA');
    const res = await t.request('GET', `/me/customers?cursor=${encodeURIComponent(tampered)}`, { token: tk.mgr3 });
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe('request.cursor_invalid');
    // A cursor minted for the name search is not accepted by the book either.
    const crossed = await t.request('GET', `/me/customers?cursor=${encodeURIComponent(first.nextCursor)}`, {
      token: tk.mgr3,
    });
    expect((await problem(crossed)).code).toBe('request.cursor_invalid');
  });
});

describe('idempotent create', () => {
  it('replays the same key and body, and refuses the same key with another body (422)', async () => {
    const { number, phone } = uniqueContact();
    const body = {
      customerNumber: number,
      name: 'Idem Potent',
      type: 'individual',
      contactPoints: [{ kind: 'phone', value: phone }],
    };
    const send = (json: unknown) =>
      t.request('POST', '/customers', { token: tk.mgr1, json, headers: { 'idempotency-key': `key-${number}` } });
    const first = await send(body);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await send(body);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
    const other = await send({ ...body, name: 'Someone Else' });
    expect(other.status).toBe(422);
    expect((await problem(other)).code).toBe('idempotency.key_reused');
  });
});
