import type { TablesMigration } from '../store/tables-schema.js';

/**
 * Forward-only schema migrations of the token stores, one list per dialect,
 * each recorded in `auth_schema`. A released migration is never edited: a
 * change is a new entry at the end of both lists.
 */

/** The SQLite token store's table. Scopes are a JSON array of `namespace:role` strings. */
export const SQLITE_TOKEN_MIGRATIONS: readonly TablesMigration[] = [
  {
    version: 1,
    name: 'api tokens',
    sql: `
CREATE TABLE IF NOT EXISTS api_tokens (
  id TEXT PRIMARY KEY, actor TEXT NOT NULL, scopes TEXT NOT NULL, hash TEXT NOT NULL CHECK (length(hash) = 64),
  created_at TEXT NOT NULL, created_by TEXT NOT NULL, revoked_at TEXT, revoked_by TEXT, last_used_at TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS api_tokens_by_created ON api_tokens (created_at, id);
`,
  },
];

// Ids and times compare bytewise, as SQLite's do: both stores list tokens in the same order, whatever the locale.
const TEXT = 'TEXT COLLATE "C"';

/** The PostgreSQL token store's table, mirroring the SQLite one. */
export const POSTGRES_TOKEN_MIGRATIONS: readonly TablesMigration[] = [
  {
    version: 1,
    name: 'api tokens',
    sql: `
CREATE TABLE IF NOT EXISTS api_tokens (
  id ${TEXT} PRIMARY KEY, actor TEXT NOT NULL, scopes TEXT NOT NULL, hash TEXT NOT NULL CHECK (length(hash) = 64),
  created_at ${TEXT} NOT NULL, created_by TEXT NOT NULL, revoked_at TEXT, revoked_by TEXT, last_used_at TEXT
);
CREATE INDEX IF NOT EXISTS api_tokens_by_created ON api_tokens (created_at, id);
`,
  },
];
