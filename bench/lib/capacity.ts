import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';

/**
 * Bench-only instrumentation of the clients the app was composed with (production code is untouched):
 * a middleware on the document client's stack that (when `capacity` is on) asks every command for
 * ReturnConsumedCapacity: 'TOTAL' and sums what comes back, counts requests per operation (Scans
 * included), and a middleware on the SQS client that counts sends.
 */
export interface Usage {
  requests: number;
  rcu: number;
  wcu: number;
  /** CapacityUnits as DynamoDB reports them (transactions cost 2× per item). */
  cu: number;
  scans: number;
  sqsSends: number;
  sqsMessages: number;
  byOperation: Record<string, number>;
}

export const emptyUsage = (): Usage => ({
  requests: 0,
  rcu: 0,
  wcu: 0,
  cu: 0,
  scans: 0,
  sqsSends: 0,
  sqsMessages: 0,
  byOperation: {},
});

export function diffUsage(after: Usage, before: Usage): Usage {
  const byOperation: Record<string, number> = {};
  for (const [op, n] of Object.entries(after.byOperation)) {
    const d = n - (before.byOperation[op] ?? 0);
    if (d) byOperation[op] = d;
  }
  return {
    requests: after.requests - before.requests,
    rcu: after.rcu - before.rcu,
    wcu: after.wcu - before.wcu,
    cu: after.cu - before.cu,
    scans: after.scans - before.scans,
    sqsSends: after.sqsSends - before.sqsSends,
    sqsMessages: after.sqsMessages - before.sqsMessages,
    byOperation,
  };
}

interface ConsumedCapacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
  Table?: { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<
    string,
    { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number }
  >;
}

export interface Meter {
  usage: Usage;
  /** When true, every DynamoDB command asks for (and the meter sums) consumed capacity. */
  capacity: boolean;
  snapshot(): Usage;
  /** Did any response carry ConsumedCapacity (DynamoDB Local does report it)? */
  capacityReported: boolean;
}

export function createMeter(): Meter {
  const usage = emptyUsage();
  return {
    usage,
    capacity: false,
    capacityReported: false,
    snapshot: () => ({ ...usage, byOperation: { ...usage.byOperation } }),
  };
}

function addCapacity(meter: Meter, consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
  if (!consumed) return;
  meter.capacityReported = true;
  for (const c of Array.isArray(consumed) ? consumed : [consumed]) {
    meter.usage.cu += c.CapacityUnits ?? 0;
    // DynamoDB fills Read/WriteCapacityUnits for some operations only; otherwise CapacityUnits is
    // the read (Get/Query/BatchGet) or write (Put/Update/Transact/BatchWrite) figure.
    meter.usage.rcu += c.ReadCapacityUnits ?? 0;
    meter.usage.wcu += c.WriteCapacityUnits ?? 0;
  }
}

const READS = new Set([
  'GetItemCommand',
  'QueryCommand',
  'BatchGetItemCommand',
  'ScanCommand',
  'TransactGetItemsCommand',
]);

export function instrumentDynamo(doc: DynamoDBDocumentClient, meter: Meter): void {
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const op = String(context.commandName ?? 'unknown');
      meter.usage.requests++;
      meter.usage.byOperation[op] = (meter.usage.byOperation[op] ?? 0) + 1;
      if (op === 'ScanCommand') meter.usage.scans++;
      const measure = meter.capacity;
      if (measure) (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      if (measure) {
        const consumed = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
          .ConsumedCapacity;
        const before = { rcu: meter.usage.rcu, wcu: meter.usage.wcu, cu: meter.usage.cu };
        addCapacity(meter, consumed);
        // When only CapacityUnits is reported, attribute it by the kind of operation.
        const added = meter.usage.cu - before.cu;
        if (added > 0 && meter.usage.rcu === before.rcu && meter.usage.wcu === before.wcu) {
          if (READS.has(op)) meter.usage.rcu += added;
          else meter.usage.wcu += added;
        }
      }
      return result;
    },
    { step: 'initialize', name: 'benchCapacityMeter', priority: 'high', override: true },
  );
}

export function instrumentSqs(sqs: SQSClient, meter: Meter): void {
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const op = String(context.commandName ?? 'unknown');
      if (op === 'SendMessageBatchCommand' || op === 'SendMessageCommand') {
        meter.usage.sqsSends++;
        const entries = (args.input as { Entries?: unknown[] }).Entries;
        meter.usage.sqsMessages += entries ? entries.length : 1;
      }
      return next(args);
    },
    { step: 'initialize', name: 'benchSqsMeter', priority: 'high', override: true },
  );
}

/** Calls `before` and `after` around every document-client send (after only on success), with the command. */
export function tapSend(
  doc: DynamoDBDocumentClient,
  hooks: { before?: (command: unknown) => void; after?: (command: unknown, output: unknown, at: number) => void },
): void {
  const send = doc.send.bind(doc) as (command: unknown, options?: unknown) => Promise<unknown>;
  (doc as unknown as { send: typeof send }).send = async (command: unknown, options?: unknown) => {
    hooks.before?.(command);
    const out = await send(command, options);
    hooks.after?.(command, out, performance.now());
    return out;
  };
}

/** One document-client call as the app made it: enough to send it again. */
export interface RecordedCall {
  make: new (input: never) => unknown;
  input: Record<string, unknown>;
}

/**
 * While `label` is set (the bench sends one request at a time then), records the calls the app makes:
 * every call of the current request in order, and per label the last TransactWriteItems input.
 */
export interface TransactRecorder {
  label: string | undefined;
  current: RecordedCall[];
  last: Map<string, Record<string, unknown>>;
  calls: Map<string, RecordedCall[]>;
  /** Starts recording one request under `label`. */
  begin(label: string): void;
  /** Stops recording; the request's calls are kept under its label. */
  end(): void;
}

export function recordTransactions(doc: DynamoDBDocumentClient): TransactRecorder {
  const recorder: TransactRecorder = {
    label: undefined,
    current: [],
    last: new Map(),
    calls: new Map(),
    begin(label) {
      recorder.label = label;
      recorder.current = [];
    },
    end() {
      if (recorder.label) recorder.calls.set(recorder.label, recorder.current);
      recorder.label = undefined;
    },
  };
  tapSend(doc, {
    before: (command) => {
      if (!recorder.label) return;
      const input = structuredClone((command as { input: Record<string, unknown> }).input);
      recorder.current.push({ make: (command as { constructor: RecordedCall['make'] }).constructor, input });
      if (command instanceof TransactWriteCommand) recorder.last.set(recorder.label, input);
    },
  });
  return recorder;
}
