import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GOVERNANCE_LOG } from '../../src/model/events.js';
import { applyContract } from '../../src/policy/index.js';
import type { Registry } from '../../src/registry/registry.js';
import { eventCount, rejectsWith } from '../registry/fixtures.js';
import { DAY, type GovernedRegistry, ORDER_CONTRACT, STRICT_POLICY, contractOf, governedRegistry, policyOf } from './fixtures.js';

/** A governed registry with the strict policy and the order contract applied, and one v1 order. */
async function governed(policy = STRICT_POLICY): Promise<GovernedRegistry> {
  const g = governedRegistry();
  await g.registry.applyPolicy(policyOf(policy));
  await applyContract(g.registry, contractOf(ORDER_CONTRACT));
  await g.registry.register({ namespace: 'order', scheme: 'v1', value: 'ORD-000001' });
  return g;
}

/** Asserts the write is refused with POLICY_VIOLATION naming `rule`, and that no log moved. */
async function refused(registry: Registry, rule: string, write: () => Promise<unknown>): Promise<void> {
  const before = [await eventCount(registry, 'order'), await eventCount(registry, GOVERNANCE_LOG)];
  const error = await rejectsWith(write, 'POLICY_VIOLATION');
  assert.equal(error.context['rule'], rule);
  assert.deepEqual([await eventCount(registry, 'order'), await eventCount(registry, GOVERNANCE_LOG)], before, 'nothing written');
}

describe('policy at write time: each rule refuses what breaks it and lets the rest through', () => {
  it('naming: a namespace or scheme whose name breaks the convention', async () => {
    const g = await governed();
    await refused(g.registry, 'naming', () => g.registry.createNamespace({ name: 'bad-name', owner: 'x' }));
    await refused(g.registry, 'naming', () => g.registry.addScheme('order', 'legacy', { kind: 'uuid' }));
    assert.equal((await g.registry.createNamespace({ name: 'invoice', owner: 'billing' })).changed, true);
    await g.close();
  });

  it('exposure-flag: a scheme the applied contract does not declare flagged', async () => {
    const g = await governed();
    await refused(g.registry, 'exposure-flag', () => g.registry.addScheme('order', 'v3', { kind: 'ulid' }));
    const flagged = ORDER_CONTRACT.replace('    hooks:', '      v3:\n        format: { kind: ulid }\n        exposure: flagged\n    hooks:');
    const { application } = await applyContract(g.registry, contractOf(flagged.replace('contract: 1.0.0', 'contract: 1.1.0')));
    assert.deepEqual(application?.outcomes.map((o) => [o.op, o.scheme, o.changed]), [['add-scheme', 'v3', true]]);
    await g.close();
  });

  it('identifier-min-active: an identifier retired too soon after it was issued', async () => {
    const g = await governed();
    await refused(g.registry, 'identifier-min-active', () => g.registry.deprecate({ namespace: 'order', identifier: { value: 'ORD-000001' }, sunset: '2025-06-01' }));
    g.clock.advance(8 * DAY);
    assert.equal((await g.registry.deprecate({ namespace: 'order', identifier: { value: 'ORD-000001' }, sunset: '2025-06-01' })).changed, true);
    await g.close();
  });

  it('deprecation-window: a sunset too close, an archive too soon after deprecation or without one', async () => {
    const g = await governed();
    g.clock.advance(8 * DAY);
    await refused(g.registry, 'deprecation-window', () => g.registry.deprecate({ namespace: 'order', identifier: { value: 'ORD-000001' }, sunset: '2025-01-20' }));
    await refused(g.registry, 'deprecation-window', () => g.registry.archive({ namespace: 'order', identifier: { value: 'ORD-000001' } }));
    await g.registry.deprecate({ namespace: 'order', identifier: { value: 'ORD-000001' }, sunset: '2025-03-01' });
    await refused(g.registry, 'deprecation-window', () => g.registry.archive({ namespace: 'order', identifier: { value: 'ORD-000001' } }));
    g.clock.advance(31 * DAY);
    assert.equal((await g.registry.archive({ namespace: 'order', identifier: { value: 'ORD-000001' } })).changed, true);
    await g.close();
  });

  it('deprecation-window for schemes: a sunset too close, an archive too soon after the deprecation', async () => {
    const g = await governed();
    // Unprotected here, so that the writes are judged and carried out rather than held.
    await applyContract(g.registry, contractOf(ORDER_CONTRACT.replace('protected: true', 'protected: false').replace('contract: 1.0.0', 'contract: 1.0.1')));
    await refused(g.registry, 'deprecation-window', () => g.registry.deprecateScheme('order', 'v1', '2025-01-20', 'v2'));
    await refused(g.registry, 'deprecation-window', () => g.registry.archiveScheme('order', 'v1'));
    assert.equal((await g.registry.deprecateScheme('order', 'v1', '2025-03-01', 'v2')).changed, true);
    await refused(g.registry, 'deprecation-window', () => g.registry.archiveScheme('order', 'v1'));
    g.clock.advance(31 * DAY);
    assert.equal((await g.registry.archiveScheme('order', 'v1')).changed, true);
    await g.close();
  });

  it('a waiver sets a rule aside for its subject until it expires', async () => {
    const waived = `${STRICT_POLICY}
waivers:
  - rule: identifier-min-active
    namespace: order
    reason: partner asked to retire test orders at once
    expires: 2025-01-03
`;
    const g = await governed(waived);
    g.clock.advance(DAY);
    await g.registry.register({ namespace: 'order', scheme: 'v1', value: 'ORD-000002' });
    assert.equal((await g.registry.deprecate({ namespace: 'order', identifier: { value: 'ORD-000002' }, sunset: '2025-06-01' })).changed, true);
    g.clock.advance(2 * DAY);
    await g.registry.register({ namespace: 'order', scheme: 'v1', value: 'ORD-000003' });
    await refused(g.registry, 'identifier-min-active', () => g.registry.deprecate({ namespace: 'order', identifier: { value: 'ORD-000003' }, sunset: '2025-06-01' }));
    await g.close();
  });

  it('an ungoverned registry judges nothing; a rule the policy leaves off finds nothing', async () => {
    const g = governedRegistry();
    await g.registry.createNamespace({ name: 'Not_Conventional'.toLowerCase(), owner: 'x' });
    await g.registry.addScheme('not_conventional', 'anything', { kind: 'uuid' });
    await g.registry.register({ namespace: 'not_conventional', scheme: 'anything', value: '00000000-0000-4000-8000-000000000001' });
    assert.equal((await g.registry.erase({ namespace: 'not_conventional', identifier: { value: '00000000-0000-4000-8000-000000000001' } })).changed, true);
    await g.registry.applyPolicy(policyOf('rules: []'));
    assert.equal((await g.registry.addScheme('not_conventional', 'other', { kind: 'ulid' })).changed, true);
    await g.close();
  });
});

describe('change requests: breaking changes of protected namespaces and erasures wait for a second steward', () => {
  it('holds a scheme deprecation, runs it and its hook once another steward approves', async () => {
    const g = await governed();
    const held = await g.registry.deprecateScheme('order', 'v1', '2025-06-01', 'v2', { reason: 'v2 everywhere' });
    assert.equal(held.changed, false);
    assert.equal(typeof held.pending, 'number');
    assert.equal((await g.registry.getNamespace('order')).schemes.find((s) => s.name === 'v1')?.state, 'active', 'nothing but the request written');
    const id = held.pending as number;

    await rejectsWith(() => g.registry.approveChange(id), 'FORBIDDEN');
    await rejectsWith(() => g.registry.approveChange(id, { actor: 'mallory' }), 'FORBIDDEN');
    await rejectsWith(() => g.registry.approveChange(999), 'CHANGE_NOT_FOUND');
    const { outcome } = await g.registry.approveChange(id, { actor: 'bob' });
    assert.equal(outcome.changed, true);
    assert.equal((await g.registry.getNamespace('order')).schemes.find((s) => s.name === 'v1')?.state, 'deprecated');
    await rejectsWith(() => g.registry.approveChange(id, { actor: 'bob' }), 'STATE_CONFLICT');

    const change = (await g.registry.governance()).changes.get(id);
    assert.deepEqual([change?.status, change?.requester, change?.decidedBy, change?.reason], ['approved', 'alice', 'bob', 'v2 everywhere']);
    assert.deepEqual(
      g.hooks.map((h) => [h.hook, h.payload.trigger, h.payload.scheme]),
      [['notify deprecate', 'deprecate', 'v1']],
    );
    const runs = (await g.registry.governance()).hookRuns;
    assert.deepEqual(
      runs.map((r) => [r.trigger, r.scheme, r.ok]),
      [['deprecate', 'v1', true]],
    );
    await g.close();
  });

  it('a rejection needs a reason and writes nothing of the change', async () => {
    const g = await governed();
    const { pending } = await g.registry.deprecateScheme('order', 'v1', '2025-06-01', 'v2');
    await rejectsWith(() => g.registry.rejectChange(pending as number, { actor: 'bob' }), 'INVALID_ARGUMENT');
    await g.registry.rejectChange(pending as number, { actor: 'bob', reason: 'partners still use v1' });
    assert.equal((await g.registry.getNamespace('order')).schemes.find((s) => s.name === 'v1')?.state, 'active');
    assert.equal((await g.registry.governance()).changes.get(pending as number)?.status, 'rejected');
    await g.close();
  });

  it('an erasure waits for a steward; once approved the value is gone, the entity shows it erased and verify still passes', async () => {
    const g = await governed();
    await g.registry.alias({ namespace: 'order', from: { value: 'ORD-000001' }, scheme: 'v2', value: 'ord_01h455vb4pex5vsknk084sn02q' });
    const held = await g.registry.erase({ namespace: 'order', identifier: { value: 'ORD-000001' } }, { reason: 'GDPR request 42' });
    assert.equal(held.changed, false);
    assert.equal((await g.registry.resolve('order', { value: 'ORD-000001' })).entity, 'ent_000001', 'not erased yet');
    await g.registry.approveChange(held.pending as number, { actor: 'bob' });
    await rejectsWith(() => g.registry.resolve('order', { value: 'ORD-000001' }), 'IDENTIFIER_NOT_FOUND');
    const entity = await g.registry.resolve('order', { value: 'ord_01h455vb4pex5vsknk084sn02q' });
    assert.deepEqual(
      entity.identifiers.map((i) => [i.scheme, i.value]),
      [
        ['v1', null],
        ['v2', 'ord_01h455vb4pex5vsknk084sn02q'],
      ],
    );
    await rejectsWith(() => g.registry.translate('order', { value: 'ord_01h455vb4pex5vsknk084sn02q' }, 'v1'), 'IDENTIFIER_ERASED');
    assert.equal((await g.registry.verify()).ok, true);
    await g.close();
  });

  it('runs sunset hooks once, when the sunset has passed, and records a failing hook as failed', async () => {
    const g = await governed();
    const contract = ORDER_CONTRACT.replace("[{ webhook: 'https://hooks.example/sunset' }]", "[{ webhook: 'https://hooks.example/sunset' }, { command: 'fail loudly' }]").replace('protected: true', 'protected: false');
    await applyContract(g.registry, contractOf(contract.replace('contract: 1.0.0', 'contract: 1.0.1')));
    await g.registry.deprecateScheme('order', 'v1', '2025-03-01', 'v2');
    assert.deepEqual(await g.registry.runDueHooks(), []);
    g.clock.advance(70 * DAY);
    const runs = await g.registry.runDueHooks();
    assert.deepEqual(
      runs.map((r) => [r.trigger, r.hook, r.ok]),
      [
        ['sunset', 'webhook: https://hooks.example/sunset', true],
        ['sunset', 'command: fail loudly', false],
      ],
    );
    assert.deepEqual(await g.registry.runDueHooks(), [], 'each runs once');
    await g.close();
  });
});
