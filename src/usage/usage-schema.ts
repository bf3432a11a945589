import type { TablesMigration } from '../store/tables-schema.js';

/**
 * Forward-only schema migrations of the usage stores, one list per dialect,
 * each recorded in `usage_schema`. A released migration is never edited: a
 * change is a new entry at the end of both lists.
 *
 * `usage_counts` holds one row per (service, caller, namespace, scheme, UTC
 * day); `usage_reports` remembers the id and digest of every report for a
 * while, which is what keeps a retried report from counting twice.
 */

export const SQLITE_USAGE_MIGRATIONS: readonly TablesMigration[] = [
  {
    version: 1,
    name: 'usage counts and reports',
    sql: `
CREATE TABLE IF NOT EXISTS usage_counts (
  service TEXT NOT NULL, caller TEXT NOT NULL, namespace TEXT NOT NULL, scheme TEXT NOT NULL, day TEXT NOT NULL,
  requests INTEGER NOT NULL CHECK (requests >= 0), deprecated INTEGER NOT NULL CHECK (deprecated >= 0), last_seen TEXT NOT NULL,
  PRIMARY KEY (service, caller, namespace, scheme, day)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS usage_counts_by_day ON usage_counts (day);
CREATE TABLE IF NOT EXISTS usage_reports (
  id TEXT PRIMARY KEY, service TEXT NOT NULL, service_version TEXT, digest TEXT NOT NULL CHECK (length(digest) = 64),
  at TEXT NOT NULL, received_at TEXT NOT NULL, actor TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS usage_reports_by_received ON usage_reports (received_at);
`,
  },
];

// Names and days compare bytewise, as SQLite's do: both stores list totals in the same order, whatever the locale.
const TEXT = 'TEXT COLLATE "C"';

/** The PostgreSQL usage store's tables, mirroring the SQLite ones. */
export const POSTGRES_USAGE_MIGRATIONS: readonly TablesMigration[] = [
  {
    version: 1,
    name: 'usage counts and reports',
    sql: `
CREATE TABLE IF NOT EXISTS usage_counts (
  service ${TEXT} NOT NULL, caller ${TEXT} NOT NULL, namespace ${TEXT} NOT NULL, scheme ${TEXT} NOT NULL, day ${TEXT} NOT NULL,
  requests BIGINT NOT NULL CHECK (requests >= 0), deprecated BIGINT NOT NULL CHECK (deprecated >= 0), last_seen ${TEXT} NOT NULL,
  PRIMARY KEY (service, caller, namespace, scheme, day)
);
CREATE INDEX IF NOT EXISTS usage_counts_by_day ON usage_counts (day);
CREATE TABLE IF NOT EXISTS usage_reports (
  id ${TEXT} PRIMARY KEY, service TEXT NOT NULL, service_version TEXT, digest TEXT NOT NULL CHECK (length(digest) = 64),
  at TEXT NOT NULL, received_at ${TEXT} NOT NULL, actor TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS usage_reports_by_received ON usage_reports (received_at);
`,
  },
];
