import { beforeAll, describe, expect, it } from 'vitest';
import type { Opportunity, Team } from '@cc/core';
import { seedDemoData } from '@cc/local/seed';
import { userRepository, type User } from '@cc/store';
import { createTestContext, type TestContext } from '../support/harness';
import { problem } from './customers-support';

// Teams are real: listed, read, changed, disbanded; a team's pipeline holds every member's opportunities,
// those from before they joined included, and none of those who left.
let t: TestContext;
const token = (id: string, role: 'manager' | 'supervisor' = 'manager') => t.token(id, role, 'BR-001');
const people: User[] = ['tm-lead', 'tm-a', 'tm-b'].map((id) => ({
  id,
  name: id,
  role: 'manager',
  branchId: 'BR-001',
  notifyVia: 'inbox',
}));

beforeAll(async () => {
  t = await createTestContext();
  await seedDemoData(t.services);
  await Promise.all(people.map((p) => userRepository(t.deps.store).put(p)));
});

async function opportunityOf(ownerId: string) {
  const res = await t.request('POST', '/opportunities', {
    token: await token(ownerId),
    json: {
      prospect: { name: `Prospect of ${ownerId}` },
      productCode: 'WM-GOLD-90',
      expectedAmount: 100000,
      currency: 'CNY',
      expectedCloseDate: '2026-12-31',
    },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Opportunity;
}

const teamPipeline = async (userId: string) => {
  const res = await t.request('GET', '/opportunities?view=team&limit=100', { token: await token(userId) });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { items: Opportunity[] }).items.map((o) => o.id);
};

describe('teams', () => {
  it('the seeded TEAM-1 exists and is listed for its branch', async () => {
    const res = await t.request('GET', '/teams/TEAM-1', { token: await token('mgr-2') });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: 'TEAM-1', leaderId: 'mgr-1', memberIds: ['mgr-2'] });
    const list = (await (await t.request('GET', '/teams', { token: await token('sup-1', 'supervisor') })).json()) as {
      items: Team[];
    };
    expect(list.items.map((team) => team.id)).toContain('TEAM-1');
  });

  it("counts every member's opportunities, from before the team was formed and after it changed", async () => {
    const leaders = await opportunityOf('tm-lead');
    const memberA = await opportunityOf('tm-a');
    const formed = await t.request('POST', '/teams', {
      token: await token('sup-1', 'supervisor'),
      json: { name: 'Harbour district', leaderId: 'tm-lead', memberIds: ['tm-a'] },
    });
    expect(formed.status, await formed.clone().text()).toBe(201);
    const team = (await formed.json()) as Team;
    expect(await teamPipeline('tm-lead')).toEqual(expect.arrayContaining([leaders.id, memberA.id]));
    const afterForming = await opportunityOf('tm-a');
    expect(await teamPipeline('tm-lead')).toContain(afterForming.id);

    // tm-b joins with an opportunity of their own; tm-a leaves and takes theirs along.
    const memberB = await opportunityOf('tm-b');
    const changed = await t.request('PATCH', `/teams/${team.id}`, {
      token: await token('sup-1', 'supervisor'),
      json: { memberIds: ['tm-b'] },
      headers: { 'if-match': `"${team.version}"` },
    });
    expect(changed.status, await changed.clone().text()).toBe(200);
    const pipeline = await teamPipeline('tm-b');
    expect(pipeline).toEqual(expect.arrayContaining([leaders.id, memberB.id]));
    expect(pipeline).not.toContain(memberA.id);
    expect((await userRepository(t.deps.store).get('tm-a'))?.teamId).toBeUndefined();

    // Someone on another team is refused until they leave it.
    const taken = await t.request('PATCH', `/teams/${team.id}`, {
      token: await token('sup-1', 'supervisor'),
      json: { memberIds: ['tm-b', 'mgr-2'] },
    });
    expect(taken.status).toBe(409);
    expect((await problem(taken)).code).toBe('team.member_conflict');

    const disbanded = await t.request('DELETE', `/teams/${team.id}`, { token: await token('sup-1', 'supervisor') });
    expect(disbanded.status).toBe(204);
    expect((await t.request('GET', `/teams/${team.id}`, { token: await token('tm-lead') })).status).toBe(404);
    expect((await userRepository(t.deps.store).get('tm-lead'))?.teamId).toBeUndefined();
    const noTeam = await t.request('GET', '/opportunities?view=team', { token: await token('tm-lead') });
    expect(noTeam.status).toBe(400);
  });

  it('only supervisors change teams', async () => {
    const res = await t.request('PATCH', '/teams/TEAM-1', { token: await token('mgr-1'), json: { name: 'Mine now' } });
    expect(res.status).toBe(403);
  });
});
