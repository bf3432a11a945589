import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ORDER, type TestRegistry, allEvents, binding, defineOrder, legacy, openTestRegistry, rejectsWith, typeId, ulid } from './fixtures.js';

describe('erasure', () => {
  let ctx: TestRegistry & { path: string | null };
  beforeEach(async () => {
    ctx = openTestRegistry({ file: true });
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

  it('deletes the value and its salt from the SQLite file', async () => {
    const { registry, store } = ctx;
    const { legacySeq } = await lineage();
    const db = store.connection;
    const count = (sql: string, ...params: unknown[]) => (db.prepare(sql).get(...params) as { n: number }).n;
    assert.equal(count('SELECT COUNT(*) AS n FROM identifier_values WHERE value = ?', legacy(1)), 1);
    assert.equal(count('SELECT COUNT(*) AS n FROM identifier_values WHERE value = ? AND length(salt) = 32', legacy(1)), 1);

    await registry.erase({ namespace: ORDER, identifier: { value: legacy(1) } });

    assert.equal(count('SELECT COUNT(*) AS n FROM identifier_values WHERE value = ?', legacy(1)), 0);
    assert.equal(count('SELECT COUNT(*) AS n FROM identifier_values WHERE namespace = ? AND identifier = ?', ORDER, legacySeq), 0);
    assert.equal(count('SELECT COUNT(*) AS n FROM erasures WHERE namespace = ? AND identifier = ?', ORDER, legacySeq), 1);
    // The identifier, its entity and the events stay.
    assert.equal(count('SELECT COUNT(*) AS n FROM identifiers WHERE namespace = ? AND seq = ?', ORDER, legacySeq), 1);
    // Nothing anywhere in the database still holds the value.
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    for (const { name } of tables) {
      for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
        assert.ok(!JSON.stringify(row).includes(legacy(1)), `${name} still holds the erased value`);
      }
    }
    // Nor does the file itself once the WAL is checkpointed and free pages are cleared.
    db.exec('VACUUM');
    db.pragma('wal_checkpoint(TRUNCATE)');
    assert.ok(!readFileSync(ctx.path as string).includes(Buffer.from(legacy(1))), 'the database file still holds the erased value');
    assert.ok(readFileSync(ctx.path as string).includes(Buffer.from(typeId(1))), 'the database file holds the other values');
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
