import type { AppDeps } from '@cc/api';

export interface WorkerOptions {
  queueUrl: string;
  dataDir: string;
  sweepIntervalMs: number;
}

/** In-process stand-ins for the notifier (SQS consumer) and the scheduled sweeper. */
export function startWorkers(_deps: AppDeps, _options: WorkerOptions): { stop(): Promise<void> } {
  return { stop: async () => undefined };
}
