import { reporterPoller, type StreamPoller } from '@cc/local/stream-poller';
import type { TestContext } from './harness';

/** The reporter's local poller over the test table's stream, feeding `services` (default: the context's). */
export function reportsPoller(
  t: TestContext,
  services: Parameters<typeof reporterPoller>[0] = t.services,
): StreamPoller {
  return reporterPoller(services, { ...t.stream, log: t.deps.log });
}
