import {
  ForbiddenError,
  mayInBranch,
  NotFoundError,
  ValidationError,
  type Caller,
  type Team,
  type TeamInput,
} from '@cc/core';
import { teamRepository, TransactionRefused } from '@cc/store';
import type { ServiceContext } from './context';
import type { StaffDirectory } from './staff';

/** Teams of relationship managers within a branch; members' profiles carry the team id. */
export function teamService(ctx: ServiceContext, deps: { staff: StaffDirectory }) {
  const teams = teamRepository(ctx.store);

  /** A supervisor or admin forms a team of users of their own branch. */
  async function form(caller: Caller, input: TeamInput): Promise<Team> {
    if (!mayInBranch(caller, 'formTeam', caller)) {
      throw new ForbiddenError('Only supervisors and admins form teams', 'team.forbidden');
    }
    const memberIds = [...new Set(input.memberIds.filter((m) => m !== input.leaderId))];
    await deps.staff.assertAssignable([input.leaderId, ...memberIds], 'teamMember', caller.branchId, (id) =>
      id === input.leaderId ? 'leaderId' : 'memberIds',
    );
    const team: Team = {
      id: ctx.newId(),
      name: input.name,
      branchId: caller.branchId,
      leaderId: input.leaderId,
      memberIds,
      createdBy: caller.userId,
      createdAt: ctx.clock().toISOString(),
    };
    try {
      await teams.create(team);
    } catch (error) {
      if (error instanceof TransactionRefused) {
        throw new ValidationError(
          'A member was removed meanwhile',
          [{ path: 'memberIds', message: error.failedLabels.join(', ') }],
          'team.invalid',
        );
      }
      throw error;
    }
    return team;
  }

  /** Users of the team's branch read it; anyone else gets a 404. */
  async function get(caller: Caller, id: string): Promise<Team> {
    const team = await teams.get(id);
    if (!team || !mayInBranch(caller, 'readTeam', team)) throw new NotFoundError('team', id);
    return team;
  }

  return { form, get };
}

export type TeamService = ReturnType<typeof teamService>;
