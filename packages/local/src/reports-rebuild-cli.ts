import './quiet-sdk-warning';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigError, createLogger, isoDate, parseEnv } from '@cc/core';
import { composeServices, connectAws } from '@cc/services';
import { localConfigSchema } from './local-config';
import { operatorBudget } from './operator-budget';
import { ensureTable } from './provision';
import { ServiceStartError, startDynamoDbLocal, type RunningService } from './services';

/**
 * `npm run reports:rebuild [-- --from YYYY-MM-DD --to YYYY-MM-DD]`: recounts the report aggregates from the base
 * items (docs/reports.md). Uses AWS_ENDPOINT_URL_DYNAMODB, else the DynamoDB Local of a running `npm start`, else
 * starts DynamoDB Local on DATA_DIR itself.
 */
const usage = 'Usage: npm run reports:rebuild [-- --from YYYY-MM-DD --to YYYY-MM-DD]';

async function main() {
  const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } } });
  for (const [name, value] of Object.entries(values))
    if (value !== undefined && !isoDate.safeParse(value).success) throw new ConfigError(`--${name}: ${usage}`);
  const config = parseEnv(localConfigSchema, process.env);
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  let endpoint = config.AWS_ENDPOINT_URL_DYNAMODB ?? `http://127.0.0.1:${config.DYNAMODB_PORT}`;
  let started: RunningService | undefined;
  const aws = () =>
    connectAws({ ...config, LOG_LEVEL: 'silent' }, '', {
      endpoints: { dynamodb: endpoint },
      region: config.AWS_REGION,
      credentials,
      budget: operatorBudget,
      adaptiveRetry: true,
    });
  try {
    const probe = new DynamoDBClient({ endpoint, region: config.AWS_REGION, credentials, maxAttempts: 1 });
    await ensureTable(probe, config.TABLE_NAME).finally(() => probe.destroy());
  } catch {
    if (config.AWS_ENDPOINT_URL_DYNAMODB) throw new ServiceStartError(`DynamoDB does not answer on ${endpoint}`);
    started = await startDynamoDbLocal({ port: config.DYNAMODB_PORT, dataDir: join(config.DATA_DIR, 'dynamodb') });
    endpoint = started.endpoint;
  }
  try {
    const services = composeServices({ ...aws(), log: createLogger() }, config);
    const result = await services.reportRebuild.rebuild({ from: values.from, to: values.to });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await started?.stop();
  }
}

main().catch((error) => {
  const known = error instanceof ConfigError || error instanceof ServiceStartError;
  process.stderr.write(`\n${known ? error.message : (error as Error).stack}\n\n`);
  process.exit(1);
});
