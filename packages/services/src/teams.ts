import {
  ConflictError,
  ForbiddenError,
  mayInBranch,
  NotFoundError,
  type Caller,
  type Team,
  type TeamInput,
  type TeamPatchInput,
} from '@cc/core';
import {
  isDuplicateClaim,
  TEAM_LABEL,
  teamMembers,
  teamRepository,
  transact,
  TransactionRefused,
  userRepository,
  withIdempotency,
  type IdempotencyClaim,
  type LabelledItem,
  type RecordFor,
} from '@cc/store';
import { assertAssignable } from './assignees';
import type { ServiceContext } from './context';
import { planFollowUp } from './follow-up-plan';
import type { FollowUpService } from './follow-ups';

/**
 * Teams of relationship managers within a branch (the "1+N" team): members' profiles carry the team id, set in
 * the team's transaction. The team pipeline lists opportunities by the team they are filed under, so whenever
 * members join or leave, their opportunities (old ones too) are re-filed under their new team: a follow-up
 * written with the change, done at once, finished by the sweeper if need be.
 */
export function teamService(ctx: ServiceContext, deps: { followUps: FollowUpService }) {
  const teams = teamRepository(ctx.store);
  const users = userRepository(ctx.store);

  const assertMayChange = (caller: Caller, team: { branchId: string }) => {
    if (!mayInBranch(caller, 'formTeam', team)) {
      throw new ForbiddenError("Only the branch's supervisors and admins form and change teams", 'team.forbidden');
    }
  };

  /** Leader and members must be managers (or supervisors) of the branch and on no other team. */
  async function assertMembers(team: Pick<Team, 'id' | 'branchId' | 'leaderId' | 'memberIds'>): Promise<void> {
    const nominees = teamMembers(team).map((id) => ({ id, path: id === team.leaderId ? 'leaderId' : 'memberIds' }));
    const found = await assertAssignable(users, nominees, team.branchId, 'team.invalid');
    const elsewhere = nominees.filter((n) => {
      const on = found.get(n.id)?.teamId;
      return on && on !== team.id;
    });
    if (elsewhere.length) {
      throw new ConflictError(
        'team.member_conflict',
        `${elsewhere.map((n) => `${n.id} is on team ${found.get(n.id)!.teamId}`).join('; ')}; they leave it first`,
        { members: elsewhere.map((n) => n.id) },
      );
    }
  }

  /** Commits the team change with the re-filing of `moved` members' opportunities, then re-files them. */
  async function commit(items: LabelledItem[], moved: string[]): Promise<void> {
    const refile = moved.length ? planFollowUp(ctx, { kind: 'team_pipeline', userIds: moved }) : undefined;
    try {
      await transact(ctx.store, [...items, ...(refile ? [refile.item] : [])]);
    } catch (error) {
      if (error instanceof TransactionRefused && !isDuplicateClaim(error)) {
        if (error.failedLabels.includes(TEAM_LABEL)) {
          throw new ConflictError('team.stale', 'The team was changed by someone else; reload and retry');
        }
        throw new ConflictError('team.member_conflict', 'A member joined another team or left meanwhile; retry', {
          members: error.failedLabels.map((l) => l.split(':')[1]),
        });
      }
      throw error;
    }
    if (refile) await deps.followUps.run(refile.followUp);
  }

  /**
   * A team formed once per client key: a retry (refused by then, its members being on the team) or a concurrent
   * copy answers the first team.
   */
  const formOnce = (caller: Caller, input: TeamInput, claim?: IdempotencyClaim) =>
    withIdempotency<Team>(ctx.store, claim, async (recordFor) => ({
      status: 201,
      body: await form(caller, input, recordFor),
    }));

  /** A supervisor or admin forms a team of managers of their own branch; `recordFor`: see formOnce. */
  async function form(caller: Caller, input: TeamInput, recordFor: RecordFor<Team> = () => []): Promise<Team> {
    assertMayChange(caller, caller);
    const at = ctx.clock().toISOString();
    const team: Team = {
      id: ctx.newId(),
      name: input.name,
      branchId: caller.branchId,
      leaderId: input.leaderId,
      memberIds: [...new Set(input.memberIds.filter((m) => m !== input.leaderId))],
      createdBy: caller.userId,
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    await assertMembers(team);
    await commit([...teams.createItems(team), ...recordFor({ status: 201, body: team })], teamMembers(team));
    return team;
  }

  /** Users of the team's branch read it; anyone else gets a 404. */
  async function get(caller: Caller, id: string, consistent = false): Promise<Team> {
    const team = await teams.get(id, consistent);
    if (!team || !mayInBranch(caller, 'readTeam', team)) throw new NotFoundError('team', id);
    return team;
  }

  function list(caller: Caller, startKey: Record<string, unknown> | undefined, limit: number) {
    if (!mayInBranch(caller, 'readTeam', caller)) throw new ForbiddenError('Not a user of a branch', 'team.forbidden');
    return teams.listByBranch(caller.branchId, startKey, limit);
  }

  /** Renames the team, changes its leader or replaces its members; those who join or leave are re-filed. */
  async function change(caller: Caller, id: string, patch: TeamPatchInput, expectedVersion?: number): Promise<Team> {
    const stored = await get(caller, id, true);
    assertMayChange(caller, stored);
    const before = { ...stored, version: expectedVersion ?? stored.version };
    const leaderId = patch.leaderId ?? before.leaderId;
    const after: Team = {
      ...before,
      ...(patch.name !== undefined && { name: patch.name }),
      leaderId,
      memberIds: [...new Set((patch.memberIds ?? before.memberIds).filter((m) => m !== leaderId))],
      version: before.version + 1,
      updatedAt: ctx.clock().toISOString(),
    };
    await assertMembers(after);
    const was = teamMembers(before);
    const is = teamMembers(after);
    const moved = [...is.filter((m) => !was.includes(m)), ...was.filter((m) => !is.includes(m))];
    await commit(teams.saveItems(before, after), moved);
    return after;
  }

  /** The team goes; its members are on no team and their opportunities leave its pipeline. */
  async function disband(caller: Caller, id: string, expectedVersion?: number): Promise<void> {
    const stored = await get(caller, id, true);
    assertMayChange(caller, stored);
    const team = { ...stored, version: expectedVersion ?? stored.version };
    await commit(teams.disbandItems(team), teamMembers(team));
  }

  return { formOnce, get, list, change, disband };
}

export type TeamService = ReturnType<typeof teamService>;
