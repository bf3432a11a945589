import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Registry } from '../../src/registry/registry.js';
import {
  ORDER,
  SKU,
  type TestRegistry,
  binding,
  defineOrder,
  defineSku,
  eventCount,
  legacy,
  openTestRegistry,
  rejectsWith,
  typeId,
  ulid,
  uuid,
} from '../registry/fixtures.js';
import type { StoreKind } from './stores.js';

/** A fresh registry with the `order` namespace for every test, closed after it. */
function withOrder(kind: StoreKind): () => TestRegistry {
  let current: TestRegistry | undefined;
  beforeEach(async () => {
    current = openTestRegistry(kind);
    await defineOrder(current.registry);
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return () => current as TestRegistry;
}

async function expectNoWrite(registry: Registry, action: () => Promise<unknown>, code: Parameters<typeof rejectsWith>[1]) {
  const before = await eventCount(registry, ORDER);
  const error = await rejectsWith(action, code);
  assert.equal(await eventCount(registry, ORDER), before, `${code} must write nothing`);
  return error;
}

export function writesSuite(kind: StoreKind): void {
  describe('register', () => {
    const ctx = withOrder(kind);

    it('creates an entity with its first identifier and binding', async () => {
      const { registry } = ctx();
      const outcome = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('k1') });
      assert.equal(outcome.op, 'register');
      assert.equal(outcome.changed, true);
      assert.equal(outcome.scheme, 'v1');
      assert.equal(outcome.value, legacy(1));
      assert.equal(outcome.identifier, outcome.seq);
      const resolution = await registry.resolve(ORDER, { scheme: 'v1', value: legacy(1) });
      assert.equal(resolution.entity, outcome.entity);
      assert.deepEqual(
        resolution.identifiers.map((i) => [i.scheme, i.value, i.state]),
        [['v1', legacy(1), 'active']],
      );
      assert.equal(resolution.binding?.key, 'k1');
      assert.equal(resolution.binding?.version, 1);
    });

    it('keeps text with tabs, line breaks, backslashes and non-ASCII exactly as given, in single and bulk writes', async () => {
      const { registry } = ctx();
      const awkward = 'a\tb\nc\r\\N\\x00 \\ «ключ» 🔑';
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding(awkward, awkward, awkward) }, { reason: awkward });
      await registry.writeMany([{ request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(2), binding: binding(awkward) } }], { bulk: true, reason: awkward });
      for (const n of [1, 2]) assert.equal((await registry.resolve(ORDER, { value: legacy(n) })).binding?.key, awkward);
      const history = await registry.history(ORDER, 0, 100);
      assert.equal(history.filter((event) => event.reason === awkward).length, 2);
      assert.equal((await registry.verify()).ok, true);
    });

    it('is idempotent: the same request returns the same entity with changed:false and no event', async () => {
      const { registry } = ctx();
      const first = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('k1') });
      const before = await eventCount(registry, ORDER);
      const again = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('k1') });
      assert.deepEqual(again, { ...first, changed: false, seq: null });
      // Without a binding the request is a subset of the first: also a repeat.
      const bare = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      assert.equal(bare.entity, first.entity);
      assert.equal(bare.changed, false);
      assert.equal(await eventCount(registry, ORDER), before);
    });

    it('refuses the same identifier with a different binding: IDENTIFIER_CONFLICT', async () => {
      const { registry } = ctx();
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('k1') });
      const error = await expectNoWrite(
        registry,
        () => registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('k2') }),
        'IDENTIFIER_CONFLICT',
      );
      assert.equal(error.context.namespace, ORDER);
      assert.equal(error.context.scheme, 'v1');
      assert.equal(error.context.value, legacy(1));
      assert.equal((await registry.resolve(ORDER, { value: legacy(1) })).binding?.key, 'k1');
    });

    it("refuses to register an identifier already held as another entity's alias: IDENTIFIER_CONFLICT", async () => {
      const { registry } = ctx();
      const first = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      await registry.alias({ namespace: ORDER, from: { scheme: 'v1', value: legacy(1) }, scheme: 'v2', value: typeId(1) });
      const error = await expectNoWrite(registry, () => registry.register({ namespace: ORDER, scheme: 'v2', value: typeId(1) }), 'IDENTIFIER_CONFLICT');
      assert.equal(error.context.entity, first.entity);
    });

    it('refuses invalid identifiers with the rule broken, and never stores them: INVALID_IDENTIFIER', async () => {
      const { registry } = ctx();
      const upper = typeId(7).toUpperCase();
      const cases: [string, string, string][] = [
        ['v2', upper, 'typeid.case'],
        ['v2', 'cus_01h455vb4pex5vsknk084sn02q', 'typeid.prefix'],
        ['v1', 'ORD-12345', 'pattern.match'],
        ['v1', 'ORD-1234567', 'pattern.max-length'],
        ['v1', ` ${legacy(1)}`, 'value.whitespace'],
        ['v1', '', 'value.empty'],
        ['v3', 'U'.repeat(26), 'ulid.alphabet'],
        ['v4', `{${uuid(1)}}`, 'uuid.shape'],
      ];
      for (const [scheme, value, rule] of cases) {
        const error = await expectNoWrite(registry, () => registry.register({ namespace: ORDER, scheme, value }), 'INVALID_IDENTIFIER');
        assert.equal(error.context.rule, rule, `${scheme} ${JSON.stringify(value)}`);
        assert.equal(error.context.scheme, scheme);
      }
      await rejectsWith(registry.resolve(ORDER, { scheme: 'v2', value: upper }), 'INVALID_IDENTIFIER');
      await rejectsWith(registry.resolve(ORDER, { scheme: 'v2', value: typeId(7) }), 'IDENTIFIER_NOT_FOUND');
      const [identifiers] = await ctx().raw.query('SELECT COUNT(*) AS n FROM identifiers');
      assert.equal(Number(identifiers?.['n']), 0);
    });

    it('refuses malformed requests: INVALID_ARGUMENT', async () => {
      const { registry } = ctx();
      await expectNoWrite(registry, () => registry.register({ namespace: ORDER, scheme: 'v1', value: 42 as unknown as string }), 'INVALID_ARGUMENT');
      await expectNoWrite(
        registry,
        () => registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: { store: 'main' } as never }),
        'INVALID_ARGUMENT',
      );
      await expectNoWrite(registry, () => registry.write({ op: 'explode', namespace: ORDER } as never), 'INVALID_ARGUMENT');
      await expectNoWrite(registry, () => registry.write(null as never), 'INVALID_ARGUMENT');
    });

    it('refuses NUL characters in values, bindings and reasons, which no store could keep alike: INVALID_ARGUMENT', async () => {
      const { registry } = ctx();
      const nul = 'a\u0000b';
      await expectNoWrite(registry, () => registry.register({ namespace: ORDER, scheme: 'v1', value: `ORD-00000${nul}` }), 'INVALID_ARGUMENT');
      await expectNoWrite(registry, () => registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding(nul) }), 'INVALID_ARGUMENT');
      await expectNoWrite(registry, () => registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) }, { reason: nul }), 'INVALID_ARGUMENT');
      await expectNoWrite(registry, () => registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) }, { actor: nul }), 'INVALID_ARGUMENT');
    });
  });

  describe('normalisation', () => {
    const ctx = withOrder(kind);

    it('a lowercase ULID is the same identifier as its uppercase spelling', async () => {
      const { registry } = ctx();
      const canonical = ulid(123456);
      const lower = canonical.toLowerCase();
      assert.notEqual(lower, canonical);
      const first = await registry.register({ namespace: ORDER, scheme: 'v3', value: lower });
      assert.equal(first.value, canonical);
      const second = await registry.register({ namespace: ORDER, scheme: 'v3', value: canonical });
      assert.equal(second.changed, false);
      assert.equal(second.entity, first.entity);
      assert.equal((await registry.resolve(ORDER, { scheme: 'v3', value: lower })).identifier.value, canonical);
      assert.equal((await registry.resolve(ORDER, { value: lower })).entity, first.entity);
      const rows = await ctx().raw.query("SELECT value FROM identifier_values WHERE scheme = 'v3'");
      assert.deepEqual(rows, [{ value: canonical }]);
    });

    it('an uppercase UUID is the same identifier as its lowercase spelling', async () => {
      const { registry } = ctx();
      const canonical = uuid(0xabcdef);
      const upper = canonical.toUpperCase();
      const first = await registry.register({ namespace: ORDER, scheme: 'v4', value: upper, binding: binding('k') });
      assert.equal(first.value, canonical);
      const second = await registry.register({ namespace: ORDER, scheme: 'v4', value: canonical, binding: binding('k') });
      assert.equal(second.changed, false);
      assert.equal(second.entity, first.entity);
      assert.equal((await registry.resolve(ORDER, { value: upper })).identifier.value, canonical);
      const rows = await ctx().raw.query("SELECT value FROM identifier_values WHERE scheme = 'v4'");
      assert.deepEqual(rows, [{ value: canonical }]);
    });
  });

  describe('alias', () => {
    const ctx = withOrder(kind);

    it('adds an identifier in another scheme with its lineage', async () => {
      const { registry } = ctx();
      const registered = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      const aliased = await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1), migration: 'm-2025-01' });
      assert.equal(aliased.changed, true);
      assert.equal(aliased.entity, registered.entity);
      const resolution = await registry.resolve(ORDER, { value: typeId(1) });
      assert.equal(resolution.identifier.scheme, 'v2');
      assert.deepEqual(resolution.identifier.derivedFrom, { scheme: 'v1', value: legacy(1) });
      assert.equal(resolution.identifier.migration, 'm-2025-01');
    });

    it('is idempotent: the same alias again is changed:false with no event', async () => {
      const { registry } = ctx();
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      const first = await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) });
      const before = await eventCount(registry, ORDER);
      const again = await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) });
      assert.deepEqual(again, { ...first, changed: false, seq: null });
      assert.equal(await eventCount(registry, ORDER), before);
    });

    it('refuses a value held by another entity: IDENTIFIER_CONFLICT', async () => {
      const { registry } = ctx();
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      const other = await registry.register({ namespace: ORDER, scheme: 'v2', value: typeId(2) });
      const error = await expectNoWrite(
        registry,
        () => registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(2) }),
        'IDENTIFIER_CONFLICT',
      );
      assert.equal(error.context.entity, other.entity);
    });

    it('refuses a second identifier of the entity in one scheme: ALIAS_CONFLICT', async () => {
      const { registry } = ctx();
      const entity = (await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) })).entity;
      await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) });
      const error = await expectNoWrite(
        registry,
        () => registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(99) }),
        'ALIAS_CONFLICT',
      );
      assert.equal(error.context.entity, entity);
      // The registered identifier's own scheme counts too.
      await expectNoWrite(registry, () => registry.alias({ namespace: ORDER, from: { value: typeId(1) }, scheme: 'v1', value: legacy(2) }), 'ALIAS_CONFLICT');
      await rejectsWith(registry.resolve(ORDER, { value: typeId(99) }), 'IDENTIFIER_NOT_FOUND');
    });

    it('refuses an unknown source: IDENTIFIER_NOT_FOUND, and an invalid value: INVALID_IDENTIFIER', async () => {
      const { registry } = ctx();
      await expectNoWrite(registry, () => registry.alias({ namespace: ORDER, from: { value: legacy(5) }, scheme: 'v2', value: typeId(5) }), 'IDENTIFIER_NOT_FOUND');
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(5) });
      const error = await expectNoWrite(
        registry,
        () => registry.alias({ namespace: ORDER, from: { value: legacy(5) }, scheme: 'v2', value: typeId(5).toUpperCase() }),
        'INVALID_IDENTIFIER',
      );
      assert.equal(error.context.rule, 'typeid.case');
    });
  });

  describe('archived schemes', () => {
    const ctx = withOrder(kind);

    it('refuses new identifiers in an archived scheme (SCHEME_ARCHIVED) while its identifiers still resolve', async () => {
      const { registry } = ctx();
      const kept = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      await registry.register({ namespace: ORDER, scheme: 'v2', value: typeId(2) });
      await registry.archiveScheme(ORDER, 'v1');
      await expectNoWrite(registry, () => registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(2) }), 'SCHEME_ARCHIVED');
      await expectNoWrite(registry, () => registry.alias({ namespace: ORDER, from: { value: typeId(2) }, scheme: 'v1', value: legacy(3) }), 'SCHEME_ARCHIVED');
      const resolution = await registry.resolve(ORDER, { value: legacy(1) });
      assert.equal(resolution.entity, kept.entity);
      assert.equal(resolution.identifier.state, 'archived');
      // Repeats of what was done before the archival are still answered as repeats.
      assert.equal((await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) })).changed, false);
      // Aliasing out of the archived scheme into an active one is the point of a migration.
      const aliased = await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) });
      assert.equal(aliased.changed, true);
      assert.equal((await registry.translate(ORDER, { value: legacy(1) }, 'v2')).to.value, typeId(1));
    });
  });

  describe('ambiguity and auto-detection', () => {
    it('detects the scheme of a value when only one scheme accepts it', async (t) => {
      const { registry, close } = openTestRegistry(kind);
      t.after(close);
      await defineOrder(registry);
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) });
      await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v3', value: ulid(1) });
      assert.equal((await registry.resolve(ORDER, { value: legacy(1) })).identifier.scheme, 'v1');
      assert.equal((await registry.resolve(ORDER, { value: typeId(1) })).identifier.scheme, 'v2');
      assert.equal((await registry.resolve(ORDER, { value: ulid(1).toLowerCase() })).identifier.scheme, 'v3');
      const error = await rejectsWith(registry.resolve(ORDER, { value: 'not-an-order' }), 'INVALID_IDENTIFIER');
      assert.equal(error.context.rule, 'no-scheme-matches');
    });

    it('refuses a value present in two schemes without a scheme: AMBIGUOUS_IDENTIFIER', async (t) => {
      const { registry, close } = openTestRegistry(kind);
      t.after(close);
      await defineSku(registry);
      const a = await registry.register({ namespace: SKU, scheme: 'legacy', value: '12345' });
      // Valid in both schemes but present only in one: not ambiguous.
      assert.equal((await registry.resolve(SKU, { value: '12345' })).entity, a.entity);
      const b = await registry.register({ namespace: SKU, scheme: 'catalog', value: '12345' });
      assert.notEqual(a.entity, b.entity);
      const error = await rejectsWith(registry.resolve(SKU, { value: '12345' }), 'AMBIGUOUS_IDENTIFIER');
      assert.deepEqual([...(error.context['schemes'] as string[])].sort(), ['catalog', 'legacy']);
      await rejectsWith(registry.translate(SKU, { value: '12345' }, 'catalog'), 'AMBIGUOUS_IDENTIFIER');
      await rejectsWith(registry.archive({ namespace: SKU, identifier: { value: '12345' } }), 'AMBIGUOUS_IDENTIFIER');
      assert.equal((await registry.resolve(SKU, { scheme: 'legacy', value: '12345' })).entity, a.entity);
      assert.equal((await registry.resolve(SKU, { scheme: 'catalog', value: '12345' })).entity, b.entity);
      // Normalisation applies per scheme: '012345' is 12345 as an integer only.
      assert.equal((await registry.resolve(SKU, { value: '0012345' })).entity, a.entity);
    });
  });

  describe('rebind', () => {
    const ctx = withOrder(kind);

    it('moves the record to a new binding version, idempotently', async () => {
      const { registry } = ctx();
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('k1') });
      const moved = await registry.rebind({ namespace: ORDER, identifier: { value: legacy(1) }, binding: binding('k2', 'orders_v2'), migration: 'm1' });
      assert.equal(moved.changed, true);
      const before = await eventCount(registry, ORDER);
      const again = await registry.rebind({ namespace: ORDER, identifier: { value: legacy(1) }, binding: binding('k2', 'orders_v2'), migration: 'm1' });
      assert.deepEqual(again, { ...moved, changed: false, seq: null });
      assert.equal(await eventCount(registry, ORDER), before);
      const resolution = await registry.resolve(ORDER, { value: legacy(1) });
      assert.deepEqual(
        { key: resolution.binding?.key, collection: resolution.binding?.collection, version: resolution.binding?.version, migration: resolution.binding?.migration },
        { key: 'k2', collection: 'orders_v2', version: 2, migration: 'm1' },
      );
    });

    it('binds an entity registered without a binding, through any of its identifiers', async () => {
      const { registry } = ctx();
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) });
      assert.equal((await registry.resolve(ORDER, { value: legacy(1) })).binding, null);
      await registry.rebind({ namespace: ORDER, identifier: { scheme: 'v2', value: typeId(1) }, binding: binding('k') });
      assert.equal((await registry.resolve(ORDER, { value: legacy(1) })).binding?.version, 1);
    });

    it('refuses an unknown identifier or a malformed binding', async () => {
      const { registry } = ctx();
      await expectNoWrite(registry, () => registry.rebind({ namespace: ORDER, identifier: { value: legacy(9) }, binding: binding('k') }), 'IDENTIFIER_NOT_FOUND');
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(9) });
      await expectNoWrite(
        registry,
        () => registry.rebind({ namespace: ORDER, identifier: { value: legacy(9) }, binding: { store: 'main', collection: '', key: 'k' } }),
        'INVALID_ARGUMENT',
      );
    });
  });

  describe('deprecate and archive identifiers', () => {
    const ctx = withOrder(kind);

    it('deprecates with a sunset, idempotently; a new sunset moves it', async () => {
      const { registry } = ctx();
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      const deprecated = await registry.deprecate({ namespace: ORDER, identifier: { value: legacy(1) }, sunset: '2027-01-31' });
      assert.equal(deprecated.changed, true);
      const before = await eventCount(registry, ORDER);
      const again = await registry.deprecate({ namespace: ORDER, identifier: { value: legacy(1) }, sunset: '2027-01-31T00:00:00.000Z' });
      assert.deepEqual(again, { ...deprecated, changed: false, seq: null });
      assert.equal(await eventCount(registry, ORDER), before);
      const view = (await registry.resolve(ORDER, { value: legacy(1) })).identifier;
      assert.equal(view.state, 'deprecated');
      assert.equal(view.sunset, '2027-01-31T00:00:00.000Z');
      assert.equal((await registry.deprecate({ namespace: ORDER, identifier: { value: legacy(1) }, sunset: '2027-03-31' })).changed, true);
      await expectNoWrite(registry, () => registry.deprecate({ namespace: ORDER, identifier: { value: legacy(1) }, sunset: 'soon' }), 'INVALID_ARGUMENT');
    });

    it('archives idempotently; an archived identifier cannot be deprecated: STATE_CONFLICT', async () => {
      const { registry } = ctx();
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      const archived = await registry.archive({ namespace: ORDER, identifier: { value: legacy(1) } });
      assert.equal(archived.changed, true);
      const before = await eventCount(registry, ORDER);
      assert.deepEqual(await registry.archive({ namespace: ORDER, identifier: { value: legacy(1) } }), { ...archived, changed: false, seq: null });
      await expectNoWrite(registry, () => registry.deprecate({ namespace: ORDER, identifier: { value: legacy(1) }, sunset: '2027-01-31' }), 'STATE_CONFLICT');
      assert.equal(await eventCount(registry, ORDER), before);
      assert.equal((await registry.resolve(ORDER, { value: legacy(1) })).identifier.state, 'archived');
    });

    it('refuses to deprecate an identifier of an archived scheme: SCHEME_ARCHIVED', async () => {
      const { registry } = ctx();
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      await registry.archiveScheme(ORDER, 'v1');
      await expectNoWrite(registry, () => registry.deprecate({ namespace: ORDER, identifier: { value: legacy(1) }, sunset: '2027-01-31' }), 'SCHEME_ARCHIVED');
    });

    it('answers a repeated deprecation as a repeat even after its scheme was archived', async () => {
      const { registry } = ctx();
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      const first = await registry.deprecate({ namespace: ORDER, identifier: { value: legacy(1) }, sunset: '2027-01-31' });
      await registry.archiveScheme(ORDER, 'v1');
      const before = await eventCount(registry, ORDER);
      const again = await registry.deprecate({ namespace: ORDER, identifier: { value: legacy(1) }, sunset: '2027-01-31' });
      assert.deepEqual(again, { ...first, changed: false, seq: null });
      assert.equal(await eventCount(registry, ORDER), before);
    });
  });

  describe('erase', () => {
    const ctx = withOrder(kind);

    it('erases a value; a repeat answers IDENTIFIER_NOT_FOUND and writes nothing', async () => {
      const { registry } = ctx();
      const registered = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      const erased = await registry.erase({ namespace: ORDER, identifier: { value: legacy(1) } });
      assert.equal(erased.changed, true);
      assert.equal(erased.value, null);
      assert.equal(erased.entity, registered.entity);
      assert.equal(erased.identifier, registered.identifier);
      await expectNoWrite(registry, () => registry.erase({ namespace: ORDER, identifier: { value: legacy(1) } }), 'IDENTIFIER_NOT_FOUND');
      await rejectsWith(registry.resolve(ORDER, { value: legacy(1) }), 'IDENTIFIER_NOT_FOUND');
    });
  });
}
