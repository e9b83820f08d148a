import { contactRecorder, type IntakeDeps, type Recorded } from './intake';

export type Escalate = (caseId: string, reason: string) => Promise<unknown>;

/**
 * Escalates the customer's newest open case when a contact brought the unresolved count to
 * ESCALATE_AFTER_CONTACTS. Runs after the contact committed; a failure is logged and does not undo
 * the contact (the sweeper can escalate from the stats item later).
 */
export async function escalateIfDue(
  deps: IntakeDeps,
  recorded: Pick<Recorded<unknown>, 'escalate'>,
  escalate: Escalate | undefined,
): Promise<void> {
  const due = recorded.escalate;
  if (!due || !escalate) return;
  const [newest] = await contactRecorder(deps).openCaseIds(due.customerId);
  if (!newest) return;
  try {
    await escalate(newest, `${due.unresolvedContacts} contacts without resolution`);
  } catch (error) {
    deps.log.error('escalation failed', {
      customerId: due.customerId,
      caseId: newest,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
