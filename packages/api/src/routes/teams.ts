import * as z from 'zod/mini';
import { TeamInput, TeamPatchInput, type Team, withMeta } from '@cc/core';
import type { StaffServices } from '@cc/services';
import type { HttpDeps } from '../http/env';
import { idempotencyClaim, replayHeaders } from '../http/idempotency';
import { route, type Route } from '../http/route';
import { ifMatchVersion, versionHeaders } from '../http/versioning';
import { CursorQuery, IdempotencyHeader, IdParam, IfMatchHeader, pageOf } from '../schemas';

const TeamSchema = withMeta(
  z.object({
    id: z.string(),
    name: z.string(),
    branchId: z.string(),
    leaderId: z.string(),
    memberIds: z.array(z.string()),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.optional(z.string()),
    version: z.int(),
  }),
  { id: 'Team' },
);

const tags = ['teams'];
const teamReply = (team: Team) => ({ status: 200 as const, body: team, headers: versionHeaders(team) });

/**
 * Teams of relationship managers within a branch; members' profiles carry the team id, and the team's pipeline
 * holds every member's opportunities, from before they joined too.
 */
export const teamRoutes = (s: StaffServices, http: HttpDeps): Route[] => [
  route(
    {
      operationId: 'formTeam',
      method: 'post',
      path: '/teams',
      tags,
      summary: 'Form a team of managers (supervisor/admin of the branch); members on another team are refused',
      auth: 'bearer',
      headers: IdempotencyHeader,
      body: { json: TeamInput },
      responses: { 201: { description: 'Created', json: TeamSchema } },
      errors: [400, 401, 403, 409, 415, 422],
    },
    async ({ caller, body, c }) => {
      const claim = idempotencyClaim(c, `${caller.userId}:teams`, body, http.clock());
      const { response, replayed } = await s.teams.formOnce(caller, body, claim);
      const team = response.body;
      return { status: 201, body: team, headers: { ...versionHeaders(team, '/teams'), ...replayHeaders(replayed) } };
    },
  ),

  route(
    {
      operationId: 'listTeams',
      method: 'get',
      path: '/teams',
      tags,
      summary: "The teams of the caller's branch",
      auth: 'bearer',
      query: CursorQuery,
      responses: { 200: { description: 'A page of teams', json: pageOf(TeamSchema) } },
      errors: [400, 401, 403],
    },
    async ({ caller, query }) => {
      const scope = `teams:${caller.branchId}`;
      const body = await http.cursors.page(query.cursor, scope, (from) => s.teams.list(caller, from, query.limit));
      return { status: 200, body };
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
    async ({ caller, params }) => teamReply(await s.teams.get(caller, params.id)),
  ),

  route(
    {
      operationId: 'changeTeam',
      method: 'patch',
      path: '/teams/{id}',
      tags,
      summary:
        'Rename a team, change its leader or replace its members (supervisor/admin of the branch); the ' +
        "opportunities of those who join or leave move to their team's pipeline. If-Match is honoured when sent",
      auth: 'bearer',
      params: IdParam,
      headers: IfMatchHeader,
      body: { json: TeamPatchInput },
      responses: { 200: { description: 'Changed', json: TeamSchema } },
      errors: [400, 401, 403, 404, 409, 415],
    },
    async ({ caller, params, headers, body }) => {
      const version = ifMatchVersion(headers['if-match'], false, 'team');
      return teamReply(await s.teams.change(caller, params.id, body, version));
    },
  ),

  route(
    {
      operationId: 'disbandTeam',
      method: 'delete',
      path: '/teams/{id}',
      tags,
      summary: 'Disband a team (supervisor/admin of the branch); its members are on no team. If-Match is honoured',
      auth: 'bearer',
      params: IdParam,
      headers: IfMatchHeader,
      responses: { 204: { description: 'Disbanded' } },
      errors: [400, 401, 403, 404, 409],
    },
    async ({ caller, params, headers }) => {
      await s.teams.disband(caller, params.id, ifMatchVersion(headers['if-match'], false, 'team'));
      return { status: 204 };
    },
  ),
];
