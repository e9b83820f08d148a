import { createRoute, z } from '@hono/zod-openapi';
import { ForbiddenError, isSupervisorOf, newId, NotFoundError, ValidationError, type Team } from '@cc/core';
import { teamRepository, TransactionRefused, userRepository } from '@cc/store';
import type { AppDeps } from '../deps';
import { bearerSecurity, createRouter, problemResponses } from '../openapi';
import { IdParam, jsonBody, jsonResponse } from '../schemas';

const TeamInput = z
  .object({
    name: z.string().trim().min(1).max(120),
    leaderId: z.string().min(1).max(80),
    memberIds: z.array(z.string().min(1).max(80)).max(50).default([]),
  })
  .strict();

const TeamSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    branchId: z.string(),
    leaderId: z.string(),
    memberIds: z.array(z.string()),
    createdBy: z.string(),
    createdAt: z.string(),
  })
  .openapi('Team');

/** Teams of relationship managers within a branch; members' profiles carry the team id. */
export function teamRoutes(deps: AppDeps) {
  const router = createRouter();
  const teams = teamRepository(deps.store);
  const users = userRepository(deps.store);
  const tags = ['teams'];

  router.openapi(
    createRoute({
      method: 'post',
      path: '/teams',
      tags,
      summary: 'Form a team of managers (supervisor/admin of the branch)',
      security: bearerSecurity,
      request: { body: jsonBody(TeamInput) },
      responses: { 201: jsonResponse(TeamSchema, 'Created'), ...problemResponses(400, 401, 403) },
    }),
    async (c) => {
      const caller = c.get('caller');
      if (!isSupervisorOf(caller, caller.branchId))
        throw new ForbiddenError('Only supervisors and admins form teams', 'team.forbidden');
      const input = c.req.valid('json');
      const memberIds = [...new Set(input.memberIds.filter((m) => m !== input.leaderId))];
      const found = await users.getMany([input.leaderId, ...memberIds]);
      const issues = [input.leaderId, ...memberIds]
        .filter((id) => found.get(id)?.branchId !== caller.branchId)
        .map((id) => ({
          path: id === input.leaderId ? 'leaderId' : 'memberIds',
          message: `${id} is not a user of branch ${caller.branchId}`,
        }));
      if (issues.length) throw new ValidationError('Unknown team members', issues, 'team.invalid');
      const team: Team = {
        id: newId(),
        name: input.name,
        branchId: caller.branchId,
        leaderId: input.leaderId,
        memberIds,
        createdBy: caller.userId,
        createdAt: deps.clock().toISOString(),
      };
      try {
        await teams.create(team);
      } catch (error) {
        if (error instanceof TransactionRefused)
          throw new ValidationError(
            'A member was removed meanwhile',
            [{ path: 'memberIds', message: error.failedLabels.join(', ') }],
            'team.invalid',
          );
        throw error;
      }
      return c.json(team, 201, { location: `/teams/${team.id}` }) as never;
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/teams/{id}',
      tags,
      summary: 'A team (users of its branch)',
      security: bearerSecurity,
      request: { params: IdParam },
      responses: { 200: jsonResponse(TeamSchema, 'The team'), ...problemResponses(401, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const team = await teams.get(id);
      if (!team || team.branchId !== c.get('caller').branchId) throw new NotFoundError('team', id);
      return c.json(team, 200) as never;
    },
  );

  return router;
}
