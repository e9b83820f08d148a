import { GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConflictError, isOpenStage, type Activity, type Opportunity, type StageChange } from '@cc/core';
import { hotKeyShards, type StoreContext } from './client';
import type { Page } from './customers';
import { isDuplicateClaim } from './idempotency';
import { indexNames, keys, shardKey } from './keys';
import { queryShards } from './index-query';
import { del, put, putNew, stripKeys, transact, TransactionRefused, type LabelledItem } from './transact';

export const OPPORTUNITY_LABEL = 'opportunity';

export type PipelineView =
  { kind: 'owner'; ownerId: string } | { kind: 'team'; teamId: string } | { kind: 'branch'; branchId: string };

export interface PipelineFilter {
  stage?: string;
  productCode?: string;
  /** YYYY-MM: served by the view's sort key (close date first). */
  closeMonth?: string;
}

const pipelineSort = (opp: Opportunity) => keys.opportunityPipelineSort(opp.expectedCloseDate, opp.id);

/** Due next steps are listed in the sparse gsi3 until reported overdue or the opportunity closes. */
const nextStepIndex = (ctx: StoreContext, opp: Opportunity) =>
  isOpenStage(opp.stage) && opp.nextStep && !opp.nextStep.overdueNotifiedAt
    ? {
        gsi3pk: shardKey(keys.opportunityNextSteps, opp.id, hotKeyShards(ctx)),
        gsi3sk: keys.opportunityNextStepSort(opp.nextStep.at, opp.id),
      }
    : {};

function mainItem(ctx: StoreContext, opp: Opportunity): Record<string, unknown> {
  return {
    ...keys.opportunity(opp.id),
    entity: 'opportunity',
    ...opp,
    gsi1pk: keys.opportunitiesByOwner(opp.ownerId),
    gsi1sk: pipelineSort(opp),
    ...(opp.teamId && { gsi2pk: keys.opportunitiesByTeam(opp.teamId), gsi2sk: pipelineSort(opp) }),
    ...nextStepIndex(ctx, opp),
  };
}

const branchViewItem = (opp: Opportunity) => ({
  ...keys.opportunityBranchView(opp.id),
  entity: 'opportunity-branch-view',
  ...opp,
  gsi1pk: keys.opportunitiesByBranch(opp.branchId),
  gsi1sk: pipelineSort(opp),
});

/** What the customer 360 shows while the opportunity is open. */
const openMirrorItem = (opp: Opportunity & { customerId: string }) => ({
  ...keys.openOpportunityMirror(opp.customerId, opp.id),
  entity: 'open-opportunity',
  opportunityId: opp.id,
  title: opp.title,
  productCode: opp.productCode,
  stage: opp.stage,
  expectedAmount: opp.expectedAmount,
  currency: opp.currency,
  expectedCloseDate: opp.expectedCloseDate,
  ownerId: opp.ownerId,
  ...(opp.nextStep && { nextStep: opp.nextStep }),
});

function mirrorItems(ctx: StoreContext, opp: Opportunity): LabelledItem[] {
  if (!opp.customerId) return [];
  const withCustomer = opp as Opportunity & { customerId: string };
  return isOpenStage(opp.stage)
    ? [put(ctx, 'open-opportunity-mirror', openMirrorItem(withCustomer))]
    : [del(ctx, 'open-opportunity-mirror', keys.openOpportunityMirror(opp.customerId, opp.id))];
}

/** The branch-view copy of `opp`, rewritten in every save transaction. */
export const opportunityBranchCopyItem = (ctx: StoreContext, opp: Opportunity): LabelledItem =>
  put(ctx, 'opportunity-branch-view', branchViewItem(opp));

/** A new opportunity: the item (refused if it exists), its branch-view copy and the 360 mirror. */
export const newOpportunityItems = (ctx: StoreContext, opp: Opportunity): LabelledItem[] => [
  putNew(ctx, OPPORTUNITY_LABEL, mainItem(ctx, opp)),
  opportunityBranchCopyItem(ctx, opp),
  ...mirrorItems(ctx, opp),
];

/** `after` replaces the stored opportunity only if it is still at `expectedVersion`. */
export const savedOpportunityItems = (
  ctx: StoreContext,
  expectedVersion: number,
  after: Opportunity,
): LabelledItem[] => [
  put(ctx, OPPORTUNITY_LABEL, mainItem(ctx, after), {
    expression: '#v = :expected',
    names: { '#v': 'version' },
    values: { ':expected': expectedVersion },
  }),
  opportunityBranchCopyItem(ctx, after),
  ...mirrorItems(ctx, after),
];

export const stageChangeItem = (ctx: StoreContext, change: StageChange): LabelledItem =>
  putNew(ctx, `stage-change:${change.id}`, {
    ...keys.opportunityStageChange(change.opportunityId, change.at, change.id),
    entity: 'opportunity-stage',
    ...change,
  });

export const activityItem = (ctx: StoreContext, activity: Activity): LabelledItem =>
  putNew(ctx, `activity:${activity.id}`, {
    ...keys.opportunityActivity(activity.opportunityId, activity.at, activity.id),
    entity: 'opportunity-activity',
    ...activity,
  });

function viewQuery(ctx: StoreContext, view: PipelineView, filter: PipelineFilter): QueryCommandInput {
  const [index, pkAttr, skAttr, pk] =
    view.kind === 'owner'
      ? [indexNames.gsi1, 'gsi1pk', 'gsi1sk', keys.opportunitiesByOwner(view.ownerId)]
      : view.kind === 'team'
        ? [indexNames.gsi2, 'gsi2pk', 'gsi2sk', keys.opportunitiesByTeam(view.teamId)]
        : [indexNames.gsi1, 'gsi1pk', 'gsi1sk', keys.opportunitiesByBranch(view.branchId)];
  const values: Record<string, unknown> = { ':pk': pk };
  const names: Record<string, string> = {};
  let keyCondition = `${pkAttr} = :pk`;
  if (filter.closeMonth) {
    keyCondition += ` AND begins_with(${skAttr}, :month)`;
    values[':month'] = `${filter.closeMonth}-`;
  }
  const filters: string[] = [];
  if (filter.stage) {
    filters.push('#stage = :stage');
    names['#stage'] = 'stage';
    values[':stage'] = filter.stage;
  }
  if (filter.productCode) {
    filters.push('productCode = :product');
    values[':product'] = filter.productCode;
  }
  return {
    TableName: ctx.tableName,
    IndexName: index,
    KeyConditionExpression: keyCondition,
    ExpressionAttributeValues: values,
    ...(filters.length && { FilterExpression: filters.join(' AND ') }),
    ...(Object.keys(names).length && { ExpressionAttributeNames: names }),
  };
}

export function opportunityRepository(ctx: StoreContext) {
  const { doc, tableName } = ctx;

  async function get(id: string, consistent = false): Promise<Opportunity | undefined> {
    const { Item } = await doc.send(
      new GetCommand({ TableName: tableName, Key: keys.opportunity(id), ConsistentRead: consistent }),
    );
    return Item ? stripKeys<Opportunity>(Item) : undefined;
  }

  /** Runs the transaction; a failed version condition on the opportunity is a stale write. */
  async function write(items: LabelledItem[]): Promise<void> {
    try {
      await transact(ctx, items);
    } catch (error) {
      if (
        error instanceof TransactionRefused &&
        !isDuplicateClaim(error) &&
        error.failedLabels.includes(OPPORTUNITY_LABEL)
      ) {
        throw new ConflictError('opportunity.stale', 'The opportunity was changed by someone else; reload and retry');
      }
      throw error;
    }
  }

  /** One page of a pipeline view, in close-date order. */
  async function list(
    view: PipelineView,
    filter: PipelineFilter,
    startKey: Record<string, unknown> | undefined,
    limit: number,
  ): Promise<Page<Opportunity>> {
    const result = await doc.send(
      new QueryCommand({ ...viewQuery(ctx, view, filter), ExclusiveStartKey: startKey, Limit: limit }),
    );
    return { items: (result.Items ?? []).map((i) => stripKeys<Opportunity>(i)), lastKey: result.LastEvaluatedKey };
  }

  /** Every item of the view, page by page, up to `max` items; `truncated` when there were more. */
  async function listAll(
    view: PipelineView,
    filter: PipelineFilter,
    max: number,
  ): Promise<{ items: Opportunity[]; truncated: boolean }> {
    const items: Opportunity[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await list(view, filter, startKey, Math.min(1000, max + 1 - items.length));
      items.push(...page.items);
      startKey = page.lastKey;
    } while (startKey && items.length <= max);
    return items.length > max ? { items: items.slice(0, max), truncated: true } : { items, truncated: false };
  }

  /** Open opportunities whose next step was due before `now` and has not been reported. */
  async function listOverdueNextSteps(now: Date, limit: number): Promise<Opportunity[]> {
    return (
      await queryShards(ctx, indexNames.gsi3, keys.opportunityNextSteps, { before: now.toISOString(), limit })
    ).map((i) => stripKeys<Opportunity>(i));
  }

  /** Stage changes and activities, oldest first. */
  async function history(id: string): Promise<{ stageChanges: StageChange[]; activities: Activity[] }> {
    const read = async <T>(prefix: string) => {
      const out: T[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const result = await doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': keys.opportunityPartition(id), ':prefix': prefix },
            ExclusiveStartKey: startKey,
          }),
        );
        out.push(...(result.Items ?? []).map((i) => stripKeys<T>(i)));
        startKey = result.LastEvaluatedKey;
      } while (startKey);
      return out;
    };
    const [stageChanges, activities] = await Promise.all([
      read<StageChange>(keys.opportunityHistoryPrefix),
      read<Activity>(keys.opportunityActivityPrefix),
    ]);
    return { stageChanges, activities };
  }

  return { get, write, list, listAll, listOverdueNextSteps, history };
}

export type OpportunityRepository = ReturnType<typeof opportunityRepository>;
