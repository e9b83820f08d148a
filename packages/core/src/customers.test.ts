import { describe, expect, it } from 'vitest';
import {
  applyChange,
  contactPointIssues,
  defaultLevelPolicy as policy,
  lacksRequiredManager,
  levelByRule,
  levelPolicyFor,
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
