import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { ensureQueues, ensureTable } from '@cc/local/provision';
import { reporterPoller, streamPoller } from '@cc/local/stream-poller';
import { startWorkers } from '@cc/local/workers';
import { computeTwilioSignature } from '@cc/channels';
import { decodeStreamRecord, userRepository, type ChangeRecord, type User } from '@cc/store';
import { nextIp, nextNumber } from './fixtures';
import { createHttpClient, runLoad, type RequestSpec } from './http-load';
import { localCredentials, region, type BenchEnv } from './services';

/**
 * The scale simulation (issue 17): a bank's population (customers spread over branches and their managers) under
 * the planned peak's mix of work, 2,000 contacts for every 300 new cases, sent as fast as DynamoDB Local takes it.
 * Every write is counted from the table's stream (new and old images), so an index write is counted on the index
 * partition it lands in, and the one it leaves when its key changes: what DynamoDB's partitions would see.
 */
export interface ScaleOptions {
  customers: number;
  branches: number;
  managersPerBranch: number;
  concurrency: number;
  seedMaxMs: number;
  loadMs: number;
  /** How long the reporter and the notifier may take to catch up with the load before counting stops. */
  settleMs: number;
}

/**
 * The planned peak (issue 17): contacts and new cases per second, across branches; and, beside them, the managers'
 * pipeline work (opportunities with a next step), a small rate the issue does not plan but the simulation needs to
 * write every sharded key.
 */
export const PLANNED_PEAK = { contacts: 2000, cases: 300, opportunities: 20 } as const;

/** How the contacts split: calls from customers, calls from numbers no customer has, SMS from customers. */
const CONTACT_MIX = { call: 0.75, unknownCall: 0.05, sms: 0.2 } as const;

/** What one partition (of the table or of an index) took during the run. */
export interface PartitionWrites {
  /** `table` or the index name. */
  where: string;
  key: string;
  writes: number;
  /**
   * Write units: per KB (rounded up) of the item written, the way on-demand tables bill; a table write counts twice,
   * as if transactional (most are), an index write once.
   */
  units: number;
}

export interface ScaleResult {
  seeded: number;
  seedMs: number;
  /** Requests completed, by kind. */
  requests: Record<WorkKind, number>;
  errors: number;
  firstError?: string;
  loadMs: number;
  /** Every partition written to, hottest first. */
  partitions: PartitionWrites[];
  totalWrites: number;
  totalUnits: number;
  /** Records the reporter had not applied when counting stopped (its writes for them are missing). */
  reporterBehind: boolean;
}

export type WorkKind = 'contact' | 'unknown-contact' | 'sms' | 'staff-case' | 'web-complaint' | 'opportunity';

/** Keys sharded over HOT_KEY_SHARDS partitions (`<key>#<n>`), by the index they live in. */
export const shardedKeys = [
  { where: 'gsi1', key: 'NOTIF#PENDING' },
  { where: 'gsi1', key: 'FOLLOWUP#DUE' },
  { where: 'gsi1', key: 'CASE#RESPONDBY' },
  { where: 'gsi1', key: 'CASE#RESOLVEBY' },
  { where: 'gsi3', key: 'OPP#NEXTSTEP' },
  { where: 'gsi3', key: 'UNIDENTIFIED' },
] as const;

export const isShard = (p: Pick<PartitionWrites, 'where' | 'key'>) =>
  shardedKeys.some((s) => s.where === p.where && new RegExp(`^${s.key}#\\d+$`).test(p.key));

const indexes = ['gsi1', 'gsi2', 'gsi3'] as const;

/** Roughly DynamoDB's item size: attribute names plus values (strings as UTF-8, numbers ~ their digits). */
function itemBytes(item: Record<string, unknown> | undefined): number {
  if (!item) return 0;
  let bytes = 0;
  for (const [name, value] of Object.entries(item))
    bytes +=
      Buffer.byteLength(name) + (typeof value === 'string' ? Buffer.byteLength(value) : JSON.stringify(value).length);
  return bytes;
}

/** Counts one stream record: the table partition, and each index partition entered or left. */
function count(record: ChangeRecord, into: Map<string, PartitionWrites>) {
  const units = Math.max(1, Math.ceil(Math.max(itemBytes(record.newImage), itemBytes(record.oldImage)) / 1024));
  const add = (where: string, key: string) => {
    const id = `${where}|${key}`;
    const entry = into.get(id) ?? { where, key, writes: 0, units: 0 };
    entry.writes++;
    entry.units += where === 'table' ? 2 * units : units;
    into.set(id, entry);
  };
  add('table', record.keys.pk);
  for (const index of indexes) {
    const before = record.oldImage?.[`${index}pk`];
    const after = record.newImage?.[`${index}pk`];
    if (typeof after === 'string') add(index, after);
    if (typeof before === 'string' && before !== after) add(index, before);
  }
}

export async function runScaleSimulation(env: BenchEnv, options: ScaleOptions): Promise<ScaleResult> {
  const table = 'bench-scale';
  const streamArn = (await ensureTable(env.dynamo, table))!;
  const queueUrl = (await ensureQueues(env.sqs, 'bench-scale-')).notifications;
  const server = await env.serveApp(queueUrl, table);
  const http = createHttpClient(server.baseUrl, options.concurrency + 8);
  const branches = Array.from({ length: options.branches }, (_, b) => `BR-00${b + 1}`);
  const users: User[] = branches.flatMap((branchId, b) => [
    { id: `sup-${b}`, name: `Supervisor ${b}`, role: 'supervisor', branchId, notifyVia: 'inbox' },
    { id: `agent-${b}`, name: `Agent ${b}`, role: 'agent', branchId, notifyVia: 'inbox' },
    ...Array.from({ length: options.managersPerBranch }, (_, m): User => ({
      id: `mgr-${b}-${m}`,
      name: `Manager ${b}-${m}`,
      role: 'manager',
      branchId,
      notifyVia: 'inbox',
    })),
  ]);
  const repo = userRepository(server.deps.store);
  await Promise.all(users.map((u) => repo.put(u)));
  const supervisors = await Promise.all(branches.map((b, i) => env.token(`sup-${i}`, 'supervisor', b)));
  const agents = await Promise.all(branches.map((b, i) => env.token(`agent-${i}`, 'agent', b)));

  // ------------------------------------------------------------------ the population
  const phoneOf = (i: number) => `+86139${String(10_000_000 + i).slice(-8)}`;
  const customers: { id: string; branch: number; phone: string; manager: string }[] = [];
  const seedStarted = performance.now();
  let next = 0;
  await runLoad({
    concurrency: options.concurrency,
    maxRequests: options.customers,
    maxMs: options.seedMaxMs,
    next: async () => {
      const i = next++;
      const branch = i % options.branches;
      const res = await http.send({
        method: 'POST',
        path: '/customers',
        token: supervisors[branch],
        json: {
          customerNumber: nextNumber(),
          name: `Scale Customer ${i}`,
          type: 'individual',
          level: 'vip',
          branchId: branches[branch],
          primaryManagerId: `mgr-${branch}-${i % options.managersPerBranch}`,
          contactPoints: [{ kind: 'phone', value: phoneOf(i) }],
        },
      });
      if (res.status === 201) {
        const id = (JSON.parse(res.body) as { id: string }).id;
        customers.push({ id, branch, phone: phoneOf(i), manager: `mgr-${branch}-${i % options.managersPerBranch}` });
      }
      return res;
    },
  });
  const seedMs = performance.now() - seedStarted;
  if (customers.length === 0) throw new Error('scale simulation: no customer could be created');

  // ------------------------------------------------------------------ the workers, and the counting reader
  const log = server.deps.log;
  const streams = new DynamoDBStreamsClient({
    endpoint: env.endpoints.dynamodb,
    region,
    credentials: localCredentials,
  });
  const partitions = new Map<string, PartitionWrites>();
  // Both read from the tip: the population's own writes are not the load's.
  const counter = streamPoller({
    streams,
    streamArn,
    startingPosition: 'LATEST',
    log,
    handle: async (raw) => {
      for (const r of raw) count(decodeStreamRecord(r), partitions);
      return {};
    },
  });
  const reporter = reporterPoller(server.deps.services, { streams, streamArn, startingPosition: 'LATEST', log });
  await counter.round();
  await reporter.round();
  const workers = startWorkers(server.deps.services, {
    sqs: server.deps.sqs,
    queueUrl,
    dataDir: env.dataDir,
    sweepIntervalMs: 5000,
    log,
  });
  const counting = counter.start();
  const reporting = reporter.start();

  // ------------------------------------------------------------------ the load: 2,000 contacts for 300 new cases
  const requests: Record<WorkKind, number> = {
    contact: 0,
    'unknown-contact': 0,
    sms: 0,
    'staff-case': 0,
    'web-complaint': 0,
    opportunity: 0,
  };
  const managerTokens = new Map<string, string>();
  const managerToken = async (c: (typeof customers)[number]) => {
    if (!managerTokens.has(c.manager))
      managerTokens.set(c.manager, await env.token(c.manager, 'manager', branches[c.branch]));
    return managerTokens.get(c.manager)!;
  };
  // Twilio signs the public URL of the webhook; the app checks it against PUBLIC_BASE_URL.
  const smsUrl = `${env.config.PUBLIC_BASE_URL.replace(/\/$/, '')}/webhooks/sms/twilio`;
  let smsCounter = 0;
  const sms = (from: string): RequestSpec => {
    const sid = `SM${String(++smsCounter).padStart(32, '0')}`;
    const params = {
      MessageSid: sid,
      SmsSid: sid,
      AccountSid: `AC${'0'.repeat(32)}`,
      From: from,
      To: '+8610955880000',
      Body: 'News?',
    };
    return {
      method: 'POST',
      path: '/webhooks/sms/twilio',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': computeTwilioSignature(env.keys.twilioAuthToken, smsUrl, params),
      },
      body: new URLSearchParams(params).toString(),
    };
  };
  const pick = () => customers[Math.floor(Math.random() * customers.length)]!;
  // SMS come from customers with a case open (the simulation's own), so they join it as a follow-up instead of
  // opening more cases than the planned 300/s; before any case is open, the message is a call.
  const withOpenCase: (typeof customers)[number][] = [];
  const recently = () => ({
    startedAt: new Date(Date.now() - 300_000).toISOString(),
    endedAt: new Date(Date.now() - 30_000).toISOString(),
  });
  let unknown = 0;
  const work = async (c: (typeof customers)[number]): Promise<[WorkKind, RequestSpec]> => {
    const roll = Math.random() * (PLANNED_PEAK.contacts + PLANNED_PEAK.cases + PLANNED_PEAK.opportunities);
    if (roll >= PLANNED_PEAK.contacts + PLANNED_PEAK.cases)
      return [
        'opportunity',
        {
          method: 'POST',
          path: '/opportunities',
          token: await managerToken(c),
          json: {
            customerId: c.id,
            productCode: 'WM-2026-A',
            expectedAmount: 200000,
            currency: 'CNY',
            expectedCloseDate: '2027-06-30',
            nextStep: { at: new Date(Date.now() + 86_400_000).toISOString(), description: 'Call back' },
          },
        },
      ];
    if (roll < PLANNED_PEAK.contacts * CONTACT_MIX.sms && withOpenCase.length)
      return ['sms', sms(withOpenCase[Math.floor(Math.random() * withOpenCase.length)]!.phone)];
    if (roll < PLANNED_PEAK.contacts * (CONTACT_MIX.sms + CONTACT_MIX.call))
      return [
        'contact',
        {
          method: 'POST',
          path: '/contacts',
          token: agents[c.branch],
          json: { customerId: c.id, direction: 'inbound', channel: 'voice', outcome: 'resolved', ...recently() },
        },
      ];
    if (roll < PLANNED_PEAK.contacts)
      return [
        'unknown-contact',
        {
          method: 'POST',
          path: '/contacts',
          token: agents[c.branch],
          json: {
            phone: `+86137${String(10_000_000 + unknown++).slice(-8)}`,
            direction: 'inbound',
            channel: 'voice',
            outcome: 'follow_up',
            ...recently(),
          },
        },
      ];
    if (roll < PLANNED_PEAK.contacts + PLANNED_PEAK.cases / 2)
      return [
        'staff-case',
        {
          method: 'POST',
          path: '/cases',
          token: agents[c.branch],
          json: { type: 'complaint', category: 'card', description: 'The card was refused twice.', customerId: c.id },
        },
      ];
    return [
      'web-complaint',
      {
        method: 'POST',
        path: '/public/complaints',
        headers: { 'x-forwarded-for': nextIp() },
        json: {
          kind: 'complaint',
          name: 'Li Wei',
          phone: c.phone,
          category: 'card',
          subject: 'Card blocked abroad',
          description: 'My card was blocked while travelling and nobody called me.',
        },
      },
    ];
  };
  const load = await runLoad({
    concurrency: options.concurrency,
    maxRequests: 1_000_000,
    maxMs: options.loadMs,
    next: async () => {
      const subject = pick();
      const [kind, spec] = await work(subject);
      const res = await http.send(spec);
      if (res.status < 300) requests[kind]++;
      if (res.status < 300 && (kind === 'staff-case' || kind === 'web-complaint')) withOpenCase.push(subject);
      return res;
    },
  });

  // ------------------------------------------------------------------ let the consumers catch up, then count
  await reporting.stop();
  const settleUntil = performance.now() + options.settleMs;
  let reporterBehind = true;
  while (performance.now() < settleUntil) {
    const { handled } = await reporter.round();
    if (handled === 0) {
      reporterBehind = false;
      break;
    }
  }
  await workers.stop();
  await counting.stop();
  await counter.catchUp();
  http.close();
  streams.destroy();

  const list = [...partitions.values()].sort((a, b) => b.units - a.units || b.writes - a.writes);
  return {
    seeded: customers.length,
    seedMs,
    requests,
    errors: load.errors,
    firstError: load.firstError,
    loadMs: load.durationMs,
    partitions: list,
    totalWrites: list.reduce((n, p) => n + p.writes, 0),
    totalUnits: list.reduce((n, p) => n + p.units, 0),
    reporterBehind,
  };
}
