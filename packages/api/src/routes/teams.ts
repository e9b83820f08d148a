import * as z from 'zod';
import { TeamInput } from '@cc/core';
import type { Services } from '@cc/services';
import { route, type Route } from '../http/route';
import { IdParam } from '../schemas';

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
  .meta({ id: 'Team' });

const tags = ['teams'];

/** Teams of relationship managers within a branch; members' profiles carry the team id. */
export const teamRoutes = (s: Services): Route[] => [
  route(
    {
      operationId: 'formTeam',
      method: 'post',
      path: '/teams',
      tags,
      summary: 'Form a team of managers (supervisor/admin of the branch)',
      auth: 'bearer',
      body: { json: TeamInput },
      responses: { 201: { description: 'Created', json: TeamSchema } },
      errors: [400, 401, 403, 415],
    },
    async ({ caller, body }) => {
      const team = await s.teams.form(caller, body);
      return { status: 201, body: team, headers: { location: `/teams/${team.id}` } };
    },
  ),

  route(
    {
      operationId: 'getTeam',
      method: 'get',
      path: '/teams/{id}',
      tags,
      summary: 'A team (users of its branch)',
      auth: 'bearer',
      params: IdParam,
      responses: { 200: { description: 'The team', json: TeamSchema } },
      errors: [400, 401, 404],
    },
    async ({ caller, params }) => ({ status: 200, body: await s.teams.get(caller, params.id) }),
  ),
];
