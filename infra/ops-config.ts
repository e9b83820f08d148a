/**
 * Everything operations tunes per stage, in one place: data protection, log retention, throttles, the WAF
 * rate limit, reserved concurrency, secret rotation and every alarm threshold. Plain data without CDK
 * imports; the constructs turn it into resources. Function timeouts come from ./ops-budgets.ts (the same
 * in every stage: they follow from the code's SDK budgets, not from the environment).
 *
 * The stage is chosen with `-c stage=dev|staging|prod` (default dev); docs/operations.md explains each figure.
 */
import { budgets, lambdaTimeoutSeconds } from './ops-budgets';

export const stageNames = ['dev', 'staging', 'prod'] as const;
export type StageName = (typeof stageNames)[number];

/** Requests per second (steady) and burst, as API Gateway applies them to a stage or a route. */
export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

export interface StageConfig {
  stage: StageName;
  /** Deletion protection on the table, Retain on stateful resources (table, user pool, logs, keys). */
  protectData: boolean;
  /** Days; each must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ..., 400, 545, 731, ...). */
  logRetentionDays: {
    /** Lambda function logs. */
    functions: number;
    /** The HTTP API's access log: who called what (audit). */
    apiAccess: number;
    /** WAF logs (edge stack) and CloudFront standard logs. */
    edge: number;
  };
  throttle: {
    /** Every route not named below (the authenticated staff API). */
    default: Throttle;
    /** The anonymous routes: complaint form, public status, health, OpenAPI document. */
    public: Throttle;
    /** Provider webhooks (Twilio SMS, email); signed, but bursty. */
    webhooks: Throttle;
  };
  /** WAF rate-based rule on the public routes: requests per client IP per 5 minutes (minimum 10). */
  wafPublicRequestsPer5MinPerIp: number;
  /**
   * Reserved concurrency per worker and for the public edge: a cap that keeps them from starving the staff API, and
   * a floor they always get. The staff API (and console) is not reserved: it uses the account's unreserved pool,
   * which these leave to it.
   */
  reservedConcurrency: {
    notifier: number;
    sweeper: number;
    emailInbound: number;
    secretRotation: number;
    /** The stream consumer: up to `reporterParallelization` batches per shard; keep it >= shards × that factor. */
    reporter: number;
    /**
     * The public edge (functions/public.ts: the complaint form and status, the SMS webhook): a cap, so a flood on the
     * anonymous routes throttles there and never takes the concurrency the staff API runs on. Size it to the edge's
     * peak requests/s × a request's duration, with room for the tail: beyond it Lambda throttles (an error).
     */
    publicEdge: number;
  };
  /**
   * Concurrent batches per stream shard for the reporter (1–10). Records of one partition key stay in order at any
   * factor, and every item of a report ledger shares its partition key (docs/reports.md), so this only adds
   * throughput: the planned peak needs ~190 batches at once (docs/scale.md).
   */
  reporterParallelization: number;
  /** Days between automatic rotations of the generated secrets. */
  rotationDays: { originVerify: number; cursor: number };
  alarms: AlarmThresholds;
}

export interface AlarmThresholds {
  /** Share of API requests answered 5xx, percent, per minute; alarms when 3 of 5 minutes breach. */
  api5xxPercent: number;
  /** API p99 latency (API Gateway `Latency`), ms, per minute; 3 of 5 minutes. The API's deadline is 5 s. */
  apiP99LatencyMs: number;
  /** Lambda `Errors` of one function in 5 minutes. */
  lambdaErrors: number;
  /** Lambda `Throttles` of one function in 5 minutes. */
  lambdaThrottles: number;
  /** DynamoDB read + write throttle events (table and indexes) in 5 minutes. */
  dynamoThrottles: number;
  /** Age of the oldest message in the notifications queue, seconds. */
  queueOldestAgeSeconds: number;
  /** Messages visible in the dead-letter queue. */
  dlqDepth: number;
  /** Stream consumers' `IteratorAge` maximum, ms. */
  streamIteratorAgeMs: number;
}

const dev: StageConfig = {
  stage: 'dev',
  protectData: false,
  logRetentionDays: { functions: 30, apiAccess: 30, edge: 30 },
  throttle: {
    default: { rateLimit: 50, burstLimit: 100 },
    public: { rateLimit: 10, burstLimit: 20 },
    webhooks: { rateLimit: 10, burstLimit: 20 },
  },
  wafPublicRequestsPer5MinPerIp: 300,
  reservedConcurrency: { notifier: 2, sweeper: 1, emailInbound: 2, secretRotation: 1, reporter: 2, publicEdge: 5 },
  reporterParallelization: 1,
  rotationDays: { originVerify: 30, cursor: 90 },
  alarms: {
    api5xxPercent: 5,
    apiP99LatencyMs: 4_000,
    lambdaErrors: 10,
    lambdaThrottles: 10,
    dynamoThrottles: 50,
    queueOldestAgeSeconds: 900,
    dlqDepth: 1,
    streamIteratorAgeMs: 300_000,
  },
};

const staging: StageConfig = {
  ...dev,
  stage: 'staging',
  logRetentionDays: { functions: 90, apiAccess: 90, edge: 90 },
  throttle: {
    default: { rateLimit: 100, burstLimit: 200 },
    public: { rateLimit: 20, burstLimit: 40 },
    webhooks: { rateLimit: 20, burstLimit: 40 },
  },
  reservedConcurrency: { notifier: 5, sweeper: 1, emailInbound: 5, secretRotation: 1, reporter: 8, publicEdge: 10 },
  reporterParallelization: 2,
  alarms: {
    api5xxPercent: 2,
    apiP99LatencyMs: 3_000,
    lambdaErrors: 5,
    lambdaThrottles: 5,
    dynamoThrottles: 10,
    queueOldestAgeSeconds: 600,
    dlqDepth: 1,
    streamIteratorAgeMs: 120_000,
  },
};

/**
 * A large bank's contact centre at its peak (docs/scale.md): 2,000 contacts and 300 new cases a second. Prod's route
 * throttles admit it (a stack test checks); each client beyond its share meets the WAF's per-address rule first.
 */
export const plannedPeak = {
  /** Agents' and managers' requests on the staff API, the console's included. */
  staffRequestsPerSecond: 1_770,
  /** Complaints from the web form (each its POST; the page and the status lookups are routes of their own). */
  formComplaintsPerSecond: 150,
  /** Inbound SMS from the provider's webhook. */
  smsPerSecond: 400,
};

const prod: StageConfig = {
  stage: 'prod',
  protectData: true,
  // 13 months, the seeds' longest retention for flow records (access logs are the audit trail of calls).
  logRetentionDays: { functions: 400, apiAccess: 400, edge: 90 },
  // Each route admits the planned peak with a quarter to spare (plannedPeak); one client's flood is the WAF's.
  throttle: {
    default: { rateLimit: 2_500, burstLimit: 5_000 },
    public: { rateLimit: 400, burstLimit: 800 },
    webhooks: { rateLimit: 500, burstLimit: 1_000 },
  },
  wafPublicRequestsPer5MinPerIp: 100,
  // The planned peak (docs/scale.md): ~25 notifier batches at once, ~190 reporter batches (20 shards × 10), the
  // public edge's ~550 requests/s (form complaints and SMS) ~15–22 at once with a tail of ~45.
  reservedConcurrency: {
    notifier: 30,
    sweeper: 1,
    emailInbound: 10,
    secretRotation: 1,
    reporter: 200,
    publicEdge: 50,
  },
  reporterParallelization: 10,
  rotationDays: { originVerify: 30, cursor: 90 },
  alarms: {
    api5xxPercent: 1,
    apiP99LatencyMs: 2_500,
    lambdaErrors: 1,
    lambdaThrottles: 1,
    dynamoThrottles: 1,
    queueOldestAgeSeconds: 300,
    dlqDepth: 1,
    streamIteratorAgeMs: 60_000,
  },
};

export const stages: Record<StageName, StageConfig> = { dev, staging, prod };

/** The stage named by `-c stage=...`; dev when absent; an unknown name is an error, not a silent default. */
export function stageConfig(name: unknown): StageConfig {
  const stage = name ?? 'dev';
  if (typeof stage !== 'string' || !(stageNames as readonly string[]).includes(stage)) {
    throw new Error(`Unknown stage ${JSON.stringify(stage)}: use -c stage=${stageNames.join('|')}`);
  }
  return stages[stage as StageName];
}

/** Lambda timeouts, seconds, derived from ./ops-budgets.ts. */
export const timeouts = {
  api: lambdaTimeoutSeconds(budgets.api),
  notifier: lambdaTimeoutSeconds(budgets.notifier),
  sweeper: lambdaTimeoutSeconds(budgets.sweeper),
  emailInbound: lambdaTimeoutSeconds(budgets.emailInbound),
  reporter: lambdaTimeoutSeconds(budgets.reporter),
  secretRotation: lambdaTimeoutSeconds(budgets.secretRotation),
} as const;
