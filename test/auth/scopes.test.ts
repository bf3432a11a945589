import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ALL_NAMESPACES,
  type Operation,
  REQUIRED_ROLE,
  ROLES,
  type Role,
  type Scope,
  allows,
  authorize,
  formatScope,
  normalizeScopes,
  parseScope,
  permits,
  requirement,
  roleRank,
} from '../../src/auth/scopes.js';
import type { ErrorCode } from '../../src/model/errors.js';

const code = (expected: ErrorCode) => (error: unknown) => (error as { code?: unknown }).code === expected;

const namespaceName = fc.stringMatching(/^[a-z][a-z0-9_-]{0,12}$/);
const role = fc.constantFrom(...ROLES);
const scopeArb: fc.Arbitrary<Scope> = fc.record({ namespace: fc.oneof(namespaceName, fc.constant(ALL_NAMESPACES)), role });

describe('scopes', () => {
  it('parses and formats namespace:role and *:role', () => {
    assert.deepEqual(parseScope('order:read'), { namespace: 'order', role: 'read' });
    assert.deepEqual(parseScope('*:admin'), { namespace: '*', role: 'admin' });
    assert.equal(formatScope(parseScope('customer-v2:steward')), 'customer-v2:steward');
    fc.assert(fc.property(scopeArb, (scope) => assert.deepEqual(parseScope(formatScope(scope)), { ...scope })));
  });

  it('refuses malformed scopes with INVALID_ARGUMENT naming the field', () => {
    for (const text of ['', 'order', 'order:', ':read', 'order:root', 'Order:read', 'order:read:write', 'a b:read', '**:read', 'order:READ']) {
      assert.throws(() => parseScope(text), (error: unknown) => code('INVALID_ARGUMENT')(error) && (error as { context: { field: string } }).context.field === 'scope', text);
    }
  });

  it('orders roles read < write < steward < admin, a higher one implying the lower', () => {
    assert.deepEqual([...ROLES], ['read', 'write', 'steward', 'admin']);
    assert.ok(roleRank('read') < roleRank('write') && roleRank('write') < roleRank('steward') && roleRank('steward') < roleRank('admin'));
    const steward = [parseScope('order:steward')];
    assert.equal(allows(steward, 'order', 'read'), true);
    assert.equal(allows(steward, 'order', 'write'), true);
    assert.equal(allows(steward, 'order', 'steward'), true);
    assert.equal(allows(steward, 'order', 'admin'), false);
  });

  it('confines a scope to its namespace, and * to nothing less than a * scope', () => {
    const scopes = [parseScope('order:write')];
    assert.equal(allows(scopes, 'order', 'write'), true);
    assert.equal(allows(scopes, 'customer', 'read'), false);
    assert.equal(allows(scopes, ALL_NAMESPACES, 'read'), false, 'a namespace scope grants nothing on every namespace');
    assert.equal(allows([parseScope('*:read')], 'anything', 'read'), true);
    assert.equal(allows([parseScope('*:read')], 'anything', 'write'), false);
    assert.equal(allows([], 'order', 'read'), false);
  });

  it('names the role each operation needs', () => {
    const expected: Record<Role, Operation[]> = {
      read: ['resolve', 'translate', 'history', 'list', 'verify', 'usage.report', 'change.list', 'flag.read'],
      write: ['register', 'alias', 'rebind', 'import'],
      steward: ['deprecate', 'archive', 'erase', 'scheme.add', 'scheme.deprecate', 'scheme.archive', 'change.decide', 'flag.set'],
      admin: ['namespace.create', 'token.create', 'token.list', 'token.revoke'],
    };
    for (const [needed, operations] of Object.entries(expected)) {
      for (const operation of operations) assert.equal(REQUIRED_ROLE[operation], needed, operation);
    }
    assert.equal(Object.keys(REQUIRED_ROLE).length, Object.values(expected).flat().length);
  });

  it('checks global operations on *, whatever namespace is named', () => {
    assert.deepEqual(requirement('namespace.create', 'order'), { namespace: '*', role: 'admin' });
    assert.deepEqual(requirement('token.create'), { namespace: '*', role: 'admin' });
    assert.equal(permits([parseScope('order:admin')], 'namespace.create', 'order'), false);
    assert.equal(permits([parseScope('*:admin')], 'namespace.create', 'order'), true);
    assert.equal(permits([parseScope('order:admin')], 'erase', 'order'), true);
    assert.equal(permits([parseScope('order:write')], 'erase', 'order'), false);
    assert.equal(permits([parseScope('order:read')], 'resolve', 'order'), true);
    assert.throws(() => requirement('resolve'), code('INVALID_ARGUMENT'));
  });

  it('authorize: UNAUTHENTICATED without a principal, FORBIDDEN naming the scope needed', () => {
    assert.throws(() => authorize(null, 'resolve', 'order'), code('UNAUTHENTICATED'));
    const principal = { id: '0123456789abcdef', actor: 'billing', scopes: [parseScope('order:read')] };
    authorize(principal, 'resolve', 'order');
    assert.throws(
      () => authorize(principal, 'register', 'order'),
      (error: unknown) => code('FORBIDDEN')(error) && (error as { context: { required: string; actor: string } }).context.required === 'order:write',
    );
    assert.throws(() => authorize(principal, 'resolve', 'customer'), code('FORBIDDEN'));
  });

  it('normalizes a token’s scopes: at least one, validated, duplicates dropped', () => {
    assert.throws(() => normalizeScopes([]), code('INVALID_ARGUMENT'));
    assert.throws(() => normalizeScopes([{ namespace: 'order', role: 'owner' as Role }]), code('INVALID_ARGUMENT'));
    assert.throws(() => normalizeScopes([{ namespace: 'Order!', role: 'read' }]), code('INVALID_ARGUMENT'));
    assert.deepEqual(normalizeScopes([parseScope('order:read'), parseScope('*:admin'), parseScope('order:read')]).map(formatScope), ['order:read', '*:admin']);
  });

  it('property: allows() is monotone in the role granted and in the role needed', () => {
    fc.assert(
      fc.property(fc.array(scopeArb, { maxLength: 5 }), namespaceName, role, role, (scopes, namespace, needed, lower) => {
        if (roleRank(lower) <= roleRank(needed) && allows(scopes, namespace, needed)) assert.equal(allows(scopes, namespace, lower), true);
        const raised = scopes.map((s) => ({ ...s, role: 'admin' as const }));
        if (allows(scopes, namespace, needed)) assert.equal(allows(raised, namespace, needed), true);
        if (allows(scopes, namespace, needed)) assert.equal(allows([...scopes, ...raised], namespace, needed), true, 'more scopes never take a right away');
      }),
    );
  });

  it('property: a * scope covers every namespace up to its role, and grants * itself', () => {
    fc.assert(
      fc.property(role, role, namespaceName, fc.array(scopeArb, { maxLength: 3 }), (granted, needed, namespace, others) => {
        const scopes = [...others, { namespace: ALL_NAMESPACES, role: granted }];
        if (roleRank(granted) >= roleRank(needed)) {
          assert.equal(allows(scopes, namespace, needed), true);
          assert.equal(allows(scopes, ALL_NAMESPACES, needed), true);
        }
        assert.equal(allows([{ namespace: ALL_NAMESPACES, role: granted }], namespace, needed), roleRank(granted) >= roleRank(needed));
      }),
    );
  });
});
