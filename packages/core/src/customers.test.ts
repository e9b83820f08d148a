import { describe, expect, it } from 'vitest';
import {
  applyChange,
  contactPointIssues,
  decideLevelByRule,
  defaultLevelPolicy as policy,
  lacksRequiredManager,
  levelByRule,
  levelPolicyFor,
  parseLevelRules,
  requiresPrimaryManager,
  type Customer,
} from './customers';

describe('customer levels', () => {
  it.each([
    [undefined, undefined],
    [0, 'standard'],
    [199_999, 'standard'],
    [200_000, 'gold'],
    [1_000_000, 'vip'],
    [6_000_000, 'private'],
  ])('assets of %s give level %s by rule', (aum, level) => {
    expect(levelByRule(policy, { aum })).toBe(level);
  });

  it.each([
    ['individual', 'standard', false],
    ['individual', 'gold', false],
    ['individual', 'vip', true],
    ['individual', 'private', true],
    ['corporate', 'standard', true],
  ])('a %s customer at %s needs a primary manager: %s', (type, level, needed) => {
    expect(requiresPrimaryManager(policy, type, level)).toBe(needed);
  });

  it('keeps only the rules whose level is configured', () => {
    expect(levelPolicyFor(['standard', 'vip'], 'vip').rules).toEqual([{ level: 'vip', minAum: 1_000_000 }]);
  });
});

describe('level rules against levels already set', () => {
  const now = new Date('2026-06-01T00:00:00.000Z');
  const approval = (validUntil: string) => ({ requestId: 'R1', level: 'private', approvedAt: 'x', validUntil });
  it.each([
    ['raises gold to vip', { level: 'gold' }, 1_500_000, 'raised', 'vip'],
    ['keeps vip at vip', { level: 'vip' }, 1_500_000, 'unchanged', 'vip'],
    ['never lowers private to vip', { level: 'private' }, 1_500_000, 'not_lowered', 'private'],
    [
      'leaves an approved private level alone while the approval holds',
      { level: 'private', levelApproval: approval('2026-12-31') },
      7_000_000,
      'unchanged',
      'private',
    ],
    [
      'does not raise over an approved level while it holds',
      { level: 'gold', levelApproval: { ...approval('2026-12-31'), level: 'gold' } },
      1_500_000,
      'held_by_approval',
      'gold',
    ],
    [
      'raises once the approval has expired',
      { level: 'gold', levelApproval: { ...approval('2026-05-31'), level: 'gold' } },
      1_500_000,
      'raised',
      'vip',
    ],
  ] as const)('%s', (_, customer, aum, outcome, to) => {
    expect(decideLevelByRule(policy, customer, { aum }, now)).toMatchObject({ outcome, to, aum });
  });

  it('decides nothing without assets under management', () => {
    expect(decideLevelByRule(policy, { level: 'gold' }, {}, now)).toBeUndefined();
  });

  it('reads thresholds from configuration', () => {
    expect(parseLevelRules('vip:2000000, gold:300000')).toEqual([
      { level: 'vip', minAum: 2_000_000 },
      { level: 'gold', minAum: 300_000 },
    ]);
    expect(parseLevelRules('vip=2000000')).toBeUndefined();
    const configured = levelPolicyFor(policy.levels, 'vip', parseLevelRules('vip:2000000,gold:300000'));
    expect(configured.rules.map((r) => r.level)).toEqual(['gold', 'vip']);
    expect(levelByRule(configured, { aum: 1_500_000 })).toBe('gold');
  });
});

describe('assignment changes', () => {
  const customer = {
    type: 'individual',
    level: 'vip',
    primaryManagerId: 'mgr-1',
    assistingManagerIds: ['mgr-2'],
  } as Customer;

  it('a new primary manager replaces the old one, who does not stay on as assisting', () => {
    const after = applyChange(customer, { kind: 'assignment', primaryManagerId: 'mgr-2' });
    expect(after.primaryManagerId).toBe('mgr-2');
    expect(after.assistingManagerIds).toEqual([]);
  });

  it('adds and removes assisting managers without repeating one', () => {
    const after = applyChange(customer, {
      kind: 'assignment',
      addAssisting: ['mgr-3', 'mgr-3'],
      removeAssisting: ['mgr-2'],
    });
    expect(after.assistingManagerIds).toEqual(['mgr-3']);
  });

  it('a vip without a primary manager breaks the rule', () => {
    expect(lacksRequiredManager(policy, applyChange(customer, { kind: 'assignment', primaryManagerId: null }))).toBe(
      true,
    );
    expect(lacksRequiredManager(policy, applyChange(customer, { kind: 'level', level: 'gold' }))).toBe(false);
  });
});

describe('contact points', () => {
  it('allows one preferred point per kind and no repeated value', () => {
    const point = (kind: 'phone' | 'email', value: string, preferred = false) => ({
      kind,
      value,
      verified: false,
      preferred,
    });
    expect(contactPointIssues([point('phone', '+8613800000001', true), point('email', 'a@b.cn', true)])).toEqual([]);
    expect(
      contactPointIssues([
        point('phone', '+8613800000001', true),
        point('phone', '+8613800000002', true),
        point('phone', '+8613800000001'),
      ]).map((i) => i.path),
    ).toEqual(['contactPoints', 'contactPoints.2.value']);
  });
});
