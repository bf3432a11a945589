import { APPEND_ONLY_TABLES } from '../tables.js';

/**
 * Forward-only schema migrations of the PostgreSQL store, applied in order
 * inside the store's own schema (search_path) and recorded in
 * `schema_migrations`. A released migration is never edited: a change is a
 * new entry at the end. Tables, columns and trigger messages mirror the
 * SQLite store's, so that both answer the same SQL the same way.
 */
export interface PostgresMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** The role dependents are granted: it can read the current-mapping views and nothing else. */
export const READER_ROLE = 'stableid_reader';

function refuseChanges(table: string): string {
  return `
CREATE TRIGGER ${table}_no_change BEFORE UPDATE OR DELETE ON ${table}
  FOR EACH ROW EXECUTE FUNCTION stableid_refuse_change();
CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
  FOR EACH STATEMENT EXECUTE FUNCTION stableid_refuse_change();`;
}

// Text columns compare bytewise (COLLATE "C"), as SQLite's do: the same order from both stores, whatever the database's locale.
const TEXT = 'TEXT COLLATE "C"';

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'registry core',
    sql: `
CREATE TABLE events (
  namespace ${TEXT} NOT NULL, seq BIGINT NOT NULL, prev_hash BYTEA NOT NULL, hash BYTEA NOT NULL,
  type TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, correlation_id TEXT NOT NULL,
  reason TEXT, body TEXT NOT NULL,
  PRIMARY KEY (namespace, seq)
);
CREATE TABLE namespace_heads (
  namespace ${TEXT} PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL, at TEXT NOT NULL
);
CREATE TABLE namespaces (
  name ${TEXT} PRIMARY KEY, owner TEXT NOT NULL, stewards TEXT NOT NULL, description TEXT,
  created_seq BIGINT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE schemes (
  namespace ${TEXT} NOT NULL, name ${TEXT} NOT NULL, format TEXT NOT NULL,
  created_seq BIGINT NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY (namespace, name)
);
CREATE TABLE scheme_states (
  namespace ${TEXT} NOT NULL, scheme ${TEXT} NOT NULL, seq BIGINT NOT NULL, at TEXT NOT NULL,
  state TEXT NOT NULL, sunset TEXT, replacement TEXT,
  PRIMARY KEY (namespace, seq)
);
CREATE TABLE entities (
  namespace ${TEXT} NOT NULL, id ${TEXT} NOT NULL, created_seq BIGINT NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY (namespace, id)
);
CREATE TABLE identifiers (
  namespace ${TEXT} NOT NULL, entity ${TEXT} NOT NULL, seq BIGINT NOT NULL, scheme ${TEXT} NOT NULL,
  commitment BYTEA NOT NULL, derived_from BIGINT, migration TEXT, created_at TEXT NOT NULL,
  PRIMARY KEY (namespace, entity, seq)
);
-- The value of an identifier with the salt of its commitment: the one row an erasure deletes.
CREATE TABLE identifier_values (
  namespace ${TEXT} NOT NULL, scheme ${TEXT} NOT NULL, value ${TEXT} NOT NULL, identifier BIGINT NOT NULL,
  entity ${TEXT} NOT NULL, salt TEXT NOT NULL,
  PRIMARY KEY (namespace, scheme, value)
);
CREATE UNIQUE INDEX identifier_values_by_identifier ON identifier_values (namespace, identifier);
CREATE TABLE identifier_states (
  namespace ${TEXT} NOT NULL, identifier BIGINT NOT NULL, seq BIGINT NOT NULL, at TEXT NOT NULL,
  state TEXT NOT NULL, sunset TEXT,
  PRIMARY KEY (namespace, seq)
);
CREATE INDEX identifier_states_by_identifier ON identifier_states (namespace, identifier, seq);
CREATE TABLE bindings (
  namespace ${TEXT} NOT NULL, entity ${TEXT} NOT NULL, version BIGINT NOT NULL, seq BIGINT NOT NULL,
  at TEXT NOT NULL, store TEXT NOT NULL, collection TEXT NOT NULL, key TEXT NOT NULL, migration TEXT,
  PRIMARY KEY (namespace, entity, version)
);
CREATE TABLE erasures (
  namespace ${TEXT} NOT NULL, identifier BIGINT NOT NULL, seq BIGINT NOT NULL, at TEXT NOT NULL,
  PRIMARY KEY (namespace, identifier)
);

-- The functions keep the schema they were created in, so a session with another search_path cannot point them elsewhere.
CREATE FUNCTION stableid_refuse_change() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  RAISE EXCEPTION 'stableid: % is append-only', TG_TABLE_NAME USING ERRCODE = 'P0001';
END $$;
-- Values and their salts may only disappear through a recorded erasure.
CREATE FUNCTION stableid_delete_only_erased() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN
    RAISE EXCEPTION 'stableid: % is append-only', TG_TABLE_NAME USING ERRCODE = 'P0001';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM erasures e WHERE e.namespace = OLD.namespace AND e.identifier = OLD.identifier) THEN
    RAISE EXCEPTION 'stableid: % rows are removed only by an erasure event', TG_TABLE_NAME USING ERRCODE = 'P0001';
  END IF;
  RETURN OLD;
END $$;
${APPEND_ONLY_TABLES.map(refuseChanges).join('\n')}
CREATE TRIGGER identifier_values_no_update BEFORE UPDATE ON identifier_values
  FOR EACH ROW EXECUTE FUNCTION stableid_delete_only_erased();
CREATE TRIGGER identifier_values_delete_only_erased BEFORE DELETE ON identifier_values
  FOR EACH ROW EXECUTE FUNCTION stableid_delete_only_erased();
CREATE TRIGGER identifier_values_no_truncate BEFORE TRUNCATE ON identifier_values
  FOR EACH STATEMENT EXECUTE FUNCTION stableid_refuse_change();

-- What dependents may read: the current mappings, never the log, the salts or the heads.
CREATE VIEW current_identifiers AS
SELECT v.namespace, v.scheme, v.value, v.identifier, v.entity,
       COALESCE(s.state, 'active') AS state, s.sunset, i.derived_from, i.migration, i.created_at
FROM identifier_values v
JOIN identifiers i ON i.namespace = v.namespace AND i.entity = v.entity AND i.seq = v.identifier
LEFT JOIN LATERAL (
  SELECT st.state, st.sunset FROM identifier_states st
  WHERE st.namespace = v.namespace AND st.identifier = v.identifier
  ORDER BY st.seq DESC LIMIT 1
) s ON true;
CREATE VIEW current_bindings AS
SELECT DISTINCT ON (namespace, entity) namespace, entity, version, store, collection, key, migration, at
FROM bindings
ORDER BY namespace, entity, version DESC;
CREATE VIEW current_mappings AS
SELECT c.namespace, c.scheme, c.value, c.entity, c.state, c.sunset,
       b.store, b.collection, b.key, b.version AS binding_version
FROM current_identifiers c
LEFT JOIN current_bindings b ON b.namespace = c.namespace AND b.entity = c.entity;

-- Roles belong to the whole cluster: another registry schema may have made it, or this user may not be allowed to.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${READER_ROLE}') THEN
    CREATE ROLE ${READER_ROLE} NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation OR insufficient_privilege THEN
  RAISE NOTICE 'stableid: role ${READER_ROLE} not created here (%)', SQLERRM;
END $$;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${READER_ROLE}') THEN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${READER_ROLE}', current_schema());
    GRANT SELECT ON current_identifiers, current_bindings, current_mappings TO ${READER_ROLE};
  END IF;
END $$;
`,
  },
  {
    version: 2,
    name: 'checkpoints, signing keys, merkle tiles',
    sql: `
-- The root of each complete 256-leaf subtree of a namespace's Merkle tree, written by checkpoints: proofs read these instead of rehashing the log.
CREATE TABLE merkle_tiles (
  namespace ${TEXT} NOT NULL, idx BIGINT NOT NULL, root BYTEA NOT NULL,
  PRIMARY KEY (namespace, idx)
);
CREATE TABLE checkpoints (
  namespace ${TEXT} NOT NULL, size BIGINT NOT NULL, key_id ${TEXT} NOT NULL, root BYTEA NOT NULL, head BYTEA NOT NULL,
  at TEXT NOT NULL, signature TEXT NOT NULL,
  PRIMARY KEY (namespace, size, key_id)
);
-- Public keys only: private keys live in key files, never in the database they sign for.
CREATE TABLE signing_keys (
  key_id ${TEXT} PRIMARY KEY, name TEXT NOT NULL, public_key TEXT NOT NULL, valid_from ${TEXT} NOT NULL, valid_until TEXT,
  signature TEXT NOT NULL, retired_by TEXT, retirement_signature TEXT
);
${refuseChanges('merkle_tiles')}
${refuseChanges('checkpoints')}
CREATE FUNCTION stableid_retire_only() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP <> 'UPDATE' OR OLD.valid_until IS NOT NULL OR NEW.valid_until IS NULL OR NEW.key_id IS DISTINCT FROM OLD.key_id
     OR NEW.name IS DISTINCT FROM OLD.name OR NEW.public_key IS DISTINCT FROM OLD.public_key
     OR NEW.valid_from IS DISTINCT FROM OLD.valid_from OR NEW.signature IS DISTINCT FROM OLD.signature THEN
    RAISE EXCEPTION 'stableid: % is append-only, but for retiring the active key', TG_TABLE_NAME USING ERRCODE = 'P0001';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER signing_keys_retire_only BEFORE UPDATE OR DELETE ON signing_keys
  FOR EACH ROW EXECUTE FUNCTION stableid_retire_only();
CREATE TRIGGER signing_keys_no_truncate BEFORE TRUNCATE ON signing_keys
  FOR EACH STATEMENT EXECUTE FUNCTION stableid_refuse_change();
`,
  },
];
