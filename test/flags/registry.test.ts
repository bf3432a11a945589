import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GOVERNANCE_LOG } from '../../src/model/events.js';
import { FOUR_STAGES, STAGES, type Stage, TWO_STAGES } from '../../src/model/flags.js';
import { trustedKeysOf, verifyMappingProof } from '../../src/model/proof/index.js';
import { Registry } from '../../src/registry/registry.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { policyOf } from '../policy/fixtures.js';
import { testSigner } from '../registry/proof-fixtures.js';
import { ORDER, type TestRegistry, allEvents, defineOrder, eventCount, legacy, openSqliteTestRegistry, openTestRegistry, rejectsWith, typeId } from '../registry/fixtures.js';

/** `order` with ORD-000001…4 each aliased to typeId(n) in v2. */
async function seeded(registry: Registry): Promise<void> {
  await defineOrder(registry);
  for (const n of [1, 2, 3, 4]) {
    await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(n) });
    await registry.alias({ namespace: ORDER, from: { value: legacy(n) }, scheme: 'v2', value: typeId(n), migration: 'm-v2' });
  }
}

/** Asserts the call fails with `code` (and `field`, when given) and that the governance log did not move. */
async function refused(registry: Registry, code: 'INVALID_ARGUMENT' | 'POLICY_VIOLATION' | 'NAMESPACE_NOT_FOUND' | 'SCHEME_NOT_FOUND', call: () => Promise<unknown>, field?: string) {
  const before = await eventCount(registry, GOVERNANCE_LOG);
  const error = await rejectsWith(call, code);
  if (field !== undefined) assert.equal(error.context['field'], field, error.message);
  assert.equal(await eventCount(registry, GOVERNANCE_LOG), before, 'nothing written');
  return error;
}

const schemesOf = (resolution: { identifiers: readonly { scheme: string }[] }) => resolution.identifiers.map((i) => i.scheme);

describe('flags: transition stages through the registry', () => {
  let t: TestRegistry;
  before(async () => {
    t = openTestRegistry();
    await seeded(t.registry);
  });
  after(() => t.close());

  it('moves a consumer forward through every stage, one event each, with no reason needed', async () => {
    let previous: Stage = 'off';
    for (const stage of STAGES.slice(1)) {
      const outcome = await t.registry.setStage({ namespace: ORDER, consumer: 'billing', stage }, { actor: 'alice', correlationId: `CR-${stage}` });
      assert.deepEqual([outcome.move, outcome.flag], ['forward', { namespace: ORDER, consumer: 'billing', stage, percent: 100, stages: [...STAGES] }], `${previous} → ${stage}`);
      const [event] = await t.registry.history(GOVERNANCE_LOG, (outcome.seq as number) - 1, 1);
      assert.deepEqual([event?.type, event?.actor, event?.correlationId, event?.reason, event?.body], ['flag.stage.set', 'alice', `CR-${stage}`, null, outcome.flag]);
      previous = stage;
    }
  });

  it('writes nothing when the flag is already so', async () => {
    const before = await eventCount(t.registry, GOVERNANCE_LOG);
    const outcome = await t.registry.setStage({ namespace: ORDER, consumer: 'billing', stage: 'complete' });
    assert.deepEqual([outcome.seq, outcome.move, outcome.flag.stage], [null, 'same', 'complete']);
    assert.equal(await eventCount(t.registry, GOVERNANCE_LOG), before);
  });

  it('refuses a move back without a reason (rule stage-order, even ungoverned) and records it with one', async () => {
    const error = await refused(t.registry, 'POLICY_VIOLATION', () => t.registry.setStage({ namespace: ORDER, consumer: 'billing', stage: 'live' }));
    assert.deepEqual([error.context['rule'], error.context['namespace'], error.context['consumer']], ['stage-order', ORDER, 'billing']);
    const outcome = await t.registry.setStage({ namespace: ORDER, consumer: 'billing', stage: 'live' }, { reason: 'new reads disagree', actor: 'bob' });
    assert.equal(outcome.move, 'back');
    const [event] = await t.registry.history(GOVERNANCE_LOG, (outcome.seq as number) - 1, 1);
    assert.deepEqual([event?.actor, event?.reason], ['bob', 'new reads disagree']);
  });

  it('refuses a skip without a reason and records it with one', async () => {
    const error = await refused(t.registry, 'POLICY_VIOLATION', () => t.registry.setStage({ namespace: ORDER, consumer: 'checkout', stage: 'shadow' }));
    assert.equal(error.context['rule'], 'stage-order');
    const outcome = await t.registry.setStage({ namespace: ORDER, consumer: 'checkout', stage: 'shadow' }, { reason: 'dual writes ran in the old system' });
    assert.deepEqual([outcome.move, outcome.flag.stage], ['skip', 'shadow']);
  });

  it('changes the percent within a stage without a reason', async () => {
    const outcome = await t.registry.setStage({ namespace: ORDER, consumer: 'checkout', stage: 'shadow', percent: 25 });
    assert.deepEqual([outcome.move, outcome.flag.percent, typeof outcome.seq], ['same', 25, 'number']);
  });

  it('honours the stages a migration declares, and keeps them for later changes', async () => {
    const set = (stage: Stage, stages?: readonly Stage[]) => t.registry.setStage({ namespace: ORDER, consumer: 'search', stage, ...(stages ? { stages } : {}) });
    assert.equal((await set('dualwrite', FOUR_STAGES)).move, 'forward');
    assert.equal((await set('live')).move, 'forward', 'live follows dualwrite among four stages');
    await refused(t.registry, 'INVALID_ARGUMENT', () => set('shadow'), 'stage');
    const done = await set('complete');
    assert.deepEqual([done.move, done.flag.stages], ['forward', [...FOUR_STAGES]]);
    const two = await t.registry.setStage({ namespace: ORDER, consumer: 'reports', stage: 'complete', stages: TWO_STAGES });
    assert.equal(two.move, 'forward', 'off → complete is one step of two');
  });

  it('moves a consumer without a flag of its own from the `*` flag', async () => {
    await t.registry.setStage({ namespace: ORDER, consumer: '*', stage: 'dualwrite' });
    const outcome = await t.registry.setStage({ namespace: ORDER, consumer: 'ledger', stage: 'shadow' });
    assert.equal(outcome.move, 'forward', 'ledger was in dualwrite through *');
  });

  it('validates every field, writing nothing', async () => {
    const stage = (input: Record<string, unknown>) => () => t.registry.setStage({ namespace: ORDER, consumer: 'x', stage: 'dualwrite', ...input } as never);
    for (const percent of [101, -1, 1.5, '50', Number.NaN]) await refused(t.registry, 'INVALID_ARGUMENT', stage({ percent }), 'percent');
    for (const stages of [['dualwrite', 'complete'], ['off', 'dualwrite'], ['off', 'live', 'dualwrite', 'complete'], ['off', 'off', 'complete'], ['off', 'later', 'complete'], 'off,complete', []]) {
      await refused(t.registry, 'INVALID_ARGUMENT', stage({ stages }), 'stages');
    }
    await refused(t.registry, 'INVALID_ARGUMENT', stage({ stage: 'bogus' }), 'stage');
    for (const consumer of ['', ' billing', 'a\u0001b', 'x'.repeat(129), 7]) await refused(t.registry, 'INVALID_ARGUMENT', stage({ consumer }), 'consumer');
    await refused(t.registry, 'NAMESPACE_NOT_FOUND', stage({ namespace: 'nowhere' }));
    const expose = (input: Record<string, unknown>) => () => t.registry.setExposure({ namespace: ORDER, scheme: 'v2', consumer: 'x', percent: 50, ...input } as never);
    for (const percent of [101, -5, 0.5, undefined]) await refused(t.registry, 'INVALID_ARGUMENT', expose({ percent }), 'percent');
    await refused(t.registry, 'SCHEME_NOT_FOUND', expose({ scheme: 'v9' }));
    await refused(t.registry, 'NAMESPACE_NOT_FOUND', expose({ namespace: 'nowhere' }));
    await refused(t.registry, 'INVALID_ARGUMENT', expose({ consumer: '' }), 'consumer');
  });

  it('lists the latest flag of each consumer, as any registry over the store folds the log', async () => {
    const flags = await t.registry.flags(ORDER);
    assert.deepEqual(
      flags.stages.map((f) => [f.consumer, f.stage, f.percent]),
      [
        ['billing', 'live', 100],
        ['checkout', 'shadow', 25],
        ['search', 'complete', 100],
        ['reports', 'complete', 100],
        ['*', 'dualwrite', 100],
        ['ledger', 'shadow', 100],
      ],
    );
    const fresh = new Registry(t.store);
    assert.deepEqual(await fresh.flags(ORDER), flags);
    assert.deepEqual((await fresh.governance()).stages, (await t.registry.governance()).stages);
    await rejectsWith(t.registry.flags('nowhere'), 'NAMESPACE_NOT_FOUND');
  });
});

describe('flags: stage-order under a policy', () => {
  it('is on whatever the policy says, and a waiver sets it aside', async () => {
    const t = openTestRegistry();
    await defineOrder(t.registry);
    await t.registry.applyPolicy(policyOf('rules:\n  - id: naming\n'));
    await refused(t.registry, 'POLICY_VIOLATION', () => t.registry.setStage({ namespace: ORDER, consumer: 'billing', stage: 'live' }));
    await t.registry.applyPolicy(
      policyOf('rules:\n  - id: naming\nwaivers:\n  - rule: stage-order\n    namespace: order\n    reason: staging namespace, flags flip freely\n    expires: 2030-01-01\n'),
    );
    assert.equal((await t.registry.setStage({ namespace: ORDER, consumer: 'billing', stage: 'live' })).move, 'skip');
    await t.close();
  });
});

describe('flags: exposure honoured by resolve and translate', () => {
  let t: TestRegistry;
  before(async () => {
    t = openTestRegistry();
    await seeded(t.registry);
    await t.registry.setExposure({ namespace: ORDER, scheme: 'v2', consumer: '*', percent: 0 });
    // ORD-000001 is in bucket 21 for billing, ORD-000002 in bucket 84.
    await t.registry.setExposure({ namespace: ORDER, scheme: 'v2', consumer: 'billing', percent: 50 });
    await t.registry.setExposure({ namespace: ORDER, scheme: 'v2', consumer: 'payments', percent: 100 });
  });
  after(() => t.close());

  it('writes nothing when the exposure is already so', async () => {
    const outcome = await t.registry.setExposure({ namespace: ORDER, scheme: 'v2', consumer: 'billing', percent: 50 });
    assert.deepEqual(outcome, { flag: { namespace: ORDER, scheme: 'v2', consumer: 'billing', percent: 50 }, seq: null });
    assert.deepEqual((await t.registry.flags(ORDER)).exposure.map((f) => [f.scheme, f.consumer, f.percent]), [
      ['v2', '*', 0],
      ['v2', 'billing', 50],
      ['v2', 'payments', 100],
    ]);
  });

  it('shows everything without a consumer: the registry’s own view', async () => {
    assert.deepEqual(schemesOf(await t.registry.resolve(ORDER, { value: legacy(1) })), ['v1', 'v2']);
    assert.equal((await t.registry.translate(ORDER, { value: legacy(1) }, 'v2')).to.value, typeId(1));
  });

  it('leaves a hidden scheme out of a resolution and answers a translation into it as not found', async () => {
    const resolution = await t.registry.resolve(ORDER, { value: legacy(1) }, { consumer: 'checkout' });
    assert.deepEqual(schemesOf(resolution), ['v1']);
    assert.ok(!JSON.stringify(resolution).includes(typeId(1)));
    const error = await rejectsWith(t.registry.translate(ORDER, { value: legacy(1) }, 'v2', { consumer: 'checkout' }), 'TRANSLATION_NOT_FOUND');
    assert.ok(!JSON.stringify({ message: error.message, context: error.context }).includes(typeId(1)), error.message);
    const genuine = await rejectsWith(t.registry.translate(ORDER, { value: legacy(1) }, 'v3'), 'TRANSLATION_NOT_FOUND');
    assert.equal(error.message, genuine.message.replace('/v3', '/v2'), 'worded as for an entity without one');
  });

  it('always answers the value asked for, whatever its scheme', async () => {
    const resolution = await t.registry.resolve(ORDER, { value: typeId(1) }, { consumer: 'checkout' });
    assert.deepEqual([resolution.identifier.value, schemesOf(resolution)], [typeId(1), ['v1', 'v2']]);
    assert.equal((await t.registry.translate(ORDER, { value: typeId(1) }, 'v1', { consumer: 'checkout' })).to.value, legacy(1));
  });

  it('follows the consumer’s own flag before `*`, by bucket of the value asked for', async () => {
    assert.deepEqual(schemesOf(await t.registry.resolve(ORDER, { value: legacy(1) }, { consumer: 'billing' })), ['v1', 'v2']);
    assert.deepEqual(schemesOf(await t.registry.resolve(ORDER, { value: legacy(2) }, { consumer: 'billing' })), ['v1']);
    assert.deepEqual(schemesOf(await t.registry.resolve(ORDER, { value: legacy(2) }, { consumer: 'payments' })), ['v1', 'v2']);
  });

  it('cuts the lineage link to a hidden scheme', async () => {
    await t.registry.setExposure({ namespace: ORDER, scheme: 'v1', consumer: 'payments', percent: 0 });
    const resolution = await t.registry.resolve(ORDER, { value: typeId(3) }, { consumer: 'payments' });
    assert.deepEqual(schemesOf(resolution), ['v2']);
    assert.equal(resolution.identifier.derivedFrom, null);
    assert.deepEqual(resolution.identifiers[0], resolution.identifier);
    assert.deepEqual((await t.registry.resolve(ORDER, { value: typeId(3) })).identifier.derivedFrom, { scheme: 'v1', value: legacy(3) });
  });

  it('answers batches item by item', async () => {
    const refs = [{ value: legacy(1) }, { value: legacy(2) }, { value: typeId(2) }];
    const resolved = await t.registry.resolveMany(ORDER, refs, { consumer: 'billing' });
    assert.deepEqual(
      resolved.map((item) => (item.ok ? schemesOf(item.result) : item.error.code)),
      [['v1', 'v2'], ['v1'], ['v1', 'v2']],
    );
    const translated = await t.registry.translateMany(ORDER, refs, 'v2', { consumer: 'billing' });
    assert.deepEqual(
      translated.map((item) => (item.ok ? item.result.to.value : item.error.code)),
      [typeId(1), 'TRANSLATION_NOT_FOUND', typeId(2)],
    );
  });

  it('proves what the consumer is shown', async () => {
    const signer = testSigner();
    await t.registry.addSigningKey(signer);
    await t.registry.checkpoint(ORDER, signer);
    const proof = await t.registry.resolveWithProof(ORDER, { value: legacy(4) }, { consumer: 'checkout' });
    assert.deepEqual(schemesOf(proof.resolution), ['v1']);
    assert.ok(!JSON.stringify(proof).includes(typeId(4)));
    assert.equal(verifyMappingProof(JSON.parse(JSON.stringify(proof)), trustedKeysOf(await t.registry.signingKeys())).ok, true);
  });

  it('validates the consumer', async () => {
    await rejectsWith(t.registry.resolve(ORDER, { value: legacy(1) }, { consumer: '' }), 'INVALID_ARGUMENT');
  });
});

describe('flags: exposure with the read index', () => {
  /** Counts the snapshots a registry takes of its store. */
  function counting(store: Store): { store: Store; reads: () => number } {
    let reads = 0;
    const proxy = new Proxy(store, {
      get(target, property) {
        if (property === 'read') {
          return (fn: Parameters<Store['read']>[0]) => {
            reads += 1;
            return target.read(fn);
          };
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    return { store: proxy, reads: () => reads };
  }

  it('reads no store while the index and the governance state are fresh, and sees its own flag writes at once', async () => {
    const t = openSqliteTestRegistry({ file: true });
    await seeded(t.registry);
    let now = 0;
    const watched = counting(SqliteStore.open(t.path as string));
    const registry = new Registry(watched.store, { readIndex: { maxStalenessMs: 60_000, clock: () => now } });
    const other = new Registry(SqliteStore.open(t.path as string));
    try {
      assert.deepEqual(schemesOf(await registry.resolve(ORDER, { value: legacy(1) }, { consumer: 'checkout' })), ['v1', 'v2']);
      const before = watched.reads();
      for (let i = 0; i < 5; i += 1) await registry.resolve(ORDER, { value: legacy(1) }, { consumer: 'checkout' });
      await registry.translate(ORDER, { value: legacy(1) }, 'v2', { consumer: 'checkout' });
      assert.equal(watched.reads(), before, 'answered from memory');

      await registry.setExposure({ namespace: ORDER, scheme: 'v2', consumer: '*', percent: 0 });
      assert.deepEqual(schemesOf(await registry.resolve(ORDER, { value: legacy(1) }, { consumer: 'checkout' })), ['v1'], 'its own write, at once');

      await other.setExposure({ namespace: ORDER, scheme: 'v2', consumer: 'checkout', percent: 100 });
      assert.deepEqual(schemesOf(await registry.resolve(ORDER, { value: legacy(1) }, { consumer: 'checkout' })), ['v1'], 'another writer’s, within the window: not yet');
      now += 60_000;
      assert.deepEqual(schemesOf(await registry.resolve(ORDER, { value: legacy(1) }, { consumer: 'checkout' })), ['v1', 'v2'], 'once the window has passed');
    } finally {
      await registry.close();
      await other.close();
      await t.close();
    }
  });

  it('answers as the store does when every read checks (the default)', async () => {
    const t = openSqliteTestRegistry({ file: true });
    await seeded(t.registry);
    const registry = new Registry(SqliteStore.open(t.path as string), { readIndex: true });
    try {
      assert.deepEqual(schemesOf(await registry.resolve(ORDER, { value: legacy(1) }, { consumer: 'checkout' })), ['v1', 'v2']);
      await t.registry.setExposure({ namespace: ORDER, scheme: 'v2', consumer: '*', percent: 0 });
      assert.deepEqual(schemesOf(await registry.resolve(ORDER, { value: legacy(1) }, { consumer: 'checkout' })), ['v1']);
      const events = await allEvents(registry, GOVERNANCE_LOG);
      assert.equal(events.at(-1)?.type, 'flag.exposure.set');
    } finally {
      await registry.close();
      await t.close();
    }
  });
});

describe('flags: a scheme the contract declares flagged', () => {
  it('is hidden from every consumer until an exposure flag shows it', async () => {
    const t = openTestRegistry();
    try {
      await seeded(t.registry);
      const { applyContract, parseContract, SourceFile } = await import('../../src/policy/index.js');
      const contract = `contract: 1.0.0
namespaces:
  order:
    owner: orders-team
    stewards: [alice]
    schemes:
      v1: { format: { kind: pattern, pattern: 'ORD-\\d{6}', maxLength: 10 } }
      v2: { format: { kind: typeid, prefix: ord }, exposure: flagged }
      v3: { format: { kind: ulid } }
      v4: { format: { kind: uuid } }
`;
      await applyContract(t.registry, parseContract(SourceFile.parse('contract.yaml', contract)));
      assert.deepEqual(schemesOf(await t.registry.resolve(ORDER, { value: legacy(1) }, { consumer: 'billing' })), ['v1']);
      await rejectsWith(() => t.registry.translate(ORDER, { value: legacy(1) }, 'v2', { consumer: 'billing' }), 'TRANSLATION_NOT_FOUND');
      assert.deepEqual(schemesOf(await t.registry.resolve(ORDER, { value: legacy(1) })), ['v1', 'v2'], 'the registry’s own view shows it');
      await t.registry.setExposure({ namespace: ORDER, scheme: 'v2', consumer: 'billing', percent: 100 });
      assert.deepEqual(schemesOf(await t.registry.resolve(ORDER, { value: legacy(1) }, { consumer: 'billing' })), ['v1', 'v2']);
      assert.deepEqual(schemesOf(await t.registry.resolve(ORDER, { value: legacy(1) }, { consumer: 'shipping' })), ['v1'], 'still hidden from others');
    } finally {
      await t.close();
    }
  });
});
