import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUNTIME_FILE, type RuntimeRecord } from '@cc/local/runtime-lock';
import { freePort } from '@cc/local/services';

/**
 * `npm start` for real: killed with SIGKILL, it leaves its DynamoDB Local child running on its port; the next
 * start stops that child and serves again on the same data; Ctrl-C (SIGINT) stops everything. Every wait is
 * bounded; nothing here is about speed.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'cc-runtime-'));
const started: ChildProcess[] = [];
const pidsSeen = new Set<number>();

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const record = () =>
  existsSync(join(dataDir, RUNTIME_FILE))
    ? (JSON.parse(readFileSync(join(dataDir, RUNTIME_FILE), 'utf8')) as RuntimeRecord)
    : undefined;

async function startRuntime(env: Record<string, string>) {
  const child = spawn(join('node_modules', '.bin', 'tsx'), ['packages/local/src/main.ts'], {
    env: { ...process.env, ...env, DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const health = `http://127.0.0.1:${env.PORT}/health`;
  await until(`npm start to answer ${health}\n${output}`, async () => {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${output}`);
    const res = await fetch(health, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
    return res?.status === 200 ? true : undefined;
  });
  const runtime = await until('the runtime record', () => (record()?.children.length ? record() : undefined), 5000);
  pidsSeen.add(runtime.pid);
  for (const c of runtime.children) pidsSeen.add(c.pid);
  return { child, runtime, output: () => output };
}

afterAll(() => {
  // Only what this test started, by pid.
  for (const pid of pidsSeen) if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start after a crash', () => {
  it('cleans up what the killed run left, serves again, and stops everything on Ctrl-C', async () => {
    const env = {
      PORT: String(await freePort()),
      DYNAMODB_PORT: String(await freePort()),
      SQS_PORT: String(await freePort()),
    };
    const first = await startRuntime(env);
    const [dynamo] = first.runtime.children;
    expect(dynamo?.name).toBe('DynamoDB Local');

    process.kill(first.runtime.pid, 'SIGKILL');
    await until('the killed runtime to be gone', () => (alive(first.runtime.pid) ? undefined : true), 10_000);
    // What made the next start fail before: the child outlives its parent and holds its port.
    expect(alive(dynamo!.pid)).toBe(true);

    const second = await startRuntime(env);
    expect(alive(dynamo!.pid)).toBe(false);
    expect(second.runtime.pid).not.toBe(first.runtime.pid);
    expect(second.output()).toContain('stopping a process left behind');

    // The demo data survived the crash and holds every invariant: npm run check-data exits 0 on it.
    const check = spawn(join('node_modules', '.bin', 'tsx'), ['packages/local/src/check-data-cli.ts'], {
      env: { ...process.env, ...env, DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let report = '';
    check.stdout!.on('data', (d: Buffer) => (report += d.toString()));
    const code = await new Promise<number | null>((resolve) => check.once('exit', resolve));
    expect(report).toContain('OK: every invariant holds.');
    expect(report).toMatch(/identities\s+\d+\s+0/);
    expect(code).toBe(0);

    second.child.kill('SIGINT');
    await until('Ctrl-C to stop npm start', () => (second.child.exitCode === null ? undefined : true), 30_000);
    for (const child of second.runtime.children) expect(alive(child.pid), child.name).toBe(false);
    expect(alive(second.runtime.pid)).toBe(false);
    expect(record()).toBeUndefined();
  }, 240_000);
});
