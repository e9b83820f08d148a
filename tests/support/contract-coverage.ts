import { operationsOf, type ContractDocument } from './contract';

/**
 * The line printed at the end of a run: which documented operation × status pairs the suite exercised
 * (contract-hook.ts records them), with the successes and the errors counted apart and what was missed.
 */
export function contractCoverage(document: ContractDocument, exercisedLines: string[]): string {
  const seen = new Set(exercisedLines.map((l) => l.trim()).filter(Boolean));
  const pairs = operationsOf(document).flatMap((op) =>
    Object.keys(op.responses).map((status) => ({ id: op.operationId, status, key: `${op.operationId} ${status}` })),
  );
  const isSuccess = (status: string) => status.startsWith('2') || status.startsWith('3');
  const missed = pairs.filter((p) => !seen.has(p.key));
  const successes = pairs.filter((p) => isSuccess(p.status));
  const errors = pairs.filter((p) => !isSuccess(p.status));
  const count = (list: typeof pairs) => `${list.filter((p) => seen.has(p.key)).length}/${list.length}`;
  const byOperation = new Map<string, string[]>();
  for (const p of missed) byOperation.set(p.id, [...(byOperation.get(p.id) ?? []), p.status]);
  const missedLine = [...byOperation].map(([id, statuses]) => `${id} ${statuses.join(' ')}`).join('; ');
  const percent = Math.round((100 * (pairs.length - missed.length)) / pairs.length);
  return [
    `contract coverage: ${count(pairs)} documented operation × status pairs exercised (${percent}%); ` +
      `successes ${count(successes)}, errors ${count(errors)}`,
    ...(missed.length ? [`  not exercised: ${missedLine}`] : []),
  ].join('\n');
}
