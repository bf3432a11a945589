import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { StableIdError } from '../../src/model/errors.js';
import { Registry } from '../../src/registry/registry.js';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/schema.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ORDER, TestClock, defineOrder, legacy } from '../registry/fixtures.js';

function refusedWith(fn: () => unknown, code: string): StableIdError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof StableIdError, `expected ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

describe('SQLite store schema', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stableid-schema-'));
    path = join(dir, 'nested', 'registry.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const migrations = (file: string) => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    } finally {
      db.close();
    }
  };

  it('creates the file and its directory, and records each migration once', async () => {
    const store = SqliteStore.open(path);
    assert.equal(store.description, `sqlite:${path}`);
    assert.equal(store.connection.pragma('journal_mode', { simple: true }), 'wal');
    await store.close();
    const expected = SQLITE_MIGRATIONS.map((m) => ({ version: m.version, name: m.name }));
    assert.deepEqual(migrations(path), expected);

    const again = SqliteStore.open(path);
    await again.close();
    assert.deepEqual(migrations(path), expected);
  });

  it('keeps what was written across reopening', async () => {
    const first = new Registry(SqliteStore.open(path), { clock: new TestClock().read });
    await defineOrder(first);
    const registered = await first.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
    await first.close();

    const second = new Registry(SqliteStore.open(path), { clock: new TestClock().read });
    try {
      assert.equal((await second.resolve(ORDER, { value: legacy(1) })).entity, registered.entity);
      assert.equal((await second.verify()).ok, true);
      // The clock of the new process is behind the log: event times still never go backwards.
      const next = await second.register({ namespace: ORDER, scheme: 'v1', value: legacy(2) });
      const events = await second.history(ORDER);
      const last = events.at(-1);
      const previous = events.at(-2);
      assert.equal(last?.seq, next.seq);
      assert.ok(last && previous && last.at >= previous.at);
      assert.equal((await second.verify()).ok, true);
    } finally {
      await second.close();
    }
  });

  it('refuses a file whose schema is newer than this version supports: STORE_SCHEMA', async () => {
    (await SqliteStore.open(path).close());
    const latest = SQLITE_MIGRATIONS.at(-1)?.version ?? 0;
    const db = new Database(path);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', '2030-01-01T00:00:00.000Z')").run(latest + 1);
    db.close();
    const error = refusedWith(() => SqliteStore.open(path), 'STORE_SCHEMA');
    assert.equal(error.context['version'], latest + 1);
    assert.equal(error.context['supported'], latest);
    // The refused open left the file as it was.
    assert.equal(migrations(path).length, SQLITE_MIGRATIONS.length + 1);
  });

  it('refuses a path that cannot be opened: STORE_UNAVAILABLE', () => {
    // A directory is not a database file.
    refusedWith(() => SqliteStore.open(dir), 'STORE_UNAVAILABLE');
  });

  it('refuses use after close: STORE_UNAVAILABLE', async () => {
    const store = SqliteStore.open(':memory:');
    const registry = new Registry(store);
    await registry.close();
    await registry.close();
    await assert.rejects(registry.listNamespaces(), (error: unknown) => error instanceof StableIdError && error.code === 'STORE_UNAVAILABLE');
  });
});
