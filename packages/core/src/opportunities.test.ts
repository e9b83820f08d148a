import { describe, expect, it } from 'vitest';
import {
  assertOpportunityTransition,
  isOpenStage,
  moneyAmount,
  opportunityStages,
  toMinor,
  fromMinor,
  type OpportunityStage,
} from './opportunities';
import { isoDate } from './fields';

/** The sales pipeline: forward one stage, back one while open, lost from any open stage, won only after negotiation. */
const allowed: Record<OpportunityStage, OpportunityStage[]> = {
  new: ['qualified', 'lost'],
  qualified: ['proposal', 'new', 'lost'],
  proposal: ['negotiation', 'qualified', 'lost'],
  negotiation: ['won', 'proposal', 'lost'],
  won: [],
  lost: [],
};

describe('opportunity stages', () => {
  for (const from of opportunityStages) {
    for (const to of opportunityStages) {
      const ok = allowed[from].includes(to);
      it(`${from} → ${to}: ${ok ? 'allowed' : 'refused'}`, () => {
        if (ok) expect(() => assertOpportunityTransition(from, to)).not.toThrow();
        else {
          expect(() => assertOpportunityTransition(from, to)).toThrow(
            expect.objectContaining({ code: 'opportunity.invalid_transition' }),
          );
        }
      });
    }
  }

  it('won and lost are the closed stages', () => {
    expect(opportunityStages.filter((s) => !isOpenStage(s))).toEqual(['won', 'lost']);
  });
});

describe('money and dates', () => {
  it.each([
    [0, true],
    [1234.5, true],
    [1234.56, true],
    [1234.567, false],
    [-1, false],
    [1e14, false],
  ])('amount %s is %s', (amount, ok) => {
    expect(moneyAmount.safeParse(amount).success).toBe(ok);
  });

  it('sums in minor units exactly', () => {
    expect(fromMinor(toMinor(0.1) + toMinor(0.2))).toBe(0.3);
  });

  it.each([
    ['2026-12-31', true],
    ['2026-02-30', false],
    ['2026-2-3', false],
    ['31/12/2026', false],
  ])('date %s is %s', (date, ok) => {
    expect(isoDate.safeParse(date).success).toBe(ok);
  });
});
