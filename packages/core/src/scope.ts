import type { Caller } from './caller';
import { isSupervisorOf } from './caller';

/** The manager fields of anything scoped by its customer's relationship managers. */
export interface ManagedRecord {
  branchId: string;
  primaryManagerId: string | null;
  assistingManagerIds: readonly string[];
}

/** The primary manager (if any) first, then the assisting ones. */
export const managersOf = (record: ManagedRecord): string[] => [
  ...(record.primaryManagerId ? [record.primaryManagerId] : []),
  ...record.assistingManagerIds,
];

export const managesCustomer = (caller: Caller, record: ManagedRecord) =>
  record.primaryManagerId === caller.userId || record.assistingManagerIds.includes(caller.userId);

/**
 * Full access: the customer's primary or assisting manager, or a supervisor/admin of the branch.
 * Anyone else is out of scope and must get a 404 that does not reveal the record exists.
 */
export const hasFullAccess = (caller: Caller, record: ManagedRecord) =>
  managesCustomer(caller, record) || isSupervisorOf(caller, record.branchId);
