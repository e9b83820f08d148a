export const roles = ['agent', 'manager', 'supervisor', 'admin'] as const;
export type Role = (typeof roles)[number];

/** Who is making a request, as proven by their token. */
export interface Caller {
  userId: string;
  role: Role;
  branchId: string;
}

/** Actor recorded on history entries: a person, a channel acting for the customer, or the system. */
export type Actor =
  { kind: 'user'; id: string } | { kind: 'customer'; channel: string } | { kind: 'system'; id: string };

export const actorOf = (caller: Caller): Actor => ({ kind: 'user', id: caller.userId });

export const isSupervisorOf = (caller: Caller, branchId: string): boolean =>
  (caller.role === 'supervisor' || caller.role === 'admin') && caller.branchId === branchId;
