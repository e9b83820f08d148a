import * as z from 'zod';
import { identifier, singleLineText } from './fields';

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

export const TeamInput = z
  .object({
    name: singleLineText(120),
    leaderId: identifier(),
    memberIds: z.array(identifier()).max(50).default([]),
  })
  .strict();
export type TeamInput = z.infer<typeof TeamInput>;

/** Changing a team: its name, its leader, or its whole member list. */
export const TeamPatchInput = z
  .object({
    name: singleLineText(120),
    leaderId: identifier(),
    memberIds: z.array(identifier()).max(50),
  })
  .partial()
  .strict();
export type TeamPatchInput = z.infer<typeof TeamPatchInput>;
