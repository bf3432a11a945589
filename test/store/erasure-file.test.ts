import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ORDER, binding, defineOrder, legacy, openSqliteTestRegistry, typeId, ulid } from '../registry/fixtures.js';

/*
 * The conformance suite checks that an erased value leaves the registry's
 * tables; here, that it leaves every table of the SQLite database and the
 * bytes of its file too.
 */
describe('erasure in the SQLite file', () => {
  it('deletes the value and its salt from the SQLite file', async (t) => {
    const ctx = openSqliteTestRegistry({ file: true });
    t.after(ctx.close);
    const { registry, store } = ctx;
    await defineOrder(registry);
    await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('k1') });
    await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) });
    await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v3', value: ulid(1) });
    const db = store.connection;
    const count = (sql: string, ...params: unknown[]) => (db.prepare(sql).get(...params) as { n: number }).n;
    assert.equal(count('SELECT COUNT(*) AS n FROM identifier_values WHERE value = ? AND length(salt) = 32', legacy(1)), 1);

    await registry.erase({ namespace: ORDER, identifier: { value: legacy(1) } });

    // Nothing anywhere in the database still holds the value, in whatever table.
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
});
