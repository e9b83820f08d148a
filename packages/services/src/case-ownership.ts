import {
  caseManagersOf,
  excerptOf,
  followsManagers,
  isOpen,
  withManagers,
  type Actor,
  type Case,
  type CaseManagers,
  type Customer,
  type Notification,
} from '@cc/core';
import {
  caseRepository,
  customerRepository,
  followUpDone,
  transact,
  TransactionRefused,
  userRepository,
  type FollowUp,
  type LabelledItem,
} from '@cc/store';
import { changeItems } from './case-changes';
import type { ServiceContext } from './context';
import { planFollowUp } from './follow-up-plan';
import type { NoticeService, NotificationDraft } from './notices';

/** DynamoDB's limit on the items of one transaction. */
const TRANSACTION_ITEMS = 100;
/** Cases read per BatchGet while realigning a large book. */
const READ_PAGE = 50;
const MAX_ATTEMPTS = 3;

/** The part of a customer change that moves its cases: to commit with the change, then `finish` after it. */
export interface CasesFollowing {
  items: LabelledItem[];
  notifications: Notification[];
  /** The cases that did not fit the change's transaction, moved by `finish` (or the sweeper). */
  rest?: FollowUp;
}

const none: CasesFollowing = { items: [], notifications: [] };

const sameManagers = (a: CaseManagers, b: CaseManagers) => followsManagers(a, b);

/**
 * Ownership follows the customer: when a customer's primary manager changes (an approved assignment, a merge),
 * or the relationship is closed or reopened, every open case of the customer moves to the new primary manager
 * (or the branch queue) with a history line. As many as fit go in the transaction of the change itself; the
 * rest move page by page in a follow-up that the request finishes at once and the sweeper retries. Moving is
 * idempotent (a case that already follows its customer is left alone), so a re-run moves only what is left.
 * The new owner gets one inbox item listing the cases that arrived; previous owners hear they left.
 */
export function caseOwnershipService(ctx: ServiceContext, deps: { notices: NoticeService }) {
  const cases = caseRepository(ctx.store);
  const customers = customerRepository(ctx.store);
  const users = userRepository(ctx.store);
  const { notices } = deps;

  /** The writes that move one case to `target`, with its `followed_customer` history line. */
  function moveItems(c: Case, target: CaseManagers, actor: Actor, cause: string, at: string): LabelledItem[] {
    const after: Case = { ...withManagers(c, target), version: c.version + 1, updatedAt: at };
    return changeItems(ctx, c, after, actor, [
      {
        action: 'followed_customer',
        note: cause,
        changes: {
          ownerId: { from: c.ownerId, to: after.ownerId },
          primaryManagerId: { from: c.primaryManagerId, to: after.primaryManagerId },
          assistingManagerIds: { from: c.assistingManagerIds, to: after.assistingManagerIds },
        },
      },
    ]).map((item, i) => (i === 0 ? { ...item, label: `case:${c.id}` } : item));
  }

  /** The customer's open cases that do not follow `target` yet. */
  async function misaligned(customerId: string, target: CaseManagers, ids?: string[]): Promise<Case[]> {
    const found = await cases.getMany(ids ?? (await cases.openCaseIds(customerId)));
    return found
      .filter((c) => !c.deleted && isOpen(c.status) && c.customerId === customerId && !followsManagers(c, target))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** One inbox item for whoever receives the cases (the branch's supervisors for the queue), one per previous owner. */
  async function noticesFor(customer: Customer, moved: Case[], target: CaseManagers): Promise<NotificationDraft[]> {
    const changedOwner = moved.filter((c) => c.ownerId !== target.primaryManagerId);
    if (changedOwner.length === 0) return [];
    const about = { customerId: customer.id, customerNumber: customer.customerNumber, customerName: customer.name };
    const listed = (list: Case[]) => ({
      caseIds: list.map((c) => c.id),
      excerpt: excerptOf(list.map((c) => `${c.id} ${c.title}`).join('; ')),
    });
    const count = (n: number) => `${n} open case${n === 1 ? '' : 's'} of ${customer.name}`;
    const receivers = target.primaryManagerId
      ? [target.primaryManagerId]
      : (await users.listByBranch(customer.branchId, 'supervisor')).map((u) => u.id);
    const arrived: NotificationDraft[] = receivers.map((recipientId) => ({
      recipientId,
      kind: 'cases_arrived',
      title: target.primaryManagerId
        ? `${count(changedOwner.length)} are now yours`
        : `${count(changedOwner.length)} moved to the branch queue`,
      ...listed(changedOwner),
      ...about,
    }));
    const previous = [...new Set(changedOwner.map((c) => c.ownerId).filter((o): o is string => !!o))];
    const left: NotificationDraft[] = previous.map((recipientId) => {
      const theirs = changedOwner.filter((c) => c.ownerId === recipientId);
      return {
        recipientId,
        kind: 'cases_left',
        title: `${count(theirs.length)} moved to ${target.primaryManagerId ?? 'the branch queue'}`,
        ...listed(theirs),
        ...about,
      };
    });
    return [...arrived, ...left];
  }

  /**
   * For the transaction that changes the customer from `before` to `after`: the moves of as many open cases as
   * fit beside the `used` items the change already has, the notices, and a follow-up for the rest. Nothing when
   * the cases' managers do not change. `force`: plan the follow-up even if all fit (a merge brings more cases
   * once the merged record's move is done).
   */
  async function follow(
    before: Customer,
    after: Customer,
    change: { actor: Actor; cause: string; used: number; force?: boolean },
  ): Promise<CasesFollowing> {
    const target = caseManagersOf(after);
    if (sameManagers(caseManagersOf(before), target) && !change.force) return none;
    const open = await misaligned(after.id, target);
    if (open.length === 0 && !change.force) return none;
    const now = ctx.clock();
    const drafted = notices.draft(await noticesFor(after, open, target), now);
    let budget = TRANSACTION_ITEMS - change.used - drafted.items.length - 1;
    const items: LabelledItem[] = [...drafted.items];
    let fitted = 0;
    for (const c of open) {
      const moves = moveItems(c, target, change.actor, change.cause, now.toISOString());
      if (moves.length > budget) break;
      items.push(...moves);
      budget -= moves.length;
      fitted++;
    }
    if (fitted === open.length && !change.force) return { items, notifications: drafted.notifications };
    const planned = planFollowUp(ctx, {
      kind: 'cases_follow_customer',
      customerId: after.id,
      cause: change.cause,
      notify: !!change.force,
    });
    return { items: [...items, planned.item], notifications: drafted.notifications, rest: planned.followUp };
  }

  /**
   * Moves every open case of the customer that does not follow its managers yet, one transaction per page;
   * then `done` (the follow-up doing this) commits, with the notices when `notify`.
   */
  async function realign(
    customerId: string,
    options: { cause: string; notify: boolean; done?: LabelledItem; actor?: Actor },
  ): Promise<number> {
    const actor = options.actor ?? { kind: 'system', id: 'cases-follow-customer' };
    const customer = await customers.get(customerId, true);
    const finish = async (extra: LabelledItem[]) => {
      const items = [...extra, ...(options.done ? [options.done] : [])];
      if (items.length) await transact(ctx.store, items);
    };
    if (!customer || customer.status === 'merged') {
      await finish([]);
      return 0;
    }
    const target = caseManagersOf(customer);
    const ids = await cases.openCaseIds(customerId);
    const moved: Case[] = [];
    for (let i = 0; i < ids.length; i += READ_PAGE) {
      moved.push(...(await movePage(customerId, ids.slice(i, i + READ_PAGE), target, actor, options.cause)));
    }
    const drafted = notices.draft(options.notify ? await noticesFor(customer, moved, target) : [], ctx.clock());
    await finish(drafted.items);
    await notices.publish(drafted.notifications);
    return moved.length;
  }

  /** Moves the misaligned cases among `ids`, as many per transaction as fit; a case changed meanwhile is re-read. */
  async function movePage(
    customerId: string,
    ids: string[],
    target: CaseManagers,
    actor: Actor,
    cause: string,
  ): Promise<Case[]> {
    const moved: Case[] = [];
    for (let attempt = 1; ; attempt++) {
      const pending = await misaligned(customerId, target, ids);
      try {
        while (pending.length) {
          const at = ctx.clock().toISOString();
          const batch: LabelledItem[] = [];
          const inBatch: Case[] = [];
          while (pending.length) {
            const moves = moveItems(pending[0]!, target, actor, cause, at);
            if (batch.length + moves.length > TRANSACTION_ITEMS - 1) break;
            batch.push(...moves);
            inBatch.push(pending.shift()!);
          }
          await transact(ctx.store, batch);
          moved.push(...inBatch);
        }
        return moved;
      } catch (error) {
        const raced = error instanceof TransactionRefused && error.failedLabels.some((l) => l.startsWith('case:'));
        if (!raced || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * After the change committed: moves what did not fit. A failure is logged; the follow-up stays due and the
   * sweeper finishes it.
   */
  async function finish(following: CasesFollowing): Promise<void> {
    await notices.publish(following.notifications);
    const rest = following.rest;
    if (rest?.kind !== 'cases_follow_customer') return;
    try {
      await realign(rest.customerId, {
        cause: rest.cause,
        notify: rest.notify,
        done: followUpDone(ctx.store, rest.id),
      });
    } catch (error) {
      ctx.log.warn('cases left to move with their customer; the sweeper will finish', {
        customerId: rest.customerId,
        followUpId: rest.id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  return { follow, realign, finish };
}

export type CaseOwnershipService = ReturnType<typeof caseOwnershipService>;
