import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Registry } from '../../src/registry/registry.js';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/schema.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ORDER, TestClock, defineOrder, legacy } from '../registry/fixtures.js';
import { testSigner } from '../registry/proof-fixtures.js';

describe('SQLite schema 2: checkpoints, signing keys, Merkle tiles', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stableid-proof-schema-'));
    path = join(dir, 'registry.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('upgrades a file of schema 1 in place, after which its namespaces can be signed and verified', async () => {
    const [first] = SQLITE_MIGRATIONS;
    assert.ok(first && SQLITE_MIGRATIONS.length >= 2);
    // A file as stableid with only the first migration left it.
    const old = new Database(path);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    old.exec(first.sql);
    old.prepare("INSERT INTO schema_migrations VALUES (1, ?, '2025-01-01T00:00:00.000Z')").run(first.name);
    old.close();
    const clock = new TestClock();
    await SqliteStore.open(path).close();
    const db = new Database(path, { readonly: true });
    assert.deepEqual(
      (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version),
      SQLITE_MIGRATIONS.map((m) => m.version),
    );
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    for (const table of ['checkpoints', 'merkle_tiles', 'signing_keys']) assert.ok(tables.includes(table), table);
    db.close();

    const registry = new Registry(SqliteStore.open(path), { clock: clock.read });
    try {
      await defineOrder(registry);
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      const signer = testSigner();
      await registry.addSigningKey(signer);
      const { record } = await registry.checkpoint(ORDER, signer);
      assert.equal(record.size, 6);
      assert.equal((await registry.verify()).ok, true);
    } finally {
      await registry.close();
    }
  });
});
