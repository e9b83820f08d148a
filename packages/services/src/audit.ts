import { ForbiddenError, mayInBranch, NotFoundError, type Caller } from '@cc/core';
import { auditRepository, customerRepository, type AuditAction, type AuditEntry } from '@cc/store';
import type { ServiceContext } from './context';

/**
 * The audit trail of reads: every customer read, 360 view, timeline and history page, and search hit writes who,
 * when and what kind of read (never the data) for each customer it touched. Reads by id write their entry in
 * parallel with the read, so the answer waits for one round trip, not two; searches write after the read (their
 * hits are known only then). A read whose entry cannot be written fails: no read without its record.
 */
export function auditService(ctx: ServiceContext) {
  const trail = auditRepository(ctx.store);
  const customers = customerRepository(ctx.store);

  function entry(caller: Caller, customerId: string, action: AuditAction, by?: string): AuditEntry {
    const at = ctx.clock();
    return {
      id: ctx.newId(at.getTime()),
      customerId,
      at: at.toISOString(),
      actor: { userId: caller.userId, role: caller.role, branchId: caller.branchId },
      action,
      ...(by && { by }),
    };
  }

  /** Records one read of each customer. */
  const record = (caller: Caller, action: AuditAction, customerIds: readonly string[], by?: string) =>
    trail.append(
      [...new Set(customerIds)].map((id) => entry(caller, id, action, by)),
      ctx.settings.RETENTION_DAYS,
    );

  /** `read`, with its audit entry written alongside: both must succeed. */
  async function audited<T>(caller: Caller, action: AuditAction, customerId: string, read: () => Promise<T>) {
    const [result] = await Promise.all([read(), record(caller, action, [customerId])]);
    return result;
  }

  /** Admins of the customer's branch read its trail, newest first; for anyone else the customer is not found. */
  async function list(
    caller: Caller,
    customerId: string,
    startKey: Record<string, unknown> | undefined,
    limit: number,
  ) {
    if (!mayInBranch(caller, 'readAudit', caller)) {
      throw new ForbiddenError('The audit trail is for admins', 'audit.forbidden');
    }
    const customer = await customers.get(customerId);
    if (!customer || !mayInBranch(caller, 'readAudit', customer)) throw new NotFoundError('customer', customerId);
    return trail.list(customerId, startKey, limit);
  }

  return { record, audited, list };
}

export type AuditService = ReturnType<typeof auditService>;
