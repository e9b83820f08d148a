import './quiet-sdk-warning';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ConfigError, createLogger, parseEnv } from '@cc/core';
import { composeServices, connectAws, reportAggregatesInvariant } from '@cc/services';
import { checkData, type DataCheck } from '@cc/store/check-data';
import { localConfigSchema } from './local-config';
import { operatorBudget } from './operator-budget';
import { runtimeAlive } from './runtime-lock';
import { freePort, ServiceStartError, startDynamoDbLocal, type RunningService } from './services';

const USAGE = `Usage: npm run check-data [-- --repair] [--grace-seconds=<n>] [--reports] [--aws]

Verifies the invariants the data relies on and prints, for each, how many items it checked and how many
violate it; exits 1 when any does. --repair fixes what can be derived from the table (each fix one
conditional transaction), then checks again. Pending work older than --grace-seconds (default 120) counts
as lost. --reports also compares the report aggregates with a recount from the base items (run it with the
reporter caught up; npm run reports:rebuild repairs them). It reads the table of TABLE_NAME at
AWS_ENDPOINT_URL_DYNAMODB, else at the local runtime's DynamoDB (DYNAMODB_PORT); when that is not running, it
starts DynamoDB Local over DATA_DIR for the check. --aws: the table in AWS, with the SDK's own credentials and
region.
`;

const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function parseArgs(argv: string[]) {
  const options = { repair: false, graceSeconds: 120, aws: false, reports: false };
  for (const arg of argv) {
    const grace = /^--grace-seconds=(\d+)$/.exec(arg);
    if (arg === '--repair') options.repair = true;
    else if (arg === '--aws') options.aws = true;
    else if (arg === '--reports') options.reports = true;
    else if (grace) options.graceSeconds = Number(grace[1]);
    else throw new ConfigError(`Unknown argument ${arg}\n\n${USAGE}`);
  }
  return options;
}

async function answers(endpoint: string): Promise<boolean> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials, maxAttempts: 1 });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

/** The endpoint to read: configured, the running local runtime's, or a DynamoDB Local started for the check. */
async function localEndpoint(
  config: ReturnType<typeof parseEnv<typeof localConfigSchema>>,
): Promise<{ endpoint: string; started?: RunningService }> {
  if (config.AWS_ENDPOINT_URL_DYNAMODB) return { endpoint: config.AWS_ENDPOINT_URL_DYNAMODB };
  const running = `http://127.0.0.1:${config.DYNAMODB_PORT}`;
  if (await answers(running)) return { endpoint: running };
  const dataDir = join(config.DATA_DIR, 'dynamodb');
  if (runtimeAlive(config.DATA_DIR))
    throw new ServiceStartError(
      `npm start is running on ${config.DATA_DIR}, but its DynamoDB does not answer at ${running}`,
    );
  if (!existsSync(dataDir)) throw new ServiceStartError(`No data under ${config.DATA_DIR}: run npm start first`);
  const started = await startDynamoDbLocal({ port: await freePort(), dataDir });
  return { endpoint: started.endpoint, started };
}

function print(check: DataCheck, table: string): void {
  const rows = check.reports.map((r) => [r.name, r.checked, r.violations.length, r.repaired] as const);
  const width = Math.max(...rows.map(([name]) => name.length));
  const line = (cells: readonly (string | number)[]) =>
    `${String(cells[0]).padEnd(width)}  ${cells
      .slice(1)
      .map((c) => String(c).padStart(10))
      .join('  ')}`;
  const out = [
    `check-data: ${check.scanned} items of table ${table}`,
    '',
    line(['invariant', 'checked', 'violations', 'repaired']),
  ];
  for (const row of rows) out.push(line(row));
  for (const r of check.reports.filter((x) => x.violations.length)) {
    out.push('', `${r.name}: ${r.description}`);
    for (const v of r.violations.slice(0, 20)) out.push(`  - ${v.detail}${v.repair ? '' : ' (not repairable here)'}`);
    if (r.violations.length > 20) out.push(`  … and ${r.violations.length - 20} more`);
  }
  out.push('', check.ok ? 'OK: every invariant holds.' : 'VIOLATIONS found (exit code 1).');
  process.stdout.write(out.join('\n') + '\n');
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const config = parseEnv(localConfigSchema, process.env);
  const { endpoint, started } = options.aws ? { endpoint: undefined, started: undefined } : await localEndpoint(config);
  try {
    const credentials = endpoint && !process.env.AWS_ACCESS_KEY_ID ? localCredentials : undefined;
    const aws = connectAws({ ...config, LOG_LEVEL: 'silent' }, '', {
      endpoints: { dynamodb: endpoint },
      region: config.AWS_REGION,
      credentials,
      budget: operatorBudget,
      adaptiveRetry: true,
    });
    const derived = options.reports ? [reportAggregatesInvariant(composeServices(aws, config).reportRebuild)] : [];
    const check = await checkData(aws.store, {
      graceMs: options.graceSeconds * 1000,
      repair: options.repair,
      derived,
    });
    print(check, config.TABLE_NAME);
    return check.ok ? 0 : 1;
  } finally {
    await started?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = error instanceof ConfigError || error instanceof ServiceStartError;
    createLogger().error('check-data failed', {
      error: known ? (error as Error).message : String((error as Error).stack),
    });
    process.exit(2);
  },
);
