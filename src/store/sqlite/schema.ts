import { APPEND_ONLY_TABLES } from '../tables.js';

/**
 * Forward-only schema migrations of the SQLite store, applied in order and
 * recorded in `schema_migrations`. A released migration is never edited: a
 * change is a new entry at the end.
 */
export interface SchemaMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

function refuseChanges(table: string): string {
  return `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, 'stableid: ${table} is append-only'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, 'stableid: ${table} is append-only'); END;`;
}

/** Values and their salts may only disappear through a recorded erasure. */
function deleteOnlyOnErasure(table: string, identifierColumn: string): string {
  return `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, 'stableid: ${table} is append-only'); END;
CREATE TRIGGER ${table}_delete_only_erased BEFORE DELETE ON ${table}
WHEN NOT EXISTS (SELECT 1 FROM erasures e WHERE e.namespace = OLD.namespace AND e.identifier = OLD.${identifierColumn})
BEGIN SELECT RAISE(ABORT, 'stableid: ${table} rows are removed only by an erasure event'); END;`;
}

export const SQLITE_MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: 'registry core',
    sql: `
CREATE TABLE events (
  namespace TEXT NOT NULL, seq INTEGER NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL,
  type TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, correlation_id TEXT NOT NULL,
  reason TEXT, body TEXT NOT NULL,
  PRIMARY KEY (namespace, seq)
) WITHOUT ROWID;
CREATE TABLE namespace_heads (
  namespace TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL, at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE namespaces (
  name TEXT PRIMARY KEY, owner TEXT NOT NULL, stewards TEXT NOT NULL, description TEXT,
  created_seq INTEGER NOT NULL, created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE schemes (
  namespace TEXT NOT NULL, name TEXT NOT NULL, format TEXT NOT NULL,
  created_seq INTEGER NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY (namespace, name)
) WITHOUT ROWID;
CREATE TABLE scheme_states (
  namespace TEXT NOT NULL, scheme TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL,
  state TEXT NOT NULL, sunset TEXT, replacement TEXT,
  PRIMARY KEY (namespace, seq)
) WITHOUT ROWID;
CREATE TABLE entities (
  namespace TEXT NOT NULL, id TEXT NOT NULL, created_seq INTEGER NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY (namespace, id)
) WITHOUT ROWID;
-- Keyed by entity so that an entity's identifiers sit together and need no second index.
CREATE TABLE identifiers (
  namespace TEXT NOT NULL, entity TEXT NOT NULL, seq INTEGER NOT NULL, scheme TEXT NOT NULL,
  commitment BLOB NOT NULL, derived_from INTEGER, migration TEXT, created_at TEXT NOT NULL,
  PRIMARY KEY (namespace, entity, seq)
) WITHOUT ROWID;
-- The value of an identifier with the salt of its commitment: the one row an erasure deletes.
CREATE TABLE identifier_values (
  namespace TEXT NOT NULL, scheme TEXT NOT NULL, value TEXT NOT NULL, identifier INTEGER NOT NULL,
  entity TEXT NOT NULL, salt TEXT NOT NULL,
  PRIMARY KEY (namespace, scheme, value)
) WITHOUT ROWID;
CREATE UNIQUE INDEX identifier_values_by_identifier ON identifier_values (namespace, identifier);
CREATE TABLE identifier_states (
  namespace TEXT NOT NULL, identifier INTEGER NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL,
  state TEXT NOT NULL, sunset TEXT,
  PRIMARY KEY (namespace, seq)
) WITHOUT ROWID;
CREATE INDEX identifier_states_by_identifier ON identifier_states (namespace, identifier, seq);
CREATE TABLE bindings (
  namespace TEXT NOT NULL, entity TEXT NOT NULL, version INTEGER NOT NULL, seq INTEGER NOT NULL,
  at TEXT NOT NULL, store TEXT NOT NULL, collection TEXT NOT NULL, key TEXT NOT NULL, migration TEXT,
  PRIMARY KEY (namespace, entity, version)
) WITHOUT ROWID;
CREATE TABLE erasures (
  namespace TEXT NOT NULL, identifier INTEGER NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL,
  PRIMARY KEY (namespace, identifier)
) WITHOUT ROWID;
${APPEND_ONLY_TABLES.map(refuseChanges).join('\n')}
${deleteOnlyOnErasure('identifier_values', 'identifier')}
`,
  },
  {
    version: 2,
    name: 'checkpoints, signing keys, merkle tiles',
    sql: `
-- The root of each complete 256-leaf subtree of a namespace's Merkle tree, written by checkpoints: proofs read these instead of rehashing the log.
CREATE TABLE merkle_tiles (
  namespace TEXT NOT NULL, idx INTEGER NOT NULL, root BLOB NOT NULL,
  PRIMARY KEY (namespace, idx)
) WITHOUT ROWID;
CREATE TABLE checkpoints (
  namespace TEXT NOT NULL, size INTEGER NOT NULL, key_id TEXT NOT NULL, root BLOB NOT NULL, head BLOB NOT NULL,
  at TEXT NOT NULL, signature TEXT NOT NULL,
  PRIMARY KEY (namespace, size, key_id)
) WITHOUT ROWID;
-- Public keys only: private keys live in key files, never in the database they sign for.
CREATE TABLE signing_keys (
  key_id TEXT PRIMARY KEY, name TEXT NOT NULL, public_key TEXT NOT NULL, valid_from TEXT NOT NULL, valid_until TEXT,
  signature TEXT NOT NULL, retired_by TEXT, retirement_signature TEXT
) WITHOUT ROWID;
${refuseChanges('merkle_tiles')}
${refuseChanges('checkpoints')}
CREATE TRIGGER signing_keys_no_delete BEFORE DELETE ON signing_keys
BEGIN SELECT RAISE(ABORT, 'stableid: signing_keys is append-only'); END;
CREATE TRIGGER signing_keys_retire_only BEFORE UPDATE ON signing_keys
WHEN OLD.valid_until IS NOT NULL OR NEW.valid_until IS NULL OR NEW.key_id IS NOT OLD.key_id OR NEW.name IS NOT OLD.name
  OR NEW.public_key IS NOT OLD.public_key OR NEW.valid_from IS NOT OLD.valid_from OR NEW.signature IS NOT OLD.signature
BEGIN SELECT RAISE(ABORT, 'stableid: signing_keys is append-only, but for retiring the active key'); END;
`,
  },
];
