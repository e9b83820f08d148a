import { beforeAll, describe, expect, it } from 'vitest';
import type { Opportunity } from '@cc/core';
import { createTestContext, type TestContext } from '../support/harness';
import {
  customerItems,
  inboxFor,
  openedAs,
  problem,
  seedCustomer,
  seedPeople,
  terms,
  tokenOf,
} from './opportunities-support';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  await seedPeople(t);
});

const as = async (userId: string, method: string, path: string, json?: unknown, headers: Record<string, string> = {}) =>
  t.request(method, path, { token: await tokenOf(t, userId), json, headers });

const moveStage = (userId: string, id: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  as(userId, 'POST', `/opportunities/${id}/stage`, body, headers);

describe('opening opportunities', () => {
  it('opens a new-customer opportunity from a prospect, owned by the caller', async () => {
    const opp = await openedAs(
      t,
      'mgr-2',
      terms({ prospect: { name: 'Gao Yan', phone: '13800138001' }, expectedAmount: 120000.5 }),
    );
    expect(opp).toMatchObject({
      customerId: null,
      prospect: { name: 'Gao Yan', phone: '+8613800138001' },
      ownerId: 'mgr-2',
      stage: 'new',
      source: { kind: 'direct' },
      expectedAmount: 120000.5,
    });
    const read = await as('mgr-2', 'GET', `/opportunities/${opp.id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');
  });

  it("opens one from a customer's record, owned by the customer's primary manager, with the 360 mirror", async () => {
    const customer = await seedCustomer(t);
    const opp = await openedAs(t, 'sup-1', terms({ title: 'Gold plan' }), `/customers/${customer.id}/opportunities`);
    expect(opp).toMatchObject({
      customerId: customer.id,
      ownerId: 'mgr-1',
      supervisorId: 'sup-1',
      teamId: 'T-1',
      source: { kind: 'customer_record' },
    });
    expect((await customerItems(t, customer.id, 'OPENOPP#')).map((m) => [m.opportunityId, m.stage])).toEqual([
      [opp.id, 'new'],
    ]);
  });

  it('answers bad input with field errors, and hides customers outside scope', async () => {
    const neither = await as('mgr-1', 'POST', '/opportunities', terms());
    expect(neither.status).toBe(400);
    expect((await problem(neither)).errors?.map((e) => e.path)).toContain('customerId');
    const unknownOwner = await as(
      'mgr-1',
      'POST',
      '/opportunities',
      terms({ prospect: { name: 'X' }, ownerId: 'nobody' }),
    );
    expect(unknownOwner.status).toBe(400);
    expect((await problem(unknownOwner)).errors).toEqual([
      { path: 'ownerId', message: 'nobody is not an active manager or supervisor of branch BR-001' },
    ]);
    const customer = await seedCustomer(t);
    const outside = await as('mgr-3', 'POST', `/customers/${customer.id}/opportunities`, terms());
    expect(outside.status).toBe(404);
    expect((await problem(outside)).code).toBe('customer.not_found');
  });

  it('creates once per Idempotency-Key', async () => {
    const body = terms({ prospect: { name: 'Once Only' } });
    const headers = { 'idempotency-key': 'open-once-1' };
    const [a, b] = [
      await as('mgr-1', 'POST', '/opportunities', body, headers),
      await as('mgr-1', 'POST', '/opportunities', body, headers),
    ];
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(((await b.json()) as Opportunity).id).toBe(((await a.json()) as Opportunity).id);
  });
});

describe('reading scope', () => {
  it('lets the team, supervisors, teammates and the customer’s managers read; hides it from others', async () => {
    const customer = await seedCustomer(t, { primaryManagerId: 'mgr-3', assistingManagerIds: ['pm-2'] });
    const opp = await openedAs(
      t,
      'mgr-3',
      terms({ collaboratorIds: ['pm-1'] }),
      `/customers/${customer.id}/opportunities`,
    );
    for (const reader of ['mgr-3', 'pm-1', 'pm-2', 'sup-1'])
      expect((await as(reader, 'GET', `/opportunities/${opp.id}`)).status, reader).toBe(200);
    for (const outsider of ['mgr-1', 'agent-1']) {
      const res = await as(outsider, 'GET', `/opportunities/${opp.id}`);
      expect(res.status, outsider).toBe(404);
      expect((await problem(res)).code).toBe('opportunity.not_found');
    }
    const collaboratorChange = await moveStage('pm-1', opp.id, { stage: 'qualified' });
    expect(collaboratorChange.status).toBe(403);
  });
});

describe('stages', () => {
  it(
    'moves through the pipeline with history, ' + 'refuses illegal moves listing the allowed ones, and closes for good',
    async () => {
      const opp = await openedAs(t, 'mgr-1', terms({ prospect: { name: 'Pipeline Walk' } }));
      const skip = await moveStage('mgr-1', opp.id, { stage: 'proposal' });
      expect(skip.status).toBe(409);
      const refused = await problem(skip);
      expect(refused.code).toBe('opportunity.invalid_transition');
      expect(refused.allowed).toEqual(['qualified', 'lost']);

      for (const stage of ['qualified', 'proposal', 'qualified', 'proposal', 'negotiation']) {
        const res = await moveStage('mgr-1', opp.id, { stage, note: `to ${stage}` });
        expect(res.status, stage).toBe(200);
      }
      const noReason = await moveStage('sup-1', opp.id, { stage: 'lost' });
      expect(noReason.status).toBe(400);
      expect((await problem(noReason)).errors?.map((e) => e.path)).toEqual(['lostReason']);

      const lost = await moveStage(
        'sup-1',
        opp.id,
        { stage: 'lost', lostReason: 'went to a competitor' },
        { 'if-match': '"6"' },
      );
      expect(lost.status).toBe(200);
      expect(await lost.json()).toMatchObject({ stage: 'lost', lostReason: 'went to a competitor', version: 7 });
      expect((await problem(await moveStage('mgr-1', opp.id, { stage: 'new' }))).allowed).toEqual([]);

      const history = (await (await as('mgr-1', 'GET', `/opportunities/${opp.id}/history`)).json()) as {
        stageChanges: { from: string | null; to: string; actor: { id: string }; at: string }[];
      };
      expect(history.stageChanges.map((s) => `${s.from}>${s.to}@${s.actor.id}`)).toEqual([
        'null>new@mgr-1',
        'new>qualified@mgr-1',
        'qualified>proposal@mgr-1',
        'proposal>qualified@mgr-1',
        'qualified>proposal@mgr-1',
        'proposal>negotiation@mgr-1',
        'negotiation>lost@sup-1',
      ]);
      expect(history.stageChanges.every((s) => !Number.isNaN(Date.parse(s.at)))).toBe(true);
    },
  );

  it('drops the 360 mirror when won, and refuses a stale If-Match', async () => {
    const customer = await seedCustomer(t);
    const opp = await openedAs(t, 'mgr-1', terms(), `/customers/${customer.id}/opportunities`);
    const stale = await moveStage('mgr-1', opp.id, { stage: 'qualified' }, { 'if-match': '"9"' });
    expect(stale.status).toBe(409);
    expect((await problem(stale)).code).toBe('opportunity.stale');
    for (const stage of ['qualified', 'proposal', 'negotiation', 'won'])
      expect((await moveStage('mgr-1', opp.id, { stage })).status).toBe(200);
    expect(await customerItems(t, customer.id, 'OPENOPP#')).toHaveLength(0);
    const patch = await as('mgr-1', 'PATCH', `/opportunities/${opp.id}`, { expectedAmount: 1 }, { 'if-match': '"5"' });
    expect(patch.status).toBe(409);
    expect((await problem(patch)).code).toBe('opportunity.closed');
  });
});

describe('PATCH /opportunities/{id}', () => {
  it(
    'needs If-Match, refuses stale versions, ' + 'and changes amount, close date, collaborators and next step',
    async () => {
      const opp = await openedAs(t, 'mgr-1', terms({ prospect: { name: 'Patch Me' } }));
      const path = `/opportunities/${opp.id}`;
      expect((await as('mgr-1', 'PATCH', path, { expectedAmount: 1 })).status).toBe(428);
      // A stage move may leave If-Match out, but not send one that names no version.
      expect((await moveStage('mgr-1', opp.id, { stage: 'qualified' }, { 'if-match': 'latest' })).status).toBe(400);
      const change = {
        expectedAmount: 750000,
        expectedCloseDate: '2026-11-15',
        collaboratorIds: ['pm-2', 'mgr-1'],
        nextStep: { at: '2026-08-01T09:00:00+08:00', description: 'Send the proposal' },
      };
      const ok = await as('mgr-1', 'PATCH', path, change, { 'if-match': '"1"' });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('etag')).toBe('"2"');
      expect(await ok.json()).toMatchObject({
        expectedAmount: 750000,
        expectedCloseDate: '2026-11-15',
        collaboratorIds: ['pm-2'],
        nextStep: { description: 'Send the proposal' },
        version: 2,
      });
      const stale = await as('mgr-1', 'PATCH', path, { expectedAmount: 2 }, { 'if-match': '"1"' });
      expect(stale.status).toBe(409);
      expect((await problem(stale)).code).toBe('opportunity.stale');
      const badDate = await as(
        'mgr-1',
        'PATCH',
        path,
        { expectedCloseDate: '2026-02-30', ownerId: 'x' },
        { 'if-match': '"2"' },
      );
      expect(badDate.status).toBe(400);
    },
  );
});

describe('activities', () => {
  it('records follow-ups by the team and moves the next step', async () => {
    const opp = await openedAs(t, 'mgr-1', terms({ prospect: { name: 'Follow Up' }, collaboratorIds: ['pm-1'] }));
    const res = await as('pm-1', 'POST', `/opportunities/${opp.id}/activities`, {
      type: 'visit',
      note: 'Met at the branch',
      nextStep: { at: '2026-07-01T10:00:00Z', description: 'Call back' },
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { opportunity: Opportunity };
    expect(body.opportunity).toMatchObject({
      nextStep: { at: '2026-07-01T10:00:00Z', description: 'Call back' },
      version: 2,
    });
    expect((await as('pm-1', 'POST', `/opportunities/${opp.id}/activities`, { type: 'fax', note: 'x' })).status).toBe(
      400,
    );
    expect((await as('mgr-3', 'POST', `/opportunities/${opp.id}/activities`, { type: 'call', note: 'x' })).status).toBe(
      404,
    );
    const history = (await (await as('sup-1', 'GET', `/opportunities/${opp.id}/history`)).json()) as {
      activities: { type: string; actor: { id: string } }[];
    };
    expect(history.activities.map((a) => [a.type, a.actor.id])).toEqual([['visit', 'pm-1']]);
  });
});

describe('the 1+N team is notified exactly once per event', () => {
  const team = ['mgr-2', 'pm-1', 'pm-2', 'sup-1'];

  it(
    'on creation, on each stage change ' + 'and on an overdue next step (once, however often the sweeper runs)',
    async () => {
      const dueAt = new Date(Date.now() - 3_600_000).toISOString();
      // The owner is also listed as a collaborator, and sup-1 is both the owner's supervisor and a collaborator.
      const opp = await openedAs(
        t,
        'mgr-2',
        terms({
          prospect: { name: 'Team Event' },
          collaboratorIds: ['pm-1', 'pm-2', 'mgr-2', 'sup-1'],
          nextStep: { at: dueAt, description: 'Call the prospect' },
        }),
      );
      for (const member of team)
        expect(await inboxFor(t, member, opp.id, 'opportunity_created'), member).toHaveLength(1);

      expect((await moveStage('mgr-2', opp.id, { stage: 'qualified' })).status).toBe(200);
      expect((await moveStage('mgr-2', opp.id, { stage: 'proposal' })).status).toBe(200);
      for (const member of team)
        expect(await inboxFor(t, member, opp.id, 'opportunity_stage_changed'), member).toHaveLength(2);

      const sweeper = t.services.opportunities;
      const now = new Date();
      const runs = await Promise.all([sweeper.notifyOverdueNextSteps(now), sweeper.notifyOverdueNextSteps(now)]);
      await sweeper.notifyOverdueNextSteps(new Date());
      expect(runs.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
      for (const member of team)
        expect(await inboxFor(t, member, opp.id, 'opportunity_overdue'), member).toHaveLength(1);
      for (const outsider of ['mgr-1', 'mgr-3']) expect(await inboxFor(t, outsider, opp.id), outsider).toHaveLength(0);

      const read = (await (await as('mgr-2', 'GET', `/opportunities/${opp.id}`)).json()) as Opportunity;
      expect(read.nextStep?.overdueNotifiedAt).toBeDefined();
    },
  );

  it(
    'tells a collaborator added later that they joined, once; ' +
      'not the rest of the team, nor the one who added them',
    async () => {
      const opp = await openedAs(t, 'mgr-2', terms({ prospect: { name: 'Joined Later' }, collaboratorIds: ['pm-1'] }));
      const path = `/opportunities/${opp.id}`;
      expect(
        (await as('mgr-2', 'PATCH', path, { collaboratorIds: ['pm-1', 'pm-2', 'mgr-2'] }, { 'if-match': '"1"' }))
          .status,
      ).toBe(200);
      expect(
        (
          await as(
            'mgr-2',
            'PATCH',
            path,
            { collaboratorIds: ['pm-1', 'pm-2'], expectedAmount: 5 },
            { 'if-match': '"2"' },
          )
        ).status,
      ).toBe(200);
      expect(await inboxFor(t, 'pm-2', opp.id, 'opportunity_team_joined')).toHaveLength(1);
      for (const member of ['pm-1', 'mgr-2', 'sup-1'])
        expect(await inboxFor(t, member, opp.id, 'opportunity_team_joined'), member).toHaveLength(0);
      // A supervisor adding themselves is not told what they just did.
      expect(
        (await as('sup-1', 'PATCH', path, { collaboratorIds: ['pm-1', 'pm-2', 'sup-1'] }, { 'if-match': '"3"' }))
          .status,
      ).toBe(200);
      expect(await inboxFor(t, 'sup-1', opp.id, 'opportunity_team_joined')).toHaveLength(0);
    },
  );

  it('reports a new next step again once it is overdue, but not future or closed ones', async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const due = await openedAs(
      t,
      'pm-1',
      terms({ prospect: { name: 'Due Twice' }, nextStep: { at: past, description: 'first' } }),
    );
    const later = await openedAs(
      t,
      'pm-1',
      terms({ prospect: { name: 'Not Yet' }, nextStep: { at: future, description: 'later' } }),
    );
    const closed = await openedAs(
      t,
      'pm-1',
      terms({ prospect: { name: 'Closed' }, nextStep: { at: past, description: 'never' } }),
    );
    expect((await moveStage('pm-1', closed.id, { stage: 'lost', lostReason: 'no budget' })).status).toBe(200);

    const sweeper = t.services.opportunities;
    await sweeper.notifyOverdueNextSteps(new Date());
    const current = (await (await as('pm-1', 'GET', `/opportunities/${due.id}`)).json()) as Opportunity;
    const moved = await as(
      'pm-1',
      'PATCH',
      `/opportunities/${due.id}`,
      { nextStep: { at: new Date(Date.now() - 1000).toISOString(), description: 'second' } },
      { 'if-match': `"${current.version}"` },
    );
    expect(moved.status).toBe(200);
    await sweeper.notifyOverdueNextSteps(new Date());
    expect(await inboxFor(t, 'pm-1', due.id, 'opportunity_overdue')).toHaveLength(2);
    expect(await inboxFor(t, 'pm-1', later.id, 'opportunity_overdue')).toHaveLength(0);
    expect(await inboxFor(t, 'pm-1', closed.id, 'opportunity_overdue')).toHaveLength(0);
  });
});
