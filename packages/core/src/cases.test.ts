import { describe, expect, it } from 'vitest';
import {
  assertCaseTransition,
  awaitsResponse,
  caseDeadlines,
  caseManagersOf,
  caseStatuses,
  classificationIssues,
  describeCaseKind,
  hoursByPriority,
  isOpen,
  onCustomerMessage,
  parseHoursByPriority,
  responseDeadline,
  watchedDeadlines,
  withManagers,
  type Case,
  type CaseStatus,
} from './cases';

/** The case lifecycle, read as "from → may move to". Every other pair must be refused. */
const allowed: Record<CaseStatus, CaseStatus[]> = {
  new: ['acknowledged', 'in_progress', 'resolved', 'closed', 'converted'],
  acknowledged: ['in_progress', 'resolved', 'closed', 'converted'],
  in_progress: ['resolved', 'closed', 'converted'],
  resolved: ['closed', 'in_progress'],
  closed: ['in_progress'],
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

describe('deadlines by priority', () => {
  const policy = { response: hoursByPriority(24), resolution: hoursByPriority(360) };
  const at = '2026-11-23T00:00:00.000Z';

  it.each([
    ['urgent', '2026-11-23T04:00:00.000Z', '2026-11-25T12:00:00.000Z'],
    ['normal', '2026-11-24T00:00:00.000Z', '2026-12-08T00:00:00.000Z'],
  ] as const)('a %s case must be answered by %s and resolved by %s', (priority, respondBy, resolveBy) => {
    expect(caseDeadlines({ createdAt: at, priority }, policy)).toEqual({ respondBy, resolveBy });
  });

  it('counts the resolution from the last reopening', () => {
    const reopenedAt = '2026-12-01T00:00:00.000Z';
    expect(caseDeadlines({ createdAt: at, priority: 'normal', reopenedAt }, policy).resolveBy).toBe(
      '2026-12-16T00:00:00.000Z',
    );
  });

  it.each([
    ['24', { urgent: 4, high: 12, normal: 24, low: 48 }],
    ['urgent=2, high=8, normal=24, low=72', { urgent: 2, high: 8, normal: 24, low: 72 }],
    ['urgent=2,high=8,normal=24', undefined],
    ['urgent=2,high=8,normal=24,low=x', undefined],
    ['0', undefined],
    ['soon', undefined],
  ])('reads the setting %j', (text, table) => {
    expect(parseHoursByPriority(text)).toEqual(table);
  });
});

describe('watched deadlines', () => {
  const base = {
    status: 'new' as CaseStatus,
    deleted: false,
    createdAt: '2026-11-01T00:00:00.000Z',
    respondBy: '2026-11-02T00:00:00.000Z',
    resolveBy: '2026-11-15T00:00:00.000Z',
  };
  const breach = (kind: 'response' | 'resolution', reportedAt: string) => ({ kind, dueAt: 'x', reportedAt });

  it.each([
    ['a new case: both', base, ['response', 'resolution']],
    ['in progress: the resolution', { ...base, status: 'in_progress' }, ['resolution']],
    ['resolved: none', { ...base, status: 'resolved' }, []],
    ['deleted: none', { ...base, deleted: true }, []],
    [
      'a response already reported: the resolution',
      { ...base, breaches: [breach('response', '2026-11-03T00:00:00.000Z')] },
      ['resolution'],
    ],
    [
      'a resolution reported in this period: none',
      { ...base, status: 'in_progress', breaches: [breach('resolution', '2026-11-16T00:00:00.000Z')] },
      [],
    ],
    [
      'reopened after a reported resolution breach: the resolution again',
      {
        ...base,
        status: 'in_progress',
        reopenedAt: '2026-11-20T00:00:00.000Z',
        breaches: [breach('resolution', '2026-11-16T00:00:00.000Z')],
      },
      ['resolution'],
    ],
  ] as const)('%s', (_, c, kinds) => {
    expect(Object.keys(watchedDeadlines(c as Parameters<typeof watchedDeadlines>[0]))).toEqual(kinds);
  });
});

describe("a customer's message on a case that is no longer open", () => {
  const now = new Date('2026-11-30T00:00:00.000Z');
  it.each([
    ['in progress', { status: 'in_progress', updatedAt: '2026-11-01T00:00:00.000Z' }, 'append'],
    ['converted', { status: 'converted', updatedAt: '2026-11-01T00:00:00.000Z' }, 'append'],
    ['resolved long ago', { status: 'resolved', updatedAt: '2026-01-01T00:00:00.000Z' }, 'reopen'],
    ['closed 13 days ago', { status: 'closed', closedAt: '2026-11-17T00:00:00.000Z', updatedAt: 'x' }, 'reopen'],
    ['closed 15 days ago', { status: 'closed', closedAt: '2026-11-15T00:00:00.000Z', updatedAt: 'x' }, 'new_case'],
    ['closed before closedAt was kept', { status: 'closed', updatedAt: '2026-10-01T00:00:00.000Z' }, 'new_case'],
  ] as const)('%s: %s', (_, c, outcome) => {
    expect(onCustomerMessage(c as Pick<Case, 'status' | 'closedAt' | 'updatedAt'>, now, 14)).toBe(outcome);
  });
});

describe('cases follow their customer', () => {
  const c = { ownerId: 'mgr-1', primaryManagerId: 'mgr-1', assistingManagerIds: ['mgr-2'] } as Case;

  it('a new primary manager takes the case over', () => {
    expect(withManagers(c, { primaryManagerId: 'mgr-3', assistingManagerIds: [] })).toMatchObject({
      ownerId: 'mgr-3',
      primaryManagerId: 'mgr-3',
      assistingManagerIds: [],
    });
  });

  it('a case assigned to a colleague stays with them when only the assisting managers change', () => {
    const assigned = { ...c, ownerId: 'mgr-9' };
    expect(withManagers(assigned, { primaryManagerId: 'mgr-1', assistingManagerIds: [] }).ownerId).toBe('mgr-9');
  });

  it("a closed relationship's cases go to the branch queue", () => {
    const closed = { status: 'closed', primaryManagerId: 'mgr-1', assistingManagerIds: ['mgr-2'] } as const;
    expect(caseManagersOf(closed)).toEqual({ primaryManagerId: null, assistingManagerIds: [] });
  });
});

describe('classification', () => {
  it.each([
    [{ type: 'complaint' }, []],
    [{ type: 'inquiry' }, ['subject']],
    [{ type: 'complaint', subject: 'product' }, ['subject', 'productCode']],
    [{ type: 'inquiry', subject: 'product' }, ['productCode']],
    [{ type: 'inquiry', subject: 'product', productCode: 'WM-1' }, []],
  ] as const)('%j has issues at %j', (c, paths) => {
    expect(classificationIssues(c).map((i) => i.path)).toEqual(paths);
  });

  it('names the kind of case with the right article', () => {
    expect(describeCaseKind({ type: 'inquiry', subject: 'service' })).toBe('an inquiry about service');
    expect(describeCaseKind({ type: 'complaint' })).toBe('a complaint');
  });
});
