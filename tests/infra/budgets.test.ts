import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepPeriod } from '../../infra/constructs/workers';
import {
  budgets,
  lambdaTimeoutSeconds,
  worstCaseCallMs,
  worstCaseChainMs,
  type BudgetedFunction,
  type FunctionBudget,
} from '../../infra/ops-budgets';
import { timeouts } from '../../infra/ops-config';
import { queueDefinitions } from '@cc/messaging/queues';
import { synthesise, type Synthesised } from './synth';

let s: Synthesised;
beforeAll(() => {
  s = synthesise('prod', { bundle: false });
}, 120_000);
afterAll(() => s?.cleanup());

const entries = Object.entries(budgets) as Array<[BudgetedFunction, FunctionBudget]>;

describe('time budgets (infra/ops-budgets.ts)', () => {
  it('worst case of one call: every attempt to its limit plus the capped backoffs', () => {
    expect(worstCaseCallMs({ connectTimeoutMs: 300, requestTimeoutMs: 1_000, maxAttempts: 3, backoffCapMs: 200 })).toBe(
      3 * 1_300 + 2 * 200,
    );
    expect(worstCaseCallMs({ timeoutMs: 5_000, maxAttempts: 1, backoffCapMs: 0 })).toBe(5_000);
    expect(lambdaTimeoutSeconds({ deadlineMs: 5_000, marginMs: 1_000, clients: {} })).toBe(6);
    expect(lambdaTimeoutSeconds({ deadlineMs: 5_001, marginMs: 1_000, clients: {} })).toBe(7);
  });

  it.each(entries)("%s: every client's worst case, and the fixed chain, fit the deadline", (_, budget) => {
    for (const [client, clientBudget] of Object.entries(budget.clients)) {
      expect(worstCaseCallMs(clientBudget!), client).toBeLessThanOrEqual(budget.deadlineMs);
      expect(clientBudget!.maxAttempts, client).toBeGreaterThanOrEqual(1);
    }
    expect(worstCaseChainMs(budget)).toBeLessThanOrEqual(budget.deadlineMs);
    expect(budget.marginMs).toBeGreaterThanOrEqual(1_000);
  });

  it('the API answers or fails within 5 s', () => {
    expect(budgets.api.deadlineMs).toBeLessThanOrEqual(5_000);
  });
});

describe('Lambda timeouts are derived from the budgets', () => {
  const functionsByBudget = (): Array<[BudgetedFunction, Parameters<Synthesised['logicalId']>[0]]> => [
    ['api', s.main.api.handler],
    ['api', s.main.api.console],
    ['api', s.main.api.public],
    ['notifier', s.main.workers.notifier],
    ['sweeper', s.main.workers.sweeper],
    ['emailInbound', s.main.workers.emailInbound],
    ['reporter', s.main.reporter.function],
    ['secretRotation', s.main.frontDoor.rotation.function],
    ['secretRotation', s.main.cursorRotation.function],
  ];

  it('each function: timeout = ceil(deadline + margin), so it outlives its worst-case work', () => {
    for (const [name, fn] of functionsByBudget()) {
      const timeout = Number(s.resources[s.logicalId(fn)]!.Properties.Timeout);
      expect(timeout, name).toBe(lambdaTimeoutSeconds(budgets[name]));
      expect(timeout * 1000, name).toBeGreaterThanOrEqual(budgets[name].deadlineMs + budgets[name].marginMs);
      expect(timeout * 1000, name).toBeGreaterThan(worstCaseChainMs(budgets[name]));
    }
    expect(s.ofType('AWS::Lambda::Function')).toHaveLength(functionsByBudget().length);
  });

  it('API Gateway and CloudFront wait longer than the API Lambda may run', () => {
    const [, integration] = s.ofType('AWS::ApiGatewayV2::Integration')[0]!;
    expect(integration.Properties.TimeoutInMillis).toBeGreaterThan(timeouts.api * 1000);
    expect(integration.Properties.TimeoutInMillis).toBeLessThanOrEqual(30_000);
    const [, distribution] = s.ofType('AWS::CloudFront::Distribution')[0]!;
    const [origin] = distribution.Properties.DistributionConfig.Origins;
    expect(origin.CustomOriginConfig.OriginReadTimeout).toBeGreaterThan(integration.Properties.TimeoutInMillis / 1000);
  });

  it('SQS visibility timeout >= 6 x the consumer timeout (read from the template)', () => {
    const [mainId, main] = s.ofType('AWS::SQS::Queue').find(([, q]) => q.Properties.RedrivePolicy)!;
    const [, mapping] = s
      .ofType('AWS::Lambda::EventSourceMapping')
      .find(([, m]) => JSON.stringify(m.Properties.EventSourceArn).includes(mainId))!;
    const consumerTimeout = Number(s.resources[mapping.Properties.FunctionName.Ref]!.Properties.Timeout);
    expect(Number(main.Properties.VisibilityTimeout)).toBe(queueDefinitions.notifications.visibilityTimeoutSeconds);
    expect(Number(main.Properties.VisibilityTimeout)).toBeGreaterThanOrEqual(6 * consumerTimeout);
  });

  it('the sweeper ends before the next one starts', () => {
    expect(timeouts.sweeper).toBeLessThan(sweepPeriod.toSeconds());
  });
});
