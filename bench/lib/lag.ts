import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { startWorkers } from '@cc/local/workers';
import { createMeter, instrumentDynamo, tapSend } from './capacity';
import type { HttpClient, RequestSpec } from './http-load';
import type { BenchEnv } from './services';
import { Budget, summarize, type Summary } from './stats';

export interface LagResult {
  sent: number;
  /** Delivery records the requests committed (a complaint commits the manager's and the customer's). */
  records: number;
  errors: number;
  delivered: number;
  lag: Summary;
  /** Scans by the app and the workers during this phase (must be 0). */
  scans: number;
}

type Keyed = { Put?: { Item?: { pk?: unknown } } };
type Updated = { Key?: { pk?: unknown }; UpdateExpression?: string };

/**
 * Notification lag: from the moment the app's TransactWriteItems that wrote the notification returned
 * (case committed) to the moment the in-process notifier's "delivered" UpdateItem returned (delivery
 * recorded). The app under test publishes to its own queue; the workers (packages/local startWorkers)
 * poll it with their own clients, as the notifier Lambda would.
 */
export async function measureLag(
  env: BenchEnv,
  options: {
    queueUrl: string;
    makeHttp: (baseUrl: string) => HttpClient;
    request: () => RequestSpec;
    count: number;
    maxMs: number;
    paceMs: number;
    settleMs: number;
  },
): Promise<LagResult> {
  const server = await env.serveApp(options.queueUrl);
  const committed = new Map<string, number>();
  const delivered = new Map<string, number>();
  tapSend(server.deps.store.doc, {
    after: (command, _out, at) => {
      if (!(command instanceof TransactWriteCommand)) return;
      for (const item of (command.input.TransactItems ?? []) as Keyed[]) {
        const pk = String(item.Put?.Item?.pk ?? '');
        if (pk.startsWith('NOTIF#')) committed.set(pk.slice(6), at);
      }
    },
  });
  const workerDeps = env.compose(options.queueUrl);
  const workerMeter = createMeter();
  instrumentDynamo(workerDeps.store.doc, workerMeter);
  // The notifier records a delivery with an UpdateItem, or inside a transaction when something commits with it.
  tapSend(workerDeps.store.doc, {
    after: (command, _out, at) => {
      const updates: Updated[] =
        command instanceof UpdateCommand
          ? [command.input as Updated]
          : command instanceof TransactWriteCommand
            ? ((command.input.TransactItems ?? []) as { Update?: Updated }[]).flatMap((i) =>
                i.Update ? [i.Update] : [],
              )
            : [];
      for (const update of updates) {
        const pk = String(update.Key?.pk ?? '');
        if (pk.startsWith('NOTIF#') && update.UpdateExpression?.includes('deliveredAt')) delivered.set(pk.slice(6), at);
      }
    },
  });
  const workers = startWorkers(workerDeps.services, {
    sqs: workerDeps.sqs,
    log: workerDeps.log,
    queueUrl: options.queueUrl,
    dataDir: env.dataDir,
    sweepIntervalMs: 3_600_000,
  });
  const http = options.makeHttp(server.baseUrl);
  let errors = 0;
  let sent = 0;
  try {
    const budget = new Budget(options.count, options.maxMs);
    while (budget.next()) {
      const res = await http.send(options.request());
      sent++;
      if (res.status < 200 || res.status > 299) errors++;
      await new Promise((r) => setTimeout(r, options.paceMs));
    }
    const settle = new Budget(Number.MAX_SAFE_INTEGER, options.settleMs);
    while (settle.next() && [...committed.keys()].some((id) => !delivered.has(id)))
      await new Promise((r) => setTimeout(r, 50));
  } finally {
    http.close();
    await workers.stop();
    workerDeps.store.doc.destroy();
    workerDeps.sqs.destroy();
    await server.close();
  }
  const lags = [...committed].filter(([id]) => delivered.has(id)).map(([id, at]) => delivered.get(id)! - at);
  return {
    sent,
    records: committed.size,
    errors,
    delivered: lags.length,
    lag: summarize(lags),
    scans: server.meter.usage.scans + workerMeter.usage.scans,
  };
}
