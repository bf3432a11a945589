import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ORDER, type TestRegistry, allEvents, binding, defineOrder, legacy, openTestRegistry, rejectsWith, typeId, ulid } from '../registry/fixtures.js';
import { REGISTRY_TABLES, countRows, quote, rowJson } from './raw-sql.js';
import type { StoreKind } from './stores.js';

export function erasureSuite(kind: StoreKind): void {
  describe('erasure', () => {
    let ctx: TestRegistry;
    beforeEach(async () => {
      ctx = openTestRegistry(kind);
      await defineOrder(ctx.registry);
    });
    afterEach(() => ctx.close());

    /** The entity of ORD-000001 with a TypeID alias derived from it and a ULID derived from that. */
    async function lineage(): Promise<{ entity: string; legacySeq: number }> {
      const { registry } = ctx;
      const registered = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('k1') });
      await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) });
      await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v3', value: ulid(1) });
      await registry.deprecate({ namespace: ORDER, identifier: { value: legacy(1) }, sunset: '2027-01-31' });
      return { entity: registered.entity, legacySeq: registered.seq as number };
    }

    it('removes the value: it no longer resolves, and the other identifiers show it as null', async () => {
      const { registry } = ctx;
      const { entity, legacySeq } = await lineage();
      await registry.erase({ namespace: ORDER, identifier: { scheme: 'v1', value: legacy(1) } });

      await rejectsWith(registry.resolve(ORDER, { value: legacy(1) }), 'IDENTIFIER_NOT_FOUND');
      await rejectsWith(registry.resolve(ORDER, { scheme: 'v1', value: legacy(1) }), 'IDENTIFIER_NOT_FOUND');
      const resolution = await registry.resolve(ORDER, { value: typeId(1) });
      assert.equal(resolution.entity, entity);
      assert.deepEqual(
        resolution.identifiers.map((i) => [i.seq, i.scheme, i.value, i.state]),
        [
          [legacySeq, 'v1', null, 'deprecated'],
          [resolution.identifiers[1]?.seq, 'v2', typeId(1), 'active'],
          [resolution.identifiers[2]?.seq, 'v3', ulid(1), 'active'],
        ],
      );
      // Lineage and binding stay; the erased parent is shown without its value.
      assert.deepEqual(resolution.identifiers[1]?.derivedFrom, { scheme: 'v1', value: null });
      assert.equal(resolution.binding?.key, 'k1');
      // Translating to the erased identifier says so.
      await rejectsWith(registry.translate(ORDER, { value: typeId(1) }, 'v1'), 'IDENTIFIER_ERASED');
      assert.equal((await registry.translate(ORDER, { value: typeId(1) }, 'v3')).to.value, ulid(1));
      // The entity keeps its one identifier per scheme, erased or not.
      await rejectsWith(registry.alias({ namespace: ORDER, from: { value: typeId(1) }, scheme: 'v1', value: legacy(2) }), 'ALIAS_CONFLICT');
    });

    it('keeps the log verifiable', async () => {
      const { registry } = ctx;
      await lineage();
      const before = await allEvents(registry, ORDER);
      await registry.erase({ namespace: ORDER, identifier: { value: typeId(1) } });
      const after = await allEvents(registry, ORDER);
      // Erasure appends; it rewrites nothing.
      assert.deepEqual(after.slice(0, before.length), before);
      assert.equal(after.at(-1)?.type, 'identifier.erased');
      const report = await registry.verify();
      assert.equal(report.ok, true, JSON.stringify(report.first));
      assert.equal(report.first, null);
    });

    it('deletes the value and its salt from the store', async () => {
      const { registry, raw } = ctx;
      const { legacySeq } = await lineage();
      const value = quote(legacy(1));
      assert.equal(await countRows(raw, `identifier_values WHERE value = ${value}`), 1);
      const salts = await raw.query(`SELECT salt FROM identifier_values WHERE value = ${value}`);
      assert.deepEqual(
        salts.map(({ salt }) => (Buffer.isBuffer(salt) ? salt.toString('hex') : String(salt)).length),
        [32],
      );

      await registry.erase({ namespace: ORDER, identifier: { value: legacy(1) } });

      assert.equal(await countRows(raw, `identifier_values WHERE value = ${value}`), 0);
      assert.equal(await countRows(raw, `identifier_values WHERE namespace = ${quote(ORDER)} AND identifier = ${legacySeq}`), 0);
      assert.equal(await countRows(raw, `erasures WHERE namespace = ${quote(ORDER)} AND identifier = ${legacySeq}`), 1);
      // The identifier, its entity and the events stay.
      assert.equal(await countRows(raw, `identifiers WHERE namespace = ${quote(ORDER)} AND seq = ${legacySeq}`), 1);
      // Nothing anywhere in the registry's tables still holds the value.
      for (const table of REGISTRY_TABLES) {
        for (const row of await raw.query(`SELECT * FROM ${table}`)) {
          assert.ok(!rowJson(row).includes(legacy(1)), `${table} still holds the erased value`);
        }
      }
      assert.equal((await registry.verify()).ok, true);
    });

    it('refuses an unknown value and leaves the log untouched', async () => {
      const { registry } = ctx;
      await lineage();
      const before = await allEvents(registry, ORDER);
      await rejectsWith(registry.erase({ namespace: ORDER, identifier: { value: legacy(2) } }), 'IDENTIFIER_NOT_FOUND');
      assert.deepEqual(await allEvents(registry, ORDER), before);
    });
  });
}
