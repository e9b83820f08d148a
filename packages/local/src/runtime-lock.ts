import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Logger } from '@cc/core';
import { ServiceStartError } from './services';

/** What a running `npm start` leaves in DATA_DIR: its own pid and its children's, so a later start can clean up. */
export interface RuntimeRecord {
  pid: number;
  /** Part of the runtime's command line (its script), to tell it from a process that got its pid later. */
  commandIncludes: string;
  startedAt: string;
  children: { name: string; pid: number; commandIncludes: string }[];
}

export interface RuntimeLock {
  /** Records a child process; a start after a crash stops it if it is still running. */
  addChild(name: string, pid: number, commandIncludes: string): void;
  /** Removes the record (a clean stop). */
  release(): void;
}

export const RUNTIME_FILE = 'runtime.json';
const STOP_WAIT_MS = 5000;

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The process's command line, or undefined when it cannot be read. */
function commandOf(pid: number): string | undefined {
  try {
    return execFileSync('ps', ['-ww', '-p', String(pid), '-o', 'args='], { encoding: 'utf8', stdio: 'pipe' }).trim();
  } catch {
    return undefined;
  }
}

async function stopProcess(pid: number): Promise<void> {
  process.kill(pid, 'SIGTERM');
  const until = Date.now() + STOP_WAIT_MS;
  while (isAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
}

/** Alive, and still the process that was recorded (its command line says so): not one that got its pid later. */
const running = (p: { pid: number; commandIncludes: string }) =>
  isAlive(p.pid) && !!commandOf(p.pid)?.includes(p.commandIncludes);

function readRecord(file: string): RuntimeRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RuntimeRecord;
  } catch {
    return undefined;
  }
}

/** Whether a local runtime is running on `dataDir` now. */
export function runtimeAlive(dataDir: string): boolean {
  const record = readRecord(join(dataDir, RUNTIME_FILE));
  return !!record && running(record);
}

/**
 * Takes DATA_DIR for this process. A record left by a run that is still alive refuses the start (two runtimes on
 * one DynamoDB Local database would corrupt it); one left by a crashed run (`kill -9`) is cleaned up: its
 * children still running (DynamoDB Local outlives its parent and holds its port) are stopped, once their command
 * line shows they are the ones recorded, so a recycled pid is never killed.
 */
export async function claimRuntime(dataDir: string, log: Logger): Promise<RuntimeLock> {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, RUNTIME_FILE);
  const record: RuntimeRecord = {
    pid: process.pid,
    commandIncludes: basename(process.argv[1] ?? process.argv0),
    startedAt: new Date().toISOString(),
    children: [],
  };
  const write = (flag: 'w' | 'wx') => writeFileSync(file, JSON.stringify(record, null, 2), { flag });
  for (let tries = 1; ; tries++) {
    try {
      write('wx');
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 2) throw error;
    }
    const previous = readRecord(file);
    if (previous && previous.pid !== process.pid && running(previous)) {
      throw new ServiceStartError(
        `Another local runtime (pid ${previous.pid}) is using ${dataDir}. ` +
          'Stop it first (Ctrl-C in its terminal), or give this one another DATA_DIR.',
      );
    }
    for (const child of previous?.children ?? []) {
      if (!running(child)) continue;
      log.warn('stopping a process left behind by a local runtime that did not stop cleanly', {
        name: child.name,
        pid: child.pid,
        previousRuntimePid: previous!.pid,
      });
      await stopProcess(child.pid);
    }
    unlinkSync(file);
  }
  let released = false;
  return {
    addChild(name, pid, commandIncludes) {
      record.children.push({ name, pid, commandIncludes });
      if (!released) write('w');
    },
    release() {
      if (released) return;
      released = true;
      if (readRecord(file)?.pid === process.pid) unlinkSync(file);
    },
  };
}
