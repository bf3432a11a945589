import type { TablesMigration } from '../../store/tables-schema.js';

/**
 * Forward-only schema migrations of the run stores, one list per dialect,
 * each recorded in `migration_schema`. The tables sit beside the registry's
 * (its SQLite file, its PostgreSQL schema), hence the `migration_` prefix.
 * A released migration is never edited: a change is a new entry at the end
 * of both lists.
 */

/** The SQLite run store's tables. */
export const SQLITE_RUN_MIGRATIONS: readonly TablesMigration[] = [
  {
    version: 1,
    name: 'runs, checkpoints, before-images, leases',
    sql: `
CREATE TABLE IF NOT EXISTS migration_runs (
  id TEXT PRIMARY KEY, migration TEXT NOT NULL, namespace TEXT NOT NULL, collection TEXT NOT NULL,
  source TEXT NOT NULL, status TEXT NOT NULL, waves TEXT NOT NULL, wave INTEGER NOT NULL,
  actor TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, details TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS migration_runs_by_migration ON migration_runs (migration, created_at, id);
CREATE INDEX IF NOT EXISTS migration_runs_by_created ON migration_runs (created_at, id);
CREATE TABLE IF NOT EXISTS migration_checkpoints (
  run TEXT NOT NULL, wave INTEGER NOT NULL, partition TEXT NOT NULL, cursor TEXT,
  done INTEGER NOT NULL, counts TEXT NOT NULL,
  PRIMARY KEY (run, wave, partition)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS migration_before_images (
  run TEXT NOT NULL, key TEXT NOT NULL, new_key TEXT NOT NULL, before TEXT NOT NULL, after_version TEXT, binding TEXT,
  PRIMARY KEY (run, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS migration_leases (
  migration TEXT PRIMARY KEY, holder TEXT NOT NULL, token INTEGER NOT NULL, expires_at TEXT NOT NULL
) WITHOUT ROWID;
`,
  },
];

// Keys, ids and times compare bytewise (COLLATE "C"), as SQLite's do: the same order from both stores, whatever the database's locale.
const TEXT = 'TEXT COLLATE "C"';

/**
 * The PostgreSQL run store's tables, mirroring the SQLite ones. JSON is kept as TEXT,
 * not JSONB, so that it reads back exactly as written (JSONB reorders keys)
 * and a string holding U+0000, which JSONB refuses, stays storable.
 */
export const POSTGRES_RUN_MIGRATIONS: readonly TablesMigration[] = [
  {
    version: 1,
    name: 'runs, checkpoints, before-images, leases',
    sql: `
CREATE TABLE IF NOT EXISTS migration_runs (
  id ${TEXT} PRIMARY KEY, migration ${TEXT} NOT NULL, namespace TEXT NOT NULL, collection TEXT NOT NULL,
  source TEXT NOT NULL, status TEXT NOT NULL, waves TEXT NOT NULL, wave INTEGER NOT NULL,
  actor TEXT NOT NULL, created_at ${TEXT} NOT NULL, updated_at TEXT NOT NULL, details TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS migration_runs_by_migration ON migration_runs (migration, created_at, id);
CREATE INDEX IF NOT EXISTS migration_runs_by_created ON migration_runs (created_at, id);
CREATE TABLE IF NOT EXISTS migration_checkpoints (
  run ${TEXT} NOT NULL, wave INTEGER NOT NULL, partition ${TEXT} NOT NULL, cursor TEXT,
  done BOOLEAN NOT NULL, counts TEXT NOT NULL,
  PRIMARY KEY (run, wave, partition)
);
CREATE TABLE IF NOT EXISTS migration_before_images (
  run ${TEXT} NOT NULL, key ${TEXT} NOT NULL, new_key TEXT NOT NULL, before TEXT NOT NULL, after_version TEXT, binding TEXT,
  PRIMARY KEY (run, key)
);
CREATE TABLE IF NOT EXISTS migration_leases (
  migration ${TEXT} PRIMARY KEY, holder TEXT NOT NULL, token BIGINT NOT NULL, expires_at ${TEXT} NOT NULL
);
`,
  },
];
