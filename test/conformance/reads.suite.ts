import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  ORDER,
  TICK,
  type TestRegistry,
  binding,
  defineOrder,
  eventTime,
  legacy,
  openTestRegistry,
  rejectsWith,
  shift,
  typeId,
  ulid,
} from '../registry/fixtures.js';
import type { StoreKind } from './stores.js';

export function readsSuite(kind: StoreKind): void {
  describe('resolve and translate', () => {
    let ctx: TestRegistry;
    beforeEach(async () => {
      ctx = openTestRegistry(kind);
      await defineOrder(ctx.registry);
    });
    afterEach(() => ctx.close());

    it('resolves any identifier to the entity, all its identifiers with states and lineage, and the current binding', async () => {
      const { registry } = ctx;
      const registered = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('k1') });
      await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1), migration: 'to-typeid' });
      await registry.alias({ namespace: ORDER, from: { value: typeId(1) }, scheme: 'v3', value: ulid(1) });
      await registry.rebind({ namespace: ORDER, identifier: { value: typeId(1) }, binding: binding('k2'), migration: 'rekey' });
      await registry.deprecate({ namespace: ORDER, identifier: { value: legacy(1) }, sunset: '2027-01-31' });
      await registry.archive({ namespace: ORDER, identifier: { value: ulid(1) } });

      for (const value of [legacy(1), typeId(1), ulid(1)]) {
        const resolution = await registry.resolve(ORDER, { value });
        assert.equal(resolution.namespace, ORDER);
        assert.equal(resolution.entity, registered.entity);
        assert.equal(resolution.identifier.value, value);
        assert.equal(resolution.asOf, null);
        assert.deepEqual(
          resolution.identifiers.map((i) => ({ scheme: i.scheme, value: i.value, state: i.state, sunset: i.sunset, derivedFrom: i.derivedFrom, migration: i.migration })),
          [
            { scheme: 'v1', value: legacy(1), state: 'deprecated', sunset: '2027-01-31T00:00:00.000Z', derivedFrom: null, migration: null },
            { scheme: 'v2', value: typeId(1), state: 'active', sunset: null, derivedFrom: { scheme: 'v1', value: legacy(1) }, migration: 'to-typeid' },
            { scheme: 'v3', value: ulid(1), state: 'archived', sunset: null, derivedFrom: { scheme: 'v2', value: typeId(1) }, migration: null },
          ],
        );
        assert.deepEqual(
          { store: resolution.binding?.store, collection: resolution.binding?.collection, key: resolution.binding?.key, version: resolution.binding?.version, migration: resolution.binding?.migration },
          { store: 'main', collection: 'orders', key: 'k2', version: 2, migration: 'rekey' },
        );
      }
      // Identifiers are listed oldest first; the first one's seq is the registration event.
      const { identifiers } = await registry.resolve(ORDER, { value: ulid(1) });
      assert.equal(identifiers[0]?.seq, registered.seq);
      assert.ok(identifiers.every((i, n) => n === 0 || i.seq > (identifiers[n - 1]?.seq ?? 0)));
    });

    it("shows an identifier's state as the later of its own and its scheme's", async () => {
      const { registry } = ctx;
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) });
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(2) });
      await registry.deprecate({ namespace: ORDER, identifier: { value: legacy(2) }, sunset: '2026-06-30' });
      await registry.deprecateScheme(ORDER, 'v1', '2027-01-31', 'v2');

      const state = async (value: string) => {
        const { identifier } = await registry.resolve(ORDER, { value });
        return [identifier.state, identifier.sunset];
      };
      // The scheme's deprecation, with its sunset, shows on identifiers that are themselves active.
      assert.deepEqual(await state(legacy(1)), ['deprecated', '2027-01-31T00:00:00.000Z']);
      // An identifier's own deprecation keeps its own sunset.
      assert.deepEqual(await state(legacy(2)), ['deprecated', '2026-06-30T00:00:00.000Z']);
      assert.deepEqual(await state(typeId(1)), ['active', null]);

      await registry.archiveScheme(ORDER, 'v1');
      assert.deepEqual(await state(legacy(1)), ['archived', null]);
      assert.equal((await state(legacy(2)))[0], 'archived');
      // Archiving an identifier of an active scheme shows archived; the scheme is unaffected.
      await registry.archive({ namespace: ORDER, identifier: { value: typeId(1) } });
      assert.deepEqual(await state(typeId(1)), ['archived', null]);
      assert.equal((await registry.getNamespace(ORDER)).schemes.find((s) => s.name === 'v2')?.state, 'active');
    });

    it('translates to the entity identifier in another scheme', async () => {
      const { registry } = ctx;
      const registered = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) });
      const translation = await registry.translate(ORDER, { value: legacy(1) }, 'v2');
      assert.equal(translation.entity, registered.entity);
      assert.equal(translation.from.value, legacy(1));
      assert.equal(translation.to.value, typeId(1));
      assert.equal(translation.to.scheme, 'v2');
      assert.equal((await registry.translate(ORDER, { scheme: 'v2', value: typeId(1) }, 'v1')).to.value, legacy(1));
      // Translating to the identifier's own scheme answers itself.
      assert.equal((await registry.translate(ORDER, { value: typeId(1) }, 'v2')).to.value, typeId(1));
    });

    it('answers TRANSLATION_NOT_FOUND, IDENTIFIER_NOT_FOUND, SCHEME_NOT_FOUND and NAMESPACE_NOT_FOUND', async () => {
      const { registry } = ctx;
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      const missing = await rejectsWith(registry.translate(ORDER, { value: legacy(1) }, 'v2'), 'TRANSLATION_NOT_FOUND');
      assert.equal(missing.context.scheme, 'v2');
      const notFound = await rejectsWith(registry.resolve(ORDER, { value: legacy(2) }), 'IDENTIFIER_NOT_FOUND');
      assert.equal(notFound.context.namespace, ORDER);
      await rejectsWith(registry.translate(ORDER, { value: legacy(2) }, 'v2'), 'IDENTIFIER_NOT_FOUND');
      await rejectsWith(registry.translate(ORDER, { value: legacy(1) }, 'v9'), 'SCHEME_NOT_FOUND');
      await rejectsWith(registry.resolve('nope', { value: legacy(1) }), 'NAMESPACE_NOT_FOUND');
      await rejectsWith(registry.translate('nope', { value: legacy(1) }, 'v2'), 'NAMESPACE_NOT_FOUND');
      // A bad instant is a rejected promise, like every other failure, never a synchronous throw.
      await rejectsWith(registry.resolve(ORDER, { value: legacy(1) }, { asOf: 'yesterday' }), 'INVALID_ARGUMENT');
      await rejectsWith(registry.translate(ORDER, { value: legacy(1) }, 'v2', { asOf: '2025-13-01' }), 'INVALID_ARGUMENT');
      await rejectsWith(registry.resolveMany(ORDER, [{ value: legacy(1) }], { asOf: 'now' }), 'INVALID_ARGUMENT');
      await rejectsWith(registry.translateMany(ORDER, [{ value: legacy(1) }], 'v2', { asOf: '' }), 'INVALID_ARGUMENT');
    });

    it('entitiesOf answers the entity of each identifier in one read, null for unknown ones, in the order asked', async () => {
      const { registry } = ctx;
      const first = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) });
      const second = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(2) });
      assert.deepEqual(
        await registry.entitiesOf(ORDER, [
          { scheme: 'v1', value: legacy(2) },
          { scheme: 'v1', value: legacy(9) },
          { scheme: 'v2', value: typeId(1) },
          { scheme: 'v2', value: legacy(1) },
        ]),
        [second.entity, null, first.entity, null],
      );
    });

    it('lookupMany answers entity, identifiers and current binding of many identifiers at once, null for unknown ones', async () => {
      const { registry } = ctx;
      const first = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('k1') });
      await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) });
      await registry.rebind({ namespace: ORDER, identifier: { value: legacy(1) }, binding: binding('k1b') });
      const [one, missing, viaAlias] = await registry.lookupMany(ORDER, [
        { scheme: 'v1', value: legacy(1) },
        { scheme: 'v1', value: legacy(2) },
        { scheme: 'v2', value: typeId(1) },
      ]);
      assert.equal(missing, null);
      assert.deepEqual(one, {
        entity: first.entity,
        identifiers: [
          { scheme: 'v1', value: legacy(1) },
          { scheme: 'v2', value: typeId(1) },
        ],
        binding: binding('k1b'),
      });
      assert.deepEqual(viaAlias, one);
    });

    it('resolveMany and translateMany answer each item on its own', async () => {
      const { registry } = ctx;
      const one = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) });
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(2) });

      const resolved = await registry.resolveMany(ORDER, [{ value: legacy(1) }, { value: legacy(3) }, { value: 'garbage' }, { scheme: 'v2', value: typeId(1) }]);
      assert.deepEqual(
        resolved.map((r) => (r.ok ? r.result.entity : r.error.code)),
        [one.entity, 'IDENTIFIER_NOT_FOUND', 'INVALID_IDENTIFIER', one.entity],
      );

      const translated = await registry.translateMany(ORDER, [{ value: legacy(1) }, { value: legacy(2) }, { value: legacy(3) }], 'v2');
      assert.deepEqual(
        translated.map((r) => (r.ok ? r.result.to.value : r.error.code)),
        [typeId(1), 'TRANSLATION_NOT_FOUND', 'IDENTIFIER_NOT_FOUND'],
      );
      const unknown = await registry.resolveMany('nope', [{ value: legacy(1) }]);
      assert.deepEqual(
        unknown.map((r) => (r.ok ? 'ok' : r.error.code)),
        ['NAMESPACE_NOT_FOUND'],
      );
    });
  });

  describe('as of', () => {
    let ctx: TestRegistry;
    beforeEach(async () => {
      ctx = openTestRegistry(kind);
      await defineOrder(ctx.registry);
    });
    afterEach(() => ctx.close());

    const HALF = TICK / 2;

    it('shows the identifiers that existed then', async () => {
      const { registry } = ctx;
      const registered = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      ctx.clock.advance(60_000);
      const aliased = await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) });
      const registeredAt = await eventTime(registry, ORDER, registered.seq as number);
      const aliasedAt = await eventTime(registry, ORDER, aliased.seq as number);

      const before = await registry.resolve(ORDER, { value: legacy(1) }, { asOf: shift(aliasedAt, -HALF) });
      assert.equal(before.asOf, shift(aliasedAt, -HALF));
      assert.deepEqual(
        before.identifiers.map((i) => i.scheme),
        ['v1'],
      );
      await rejectsWith(registry.translate(ORDER, { value: legacy(1) }, 'v2', { asOf: shift(aliasedAt, -HALF) }), 'TRANSLATION_NOT_FOUND');

      // The instant of an event itself includes it.
      const at = await registry.resolve(ORDER, { value: legacy(1) }, { asOf: aliasedAt });
      assert.deepEqual(
        at.identifiers.map((i) => i.scheme),
        ['v1', 'v2'],
      );
      const after = await registry.resolve(ORDER, { value: legacy(1) }, { asOf: shift(aliasedAt, HALF) });
      assert.equal(after.identifiers.length, 2);

      // An identifier asked for before it existed is not found.
      await rejectsWith(registry.resolve(ORDER, { value: typeId(1) }, { asOf: shift(aliasedAt, -HALF) }), 'IDENTIFIER_NOT_FOUND');
      await rejectsWith(registry.resolve(ORDER, { value: legacy(1) }, { asOf: shift(registeredAt, -HALF) }), 'IDENTIFIER_NOT_FOUND');
      // Before the namespace had any scheme, nothing existed: not found, not invalid.
      await rejectsWith(registry.resolve(ORDER, { value: legacy(1) }, { asOf: '2000-01-01' }), 'IDENTIFIER_NOT_FOUND');
      // A date without a time is midnight UTC (here: the day after the clock's start).
      const day = shift(registeredAt, 24 * 3600_000).slice(0, 10);
      assert.equal((await registry.resolve(ORDER, { value: legacy(1) }, { asOf: day })).asOf, `${day}T00:00:00.000Z`);
    });

    it('shows the binding version in force then', async () => {
      const { registry } = ctx;
      const registered = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('k1') });
      const second = await registry.rebind({ namespace: ORDER, identifier: { value: legacy(1) }, binding: binding('k2'), migration: 'm2' });
      const third = await registry.rebind({ namespace: ORDER, identifier: { value: legacy(1) }, binding: binding('k3'), migration: 'm3' });
      const t1 = await eventTime(registry, ORDER, registered.seq as number);
      const t2 = await eventTime(registry, ORDER, second.seq as number);
      const t3 = await eventTime(registry, ORDER, third.seq as number);

      const keyAt = async (asOf: string) => {
        const { binding: b } = await registry.resolve(ORDER, { value: legacy(1) }, { asOf });
        return [b?.key, b?.version, b?.migration];
      };
      assert.deepEqual(await keyAt(shift(t1, HALF)), ['k1', 1, null]);
      assert.deepEqual(await keyAt(shift(t2, HALF)), ['k2', 2, 'm2']);
      assert.deepEqual(await keyAt(shift(t3, HALF)), ['k3', 3, 'm3']);
      assert.deepEqual(await keyAt(shift(t3, 10 * TICK)), ['k3', 3, 'm3']);
      assert.equal((await registry.resolve(ORDER, { value: legacy(1) })).binding?.key, 'k3');
    });

    it('shows identifier and scheme lifecycle changes only after their time', async () => {
      const { registry } = ctx;
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      await registry.register({ namespace: ORDER, scheme: 'v2', value: typeId(2) });
      const deprecated = await registry.deprecateScheme(ORDER, 'v1', '2027-01-31', 'v2');
      const archived = await registry.archive({ namespace: ORDER, identifier: { value: typeId(2) } });
      const deprecatedAt = await eventTime(registry, ORDER, deprecated.seq as number);
      const archivedAt = await eventTime(registry, ORDER, archived.seq as number);

      const stateAt = async (value: string, asOf: string) => (await registry.resolve(ORDER, { value }, { asOf })).identifier.state;
      assert.equal(await stateAt(legacy(1), shift(deprecatedAt, -HALF)), 'active');
      assert.equal(await stateAt(legacy(1), deprecatedAt), 'deprecated');
      assert.equal((await registry.resolve(ORDER, { value: legacy(1) }, { asOf: deprecatedAt })).identifier.sunset, '2027-01-31T00:00:00.000Z');
      assert.equal(await stateAt(typeId(2), shift(archivedAt, -HALF)), 'active');
      assert.equal(await stateAt(typeId(2), shift(archivedAt, HALF)), 'archived');
    });

    it('accepts any ISO 8601 offset and answers in UTC', async () => {
      const { registry } = ctx;
      const registered = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      const at = await eventTime(registry, ORDER, registered.seq as number);
      const [date, time] = shift(at, 2 * 3600_000).replace('Z', '').split('T');
      const resolution = await registry.resolve(ORDER, { value: legacy(1) }, { asOf: `${date}T${time}+02:00` });
      assert.equal(resolution.asOf, at);
    });
  });
}
