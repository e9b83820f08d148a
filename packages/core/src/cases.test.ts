import { describe, expect, it } from 'vitest';
import { assertCaseTransition, awaitsResponse, caseStatuses, isOpen, responseDeadline, type CaseStatus } from './cases';

/** The case lifecycle, read as "from → may move to". Every other pair must be refused. */
const allowed: Record<CaseStatus, CaseStatus[]> = {
  new: ['acknowledged', 'in_progress', 'resolved', 'closed', 'converted'],
  acknowledged: ['in_progress', 'resolved', 'closed', 'converted'],
  in_progress: ['resolved', 'closed', 'converted'],
  resolved: ['closed', 'in_progress'],
  closed: [],
  converted: [],
};

describe('case transitions', () => {
  for (const from of caseStatuses) {
    for (const to of caseStatuses) {
      const ok = allowed[from].includes(to);
      it(`${from} → ${to}: ${ok ? 'allowed' : 'refused'}`, () => {
        if (ok) expect(() => assertCaseTransition(from, to)).not.toThrow();
        else {
          expect(() => assertCaseTransition(from, to)).toThrow(
            expect.objectContaining({ code: 'case.invalid_transition', allowed: allowed[from] }),
          );
        }
      });
    }
  }

  it('counts new, acknowledged and in progress as open', () => {
    expect(caseStatuses.filter(isOpen)).toEqual(['new', 'acknowledged', 'in_progress']);
  });
});

describe('first-response deadline', () => {
  const at = '2026-11-23T00:00:00.000Z';
  it.each([
    ['urgent', '2026-11-23T04:00:00.000Z'],
    ['high', '2026-11-23T12:00:00.000Z'],
    ['normal', '2026-11-24T00:00:00.000Z'],
    ['low', '2026-11-25T00:00:00.000Z'],
  ] as const)('a %s case created at midnight must be acted on by %s (24 h base)', (priority, due) => {
    expect(responseDeadline(at, priority, 24)).toBe(due);
  });

  it('is awaited only while the case is new and not deleted', () => {
    expect(awaitsResponse({ status: 'new', deleted: false })).toBe(true);
    expect(awaitsResponse({ status: 'new', deleted: true })).toBe(false);
    expect(awaitsResponse({ status: 'acknowledged', deleted: false })).toBe(false);
  });
});
