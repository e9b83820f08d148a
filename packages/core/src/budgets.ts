/**
 * Time budgets per Lambda: the single source for each function's SDK timeouts and retries and, derived from
 * them, its Lambda timeout (infra/ops-budgets.ts re-exports this file for the stack). No imports on purpose.
 * The composition roots (functions/*, packages/local) build their clients from the same figures
 * (`budgetedClientConfig` in @cc/store: connectionTimeout/requestTimeout per attempt, maxAttempts, full-jitter
 * backoff capped at backoffCapMs) and run each unit of work within its deadline (`withDeadline`).
 *
 * tests/infra/budgets.test.ts holds the relations: every client's worst case fits the deadline, the Lambda
 * timeout covers deadline + margin, the API's deadline is 5 s, SQS visibility >= 6 x the consumer's timeout.
 */

/** One AWS SDK client's budget. */
export interface SdkBudget {
  /** TCP + TLS connect limit per attempt (NodeHttpHandler `connectionTimeout`). */
  connectTimeoutMs: number;
  /** Limit for one attempt once connected (NodeHttpHandler `requestTimeout`). */
  requestTimeoutMs: number;
  /** Attempts in all, the first included (SDK `maxAttempts`). */
  maxAttempts: number;
  /** Upper bound of the delay between two attempts (the SDK's jittered exponential backoff, capped). */
  backoffCapMs: number;
}

/** An outbound HTTPS call made with fetch (webhooks, the messaging gateway). */
export interface HttpBudget {
  /** Whole-call limit per attempt (AbortSignal.timeout). */
  timeoutMs: number;
  maxAttempts: number;
  backoffCapMs: number;
}

export interface FunctionBudget {
  /**
   * One unit of work (an HTTP request, an SQS batch, a sweep, one email) answers or gives up by then: the
   * app gives each call at most the time left, starts none once it is spent, and the API answers 503
   * `dependency.unavailable` with Retry-After.
   */
  deadlineMs: number;
  /** Time after the deadline to log, flush metrics and return. Lambda timeout >= deadline + margin. */
  marginMs: number;
  clients: {
    dynamodb?: SdkBudget;
    sqs?: SdkBudget;
    s3?: SdkBudget;
    secretsManager?: SdkBudget;
    cloudfront?: SdkBudget;
    http?: HttpBudget;
  };
  /**
   * The longest chain of sequential calls in one unit of work, where the code has a fixed one (read from
   * the code; keep in step with it). Its worst case must fit the deadline. Absent where the chain is
   * open-ended and the deadline is enforced by the app instead (the API, the sweeper).
   */
  longestChain?: Partial<Record<keyof FunctionBudget['clients'], number>>;
}

/** In-region DynamoDB answers in milliseconds; one second per attempt is already a sick endpoint. */
const dynamodb: SdkBudget = { connectTimeoutMs: 300, requestTimeoutMs: 1_000, maxAttempts: 3, backoffCapMs: 200 };
/** Publishing is best effort on request paths (the sweeper re-publishes), so fewer attempts. */
const sqs: SdkBudget = { connectTimeoutMs: 300, requestTimeoutMs: 1_000, maxAttempts: 2, backoffCapMs: 200 };
/** Control-plane calls (Secrets Manager, CloudFront) are slower and rarer. */
const controlPlane: SdkBudget = { connectTimeoutMs: 500, requestTimeoutMs: 2_000, maxAttempts: 3, backoffCapMs: 500 };

export const budgets = {
  /** The HTTP API: a request answers, or fails with 503, within 5 s. */
  api: { deadlineMs: 5_000, marginMs: 1_000, clients: { dynamodb, sqs } },
  /**
   * The SQS consumer. Records of a batch run in parallel; one record is claim (update), recipient (get),
   * delivery (one HTTPS call, 5 s: packages/messaging/src/delivery/http.ts), then mark/release (update).
   */
  notifier: {
    deadlineMs: 20_000,
    marginMs: 2_000,
    clients: { dynamodb, http: { timeoutMs: 5_000, maxAttempts: 1, backoffCapMs: 0 } },
    longestChain: { dynamodb: 3, http: 1 },
  },
  /** Every minute; must end before the next run starts. Works through due items until the deadline. */
  sweeper: { deadlineMs: 45_000, marginMs: 3_000, clients: { dynamodb, sqs } },
  /**
   * The stream consumer: one batch of up to 100 records, handled in order. Per record a ledger read, lookups that
   * are cached per container (a customer's or opportunity's branch, a branch's time zone) and one transaction; the
   * batch's archive objects are written first, in parallel. Open-ended, so the app stops at the deadline instead:
   * the records not reached are retried from the first of them.
   */
  reporter: {
    deadlineMs: 60_000,
    marginMs: 5_000,
    clients: {
      dynamodb,
      s3: { connectTimeoutMs: 500, requestTimeoutMs: 5_000, maxAttempts: 3, backoffCapMs: 500 },
    },
  },
  /** SES -> S3 -> Lambda: reads one raw message (up to SES's 40 MB, usually far less), then the intake. */
  emailInbound: {
    deadlineMs: 50_000,
    marginMs: 5_000,
    clients: {
      dynamodb,
      sqs,
      s3: { connectTimeoutMs: 500, requestTimeoutMs: 10_000, maxAttempts: 3, backoffCapMs: 500 },
    },
  },
  /**
   * One Secrets Manager rotation step (infra/rotation/secret-rotation.ts). The longest is createSecret:
   * describe, look for the pending version, read the current one, generate, write (5 Secrets Manager calls);
   * setSecret makes 4 (describe, read, CloudFront get + update).
   */
  secretRotation: {
    deadlineMs: 60_000,
    marginMs: 5_000,
    clients: { secretsManager: controlPlane, cloudfront: controlPlane },
    longestChain: { secretsManager: 5 },
  },
} as const satisfies Record<string, FunctionBudget>;

export type BudgetedFunction = keyof typeof budgets;

/** Worst case of one call: every attempt runs to its limit, with the longest backoff between attempts. */
export function worstCaseCallMs(budget: SdkBudget | HttpBudget): number {
  const perAttempt = 'timeoutMs' in budget ? budget.timeoutMs : budget.connectTimeoutMs + budget.requestTimeoutMs;
  return budget.maxAttempts * perAttempt + (budget.maxAttempts - 1) * budget.backoffCapMs;
}

/** Worst case of the function's longest fixed chain of calls, or 0 when it has none. */
export function worstCaseChainMs(budget: FunctionBudget): number {
  return Object.entries(budget.longestChain ?? {}).reduce((total, [client, calls]) => {
    const clientBudget = budget.clients[client as keyof FunctionBudget['clients']];
    if (!clientBudget) throw new Error(`longestChain names ${client}, which has no budget`);
    return total + (calls ?? 0) * worstCaseCallMs(clientBudget);
  }, 0);
}

/** The Lambda timeout: the deadline plus the margin, rounded up to whole seconds. */
export function lambdaTimeoutSeconds(budget: FunctionBudget): number {
  return Math.ceil((budget.deadlineMs + budget.marginMs) / 1000);
}
