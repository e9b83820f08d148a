import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createApp } from '@cc/api';
import { budgets, lambdaTimeoutSeconds } from '@cc/core/budgets';
import { connectAws } from '@cc/services';
import { createDocumentClient, type StoreContext } from '@cc/store';
import { keys } from '@cc/store/keys';
import { createTestContext, localCredentials, region, type TestContext } from '../support/harness';
import { callOpeningCase, caseSequence, expectDataIntact, fromCustomer } from '../support/faults';
import { startStallProxy, type StallProxy } from '../support/stall-proxy';
import { createCustomer, staffTokens, type Tokens } from './customers-support';
import { partitionItems, timelineOf } from './intake-support';

/**
 * The production budget (@cc/core/budgets: 1.3 s per attempt, 3 attempts, backoff capped at 200 ms, a 5 s deadline)
 * against a DynamoDB that stops answering or throttles. Bounds are stated against the Lambda timeout (deadline +
 * margin), the point past which a write could commit after its caller was cut off, so a loaded machine does not
 * make them flaky.
 */
const api = budgets.api;
const answeredBefore = lambdaTimeoutSeconds(api) * 1000;

let t: TestContext;
let tk: Tokens;
let proxy: StallProxy;
let stalled: ReturnType<typeof connectAws>;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  t = await createTestContext();
  tk = await staffTokens(t);
  proxy = await startStallProxy(inject('dynamoEndpoint'));
  stalled = connectAws(t.config, t.queues.notifications, {
    endpoints: { dynamodb: proxy.endpoint, sqs: inject('sqsEndpoint') },
    region,
    credentials: localCredentials,
    budget: api,
  });
  app = createApp(t.compose({ store: stalled.store, publisher: stalled.publisher }), {
    ...t.http,
    health: stalled.probes,
    deadlineMs: api.deadlineMs,
  });
});
afterAll(() => proxy?.close());

const complaint = { type: 'complaint', category: 'fees', title: 'Fee charged twice', description: 'Charged twice' };

async function logCall(appToUse: ReturnType<typeof createApp>, customerId: string, key: string) {
  const started = Date.now();
  const res = await appToUse.request('/contacts', {
    method: 'POST',
    headers: { authorization: `Bearer ${tk.agent}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(callOpeningCase(customerId, complaint)),
  });
  return { res, elapsed: Date.now() - started };
}

async function expectUnavailable(res: Response) {
  expect(res.status).toBe(503);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(((await res.json()) as { code: string }).code).toBe('dependency.unavailable');
}

const written = async (customerId: string) => ({
  contacts: fromCustomer(await timelineOf(t, customerId)).length,
  openCases: (await partitionItems(t, keys.customerPartition(customerId), 'OPENCASE#')).length,
});

describe('a DynamoDB that stops answering', () => {
  it.each(['drop', 'deliver'] as const)(
    'a write answers 503 with Retry-After before the Lambda timeout; after it answers again (held requests: %s) ' +
      'a retry with the same key makes exactly one contact and one case',
    async (held) => {
      const customer = await createCustomer(t, tk.admin, { level: 'vip', primaryManagerId: 'mgr-1' });
      const key = `stall-${randomBytes(4).toString('hex')}`;
      const before = await caseSequence(t.deps.store);
      proxy.pause();
      let answer: Awaited<ReturnType<typeof logCall>>;
      try {
        answer = await logCall(app, customer.id, key);
      } finally {
        proxy.resume(held);
      }
      await expectUnavailable(answer.res);
      expect(answer.elapsed).toBeLessThan(answeredBefore);
      if (held === 'drop') {
        // The requests never arrived: nothing at all was written, and no case number was used.
        expect(await written(customer.id)).toEqual({ contacts: 0, openCases: 0 });
        expect(await caseSequence(t.deps.store)).toBe(before);
      }
      const retried = await logCall(app, customer.id, key);
      expect(retried.res.status).toBe(201);
      expect(await written(customer.id)).toEqual({ contacts: 1, openCases: 1 });
      expect(await caseSequence(t.deps.store)).toBe(before + 1);
    },
    30_000,
  );

  it('/health reports it down (503, naming it) within the probe timeout, while SQS is ok', async () => {
    proxy.pause();
    const started = Date.now();
    let res: Response;
    try {
      res = await app.request('/health');
    } finally {
      proxy.resume('drop');
    }
    const elapsed = Date.now() - started;
    expect(res.status).toBe(503);
    expect(((await res.json()) as { checks: unknown }).checks).toEqual({ dynamodb: 'down', sqs: 'ok' });
    expect(elapsed).toBeLessThan(3_000);
    expect((await app.request('/health')).status).toBe(200);
  });
});

/** A client of the production budget whose every call goes through `middleware` inside the SDK's retries. */
function storeWith(install: (stack: StoreContext['doc']['middlewareStack']) => void): StoreContext {
  const doc = createDocumentClient(
    { endpoint: inject('dynamoEndpoint'), region, credentials: localCredentials },
    { budget: api.clients.dynamodb },
  );
  install(doc.middlewareStack);
  return { doc, tableName: t.tableName };
}

function throttling(attemptsToRefuse: (command: string) => boolean) {
  const attempts: string[] = [];
  const store = storeWith((stack) =>
    stack.add(
      (next, context) => async (args) => {
        attempts.push(context.commandName!);
        if (attemptsToRefuse(context.commandName!))
          throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
            name: 'ThrottlingException',
            $fault: 'client',
            $metadata: { httpStatusCode: 400 },
          });
        return next(args);
      },
      { step: 'deserialize', name: 'throttle' },
    ),
  );
  return { store, attempts };
}

describe('a throttled DynamoDB', () => {
  it('a call throttled on every attempt is tried maxAttempts times, then answers 503; nothing is written', async () => {
    const customer = await createCustomer(t, tk.admin, { level: 'vip', primaryManagerId: 'mgr-1' });
    const { store, attempts } = throttling((command) => command === 'TransactWriteItemsCommand');
    const throttled = createApp(t.compose({ store }), { ...t.http, deadlineMs: api.deadlineMs });
    const { res, elapsed } = await logCall(throttled, customer.id, `throttle-${randomBytes(4).toString('hex')}`);
    await expectUnavailable(res);
    expect(elapsed).toBeLessThan(answeredBefore);
    expect(attempts.filter((c) => c === 'TransactWriteItemsCommand')).toHaveLength(api.clients.dynamodb.maxAttempts);
    expect(await written(customer.id)).toEqual({ contacts: 0, openCases: 0 });
  });

  it('a call throttled on its first attempts succeeds within the same request', async () => {
    const customer = await createCustomer(t, tk.admin, { level: 'vip', primaryManagerId: 'mgr-1' });
    let refused = 0;
    const { store } = throttling((command) => command === 'TransactWriteItemsCommand' && refused++ < 2);
    const throttled = createApp(t.compose({ store }), { ...t.http, deadlineMs: api.deadlineMs });
    const { res } = await logCall(throttled, customer.id, `throttle-${randomBytes(4).toString('hex')}`);
    expect(res.status).toBe(201);
    expect(await written(customer.id)).toEqual({ contacts: 1, openCases: 1 });
  });
});

describe('a call stalled inside the client, where no socket timeout can see it', () => {
  it('is cut off by the request deadline: 503 before the Lambda timeout, nothing written', async () => {
    const customer = await createCustomer(t, tk.admin, { level: 'vip', primaryManagerId: 'mgr-1' });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const store = storeWith((stack) =>
      stack.add(
        (next, context) => async (args) => {
          if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
          await gate;
          throw Object.assign(new Error('connection reset'), { name: 'Error', code: 'ECONNRESET' });
        },
        { step: 'initialize', name: 'stall' },
      ),
    );
    const stalling = createApp(t.compose({ store }), { ...t.http, deadlineMs: api.deadlineMs });
    try {
      const { res, elapsed } = await logCall(stalling, customer.id, `gate-${randomBytes(4).toString('hex')}`);
      await expectUnavailable(res);
      expect(elapsed).toBeLessThan(answeredBefore);
    } finally {
      release();
    }
    expect(await written(customer.id)).toEqual({ contacts: 0, openCases: 0 });
  });
});

describe('afterwards', () => {
  it('the data is intact', async () => {
    await expectDataIntact(t.deps.store);
  });
});
