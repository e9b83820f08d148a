import * as z from 'zod/mini';
import {
  customerNumber,
  DomainError,
  ForbiddenError,
  IdempotencyMismatchError,
  isoDateTime,
  mayInBranch,
  outsideRetention,
  parseJson,
  singleLineText,
  ValidationError,
  type Caller,
  type Case,
  type CaseCreateInput,
  type CaseOrigin,
} from '@cc/core';
import { customerRepository, idempotencyClaim, withIdempotency } from '@cc/store';
import type { CaseOpening } from './case-opening';
import type { ServiceContext } from './context';

export const MAX_IMPORT_LINES = 1000;
/** A case line is flat: its fields are strings. */
const MAX_LINE_DEPTH = 2;
const CONCURRENCY = 4;

const importSources = ['call_center', 'online_banking'] as const;
const originOf: Record<(typeof importSources)[number], CaseOrigin> = {
  call_center: 'call_center_import',
  online_banking: 'online_banking_import',
};

/** One NDJSON line: the case fields plus where it came from and the customer's number in our system. */
const ImportLine = z.looseObject({
  source: z.enum(importSources),
  externalId: singleLineText(120),
  customerNumber,
  occurredAt: z.optional(isoDateTime),
});

export type ImportResult =
  | { line: number; status: 'created' | 'duplicate'; externalId: string; caseId: string }
  | { line: number; status: 'rejected'; externalId?: string; reason: string };

const reasonOf = (error: unknown) =>
  error instanceof ValidationError && error.errors.length
    ? error.errors.map((e) => `${e.path}: ${e.message}`).join('; ')
    : error instanceof Error && 'code' in error
      ? `${String((error as { code: string }).code)}: ${error.message}`
      : 'could not be imported';

/**
 * Imports cases from an external system's NDJSON export. Each line is its own transaction,
 * idempotent per (source, externalId): re-sending a file creates nothing twice and notifies no one twice.
 */
export function caseImportService(ctx: ServiceContext, deps: { cases: CaseOpening }) {
  const { cases } = deps;
  const customers = customerRepository(ctx.store);
  const keepSeconds = ctx.settings.RETENTION_DAYS * 86_400;

  /** The customer a line names, when it is in the importer's branch (any other is as unknown as a missing one). */
  async function customerIdFor(caller: Caller, customerNumber: string): Promise<string | undefined> {
    const id = await customers.idByIdentity({ kind: 'number', value: customerNumber });
    const customer = id ? await customers.get(id) : undefined;
    return customer && customer.status !== 'merged' && customer.branchId === caller.branchId ? customer.id : undefined;
  }

  async function importLine(caller: Caller, text: string, line: number): Promise<ImportResult> {
    let raw: unknown;
    try {
      raw = parseJson(text, MAX_LINE_DEPTH);
    } catch (error) {
      const tooDeep = error instanceof DomainError && error.code === 'request.too_deep';
      return { line, status: 'rejected', reason: tooDeep ? 'nests too deeply' : 'not valid JSON' };
    }
    const head = ImportLine.safeParse(raw);
    if (!head.success) {
      return {
        line,
        status: 'rejected',
        reason: head.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; '),
      };
    }
    const { source, externalId, customerNumber, occurredAt, ...fields } = head.data;
    const when = occurredAt ? outsideRetention(occurredAt, ctx.clock(), ctx.settings.RETENTION_DAYS, 'occurredAt') : [];
    if (when.length) return { line, status: 'rejected', externalId, reason: `occurredAt: ${when[0]!.message}` };
    try {
      const customerId = await customerIdFor(caller, customerNumber);
      if (!customerId)
        return { line, status: 'rejected', externalId, reason: `customerNumber: no customer ${customerNumber}` };
      const input = { ...fields, customerId } as CaseCreateInput;
      const claim = idempotencyClaim(`import:${source}`, externalId, head.data, ctx.clock(), keepSeconds);
      // A line imported before is answered from its record before any work (no case number is taken for it).
      const result = await withIdempotency<Case>(
        ctx.store,
        claim,
        async (recordFor) => ({
          status: 201,
          body: await cases.create({ channel: originOf[source], externalId }, input, { recordFor, occurredAt }),
        }),
        { replayFirst: true },
      );
      return { line, status: result.replayed ? 'duplicate' : 'created', externalId, caseId: result.response.body.id };
    } catch (error) {
      if (error instanceof IdempotencyMismatchError)
        return {
          line,
          status: 'rejected',
          externalId,
          reason: `externalId ${externalId} was already imported with different content`,
        };
      if (
        error instanceof ValidationError ||
        (error instanceof Error && 'code' in error && String((error as { code: string }).code).endsWith('.not_found'))
      ) {
        return { line, status: 'rejected', externalId, reason: reasonOf(error) };
      }
      throw error;
    }
  }

  /** Supervisors and admins import into their branch. */
  function assertMayImport(caller: Caller): void {
    if (!mayInBranch(caller, 'importCases', caller)) {
      throw new ForbiddenError('Only supervisors and admins import cases', 'import.forbidden');
    }
  }

  async function importNdjson(caller: Caller, body: string) {
    assertMayImport(caller);
    return importLines(caller, body);
  }

  /** Lines are numbered from 1 as in the file; blank lines are skipped. */
  async function importLines(
    caller: Caller,
    body: string,
  ): Promise<{ summary: Record<ImportResult['status'], number>; results: ImportResult[] }> {
    const lines = body
      .split(/\r?\n/)
      .map((text, i) => ({ text: text.trim(), line: i + 1 }))
      .filter((l) => l.text !== '');
    if (lines.length === 0)
      throw new ValidationError('The import is empty', [{ path: '(body)', message: 'no lines' }], 'import.empty');
    if (lines.length > MAX_IMPORT_LINES) {
      throw new ValidationError(
        `An import holds at most ${MAX_IMPORT_LINES} lines; split the file`,
        [{ path: '(body)', message: `${lines.length} lines` }],
        'import.too_many_lines',
      );
    }
    const results: ImportResult[] = new Array(lines.length);
    // A repeated (source, externalId) waits for its first line, so the report names the first as created.
    const firstOfKey = new Map<string, Promise<ImportResult>>();
    let next = 0;
    const worker = async () => {
      while (next < lines.length) {
        const index = next++;
        const { text, line } = lines[index]!;
        const key = dedupKeyOf(text);
        const earlier = key === undefined ? undefined : firstOfKey.get(key);
        const run = earlier ? earlier.then(() => importLine(caller, text, line)) : importLine(caller, text, line);
        if (key !== undefined && !earlier) firstOfKey.set(key, run);
        results[index] = await run;
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, lines.length) }, worker));
    const summary = { created: 0, duplicate: 0, rejected: 0 };
    for (const r of results) summary[r.status]++;
    return { summary, results };
  }

  return { assertMayImport, importNdjson };
}

/** The idempotency key a line claims, when it is JSON with a source and an externalId. */
function dedupKeyOf(text: string): string | undefined {
  try {
    const value = parseJson(text, MAX_LINE_DEPTH) as { source?: unknown; externalId?: unknown };
    return typeof value?.source === 'string' && typeof value.externalId === 'string'
      ? `${value.source}\n${value.externalId}`
      : undefined;
  } catch {
    return undefined;
  }
}
