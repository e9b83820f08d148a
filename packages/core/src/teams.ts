import * as z from 'zod/mini';
import { identifier, singleLineText, listOf } from './fields';

/** A team of relationship managers (the "1+N" team): a leader and members, within one branch. */
export interface Team {
  id: string;
  name: string;
  branchId: string;
  leaderId: string;
  memberIds: string[];
  createdBy: string;
  createdAt: string;
  updatedAt?: string;
  version: number;
}

export const TeamInput = z.strictObject({
  name: singleLineText(120),
  leaderId: identifier(),
  memberIds: z._default(listOf(identifier(), 50), []),
});
export type TeamInput = z.infer<typeof TeamInput>;

/** Changing a team: its name, its leader, or its whole member list. */
export const TeamPatchInput = z.partial(
  z.strictObject({
    name: singleLineText(120),
    leaderId: identifier(),
    memberIds: listOf(identifier(), 50),
  }),
);
export type TeamPatchInput = z.infer<typeof TeamPatchInput>;
