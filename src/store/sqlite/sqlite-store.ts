import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StableIdError } from '../../model/errors.js';
import type { ChainedEvent, EventSecret } from '../../model/events.js';
import type { CheckpointRecord } from '../../model/proof/checkpoint-note.js';
import type { SigningKeyRecord } from '../../model/proof/key-records.js';
import type { BindingRow, ErasureRow, IdentifierStateRow, NamespaceRow, ProjectionRows, SchemeRow, SchemeStateRow } from '../../model/rows.js';
import { Mutex } from '../mutex.js';
import {
  bytes,
  toBinding,
  toCheckpoint,
  toEntity,
  toErasure,
  toEvent,
  toIdentifier,
  toIdentifierState,
  toNamespace,
  toScheme,
  toSchemeAsStored,
  toSchemeState,
  toSigningKey,
} from '../row-mapping.js';
import type {
  AppendSet,
  ChainHead,
  EventHash,
  IdentifierKey,
  KeyRetirement,
  MerkleTile,
  Store,
  StoreReader,
  StoreTransaction,
  StoredIdentifier,
  WriteOptions,
} from '../store.js';
import { SQLITE_MIGRATIONS } from './schema.js';
import { AppendPipeline } from './append-pipeline.js';
import { openConnection } from './connection.js';
import { appendSet } from './sqlite-append.js';
import { type Row, type Statement, guard } from './sqlite-guard.js';
/**
 * One identifier's lifecycle changes. Without statistics SQLite prefers the
 * primary key (namespace, seq), which already yields seq order, and reads
 * every state row of the namespace; the index on (namespace, identifier, seq)
 * finds just the identifier's, in the same order.
 */
export const STATES_OF_IDENTIFIER =
  'SELECT * FROM identifier_states INDEXED BY identifier_states_by_identifier WHERE namespace = ? AND identifier = ? ORDER BY seq';

/**
 * Keys per IN list of a batched lookup. A shorter batch is padded by repeating
 * its last key (which changes no answer), so that two statements per query,
 * one key and LOOKUP_BATCH keys, serve every size.
 */
const LOOKUP_BATCH = 64;

function lookupBatches<T>(keys: readonly T[]): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < keys.length; start += LOOKUP_BATCH) {
    const batch = keys.slice(start, start + LOOKUP_BATCH);
    const last = batch[batch.length - 1] as T;
    if (batch.length > 1) while (batch.length < LOOKUP_BATCH) batch.push(last);
    batches.push(batch);
  }
  return batches;
}

const inList = (count: number): string => Array<string>(count).fill('?').join(',');

/**
 * The embedded default store: one SQLite file in WAL mode. All calls go through
 * one connection and are serialised by a mutex, so a transaction's awaits never
 * interleave with another caller's statements.
 */
export class SqliteStore implements Store {
  readonly description: string;
  readonly #db: Database.Database;
  readonly #path: string;
  #pipeline: AppendPipeline | undefined;
  readonly #mutex = new Mutex();
  readonly #statements = new Map<string, Statement>();
  #closed = false;

  private constructor(db: Database.Database, path: string, description: string) {
    this.#db = db;
    this.#path = path;
    this.description = description;
  }

  /** Opens (creating if needed) the database at `path` (or ':memory:') and brings its schema up to date. */
  static open(path: string): SqliteStore {
    const description = `sqlite:${path}`;
    let db: Database.Database;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      db = openConnection(path);
    } catch (error) {
      throw new StableIdError('STORE_UNAVAILABLE', `cannot open ${description}: ${(error as Error).message}`, { store: description }, { cause: error });
    }
    try {
      migrate(db, description);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteStore(db, path, description);
  }

  async read<T>(fn: (reader: StoreReader) => Promise<T>): Promise<T> {
    return this.#mutex.run(() => this.#inTransaction('BEGIN', fn));
  }

  async write<T>(fn: (tx: StoreTransaction) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    // An in-memory database is private to its connection, so it has no second one to write with.
    if (options.bulk && this.#path !== ':memory:') return this.#mutex.run(() => this.#pipelined(fn));
    return this.#mutex.run(() => this.#inTransaction('BEGIN IMMEDIATE', fn));
  }

  async close(): Promise<void> {
    await this.#mutex.run(async () => {
      if (this.#closed) return;
      this.#closed = true;
      await this.#pipeline?.close();
      this.#db.close();
    });
  }

  /** The raw connection, for tests that tamper with rows the way an attacker with file access would. */
  get connection(): Database.Database {
    return this.#db;
  }

  async #inTransaction<T>(begin: string, fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    if (this.#closed) throw new StableIdError('STORE_UNAVAILABLE', `${this.description} is closed`);
    guard(() => this.#db.exec(begin));
    try {
      const tx = new SqliteTransaction((sql) => this.#prepare(sql));
      const result = await fn(tx);
      guard(() => this.#db.exec('COMMIT'));
      // Nor in the write-ahead log: copy it into the file and empty it.
      if (tx.erased) guard(() => this.#db.pragma('wal_checkpoint(TRUNCATE)'));
      return result;
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  /**
   * A bulk write on two cores: the append worker's connection holds the write
   * lock and carries out the appends, while this connection answers the
   * transaction's reads from a snapshot taken after that lock — the state at
   * the transaction's start, as the port allows.
   */
  async #pipelined<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    if (this.#closed) throw new StableIdError('STORE_UNAVAILABLE', `${this.description} is closed`);
    // A worker that died is replaced, so one failure does not disable bulk writes for good.
    if (!this.#pipeline || this.#pipeline.broken) this.#pipeline = new AppendPipeline(this.#path);
    const pipeline = this.#pipeline;
    await pipeline.begin();
    try {
      guard(() => this.#db.exec('BEGIN'));
      const tx = new SqliteTransaction((sql) => this.#prepare(sql), (set) => pipeline.append(set));
      const result = await fn(tx);
      // The snapshot ends before the commit, so that the commit's checkpoint is not held back by it.
      guard(() => this.#db.exec('COMMIT'));
      await pipeline.commit();
      return result;
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      await pipeline.rollback().catch(() => undefined);
      throw error;
    }
  }

  #prepare(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = guard(() => this.#db.prepare<unknown[], Row>(sql));
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

function migrate(db: Database.Database, description: string): void {
  guard(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
    const latest = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1]?.version ?? 0;
    const current = (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
    if (current > latest) {
      throw new StableIdError(
        'STORE_SCHEMA',
        `${description} has schema version ${current}, newer than this stableid supports (${latest}); upgrade stableid`,
        { store: description, version: current, supported: latest },
      );
    }
    const apply = db.transaction(() => {
      for (const migration of SQLITE_MIGRATIONS) {
        if (migration.version <= current) continue;
        db.exec(migration.sql);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          migration.version,
          migration.name,
          new Date().toISOString(),
        );
      }
    });
    apply.immediate();
  });
}

class SqliteTransaction implements StoreTransaction {
  readonly #prepare: (sql: string) => Statement;
  readonly #append: (set: AppendSet) => void;
  /** Whether this transaction erased a value, so the log must be emptied after commit. */
  erased = false;

  constructor(prepare: (sql: string) => Statement, append?: (set: AppendSet) => void) {
    this.#prepare = prepare;
    this.#append = append ?? ((set) => appendSet(prepare, set));
  }

  #all(sql: string, ...params: unknown[]): Row[] {
    return guard(() => this.#prepare(sql).all(...params));
  }

  #get(sql: string, ...params: unknown[]): Row | undefined {
    return guard(() => this.#prepare(sql).get(...params));
  }

  async getNamespace(name: string): Promise<NamespaceRow | undefined> {
    const row = this.#get('SELECT * FROM namespaces WHERE name = ?', name);
    return row && toNamespace(row);
  }

  async logNamespaces(): Promise<string[]> {
    return this.#all('SELECT DISTINCT namespace FROM events ORDER BY namespace').map((row) => String(row['namespace']));
  }

  async listNamespaces(): Promise<NamespaceRow[]> {
    return this.#all('SELECT * FROM namespaces ORDER BY name').map(toNamespace);
  }

  async listSchemes(namespace: string): Promise<SchemeRow[]> {
    return this.#all('SELECT * FROM schemes WHERE namespace = ? ORDER BY created_seq', namespace).map(toScheme);
  }

  async schemeStates(namespace: string): Promise<SchemeStateRow[]> {
    return this.#all('SELECT * FROM scheme_states WHERE namespace = ? ORDER BY seq', namespace).map(toSchemeState);
  }

  async head(namespace: string): Promise<ChainHead | undefined> {
    const row = this.#get('SELECT seq, hash, at FROM namespace_heads WHERE namespace = ?', namespace);
    return row && { seq: Number(row['seq']), hash: String(row['hash']), at: String(row['at']) };
  }

  async findIdentifiers(namespace: string, keys: readonly IdentifierKey[]): Promise<StoredIdentifier[]> {
    const valuesByScheme = new Map<string, Set<string>>();
    for (const key of keys) {
      const values = valuesByScheme.get(key.scheme) ?? new Set<string>();
      values.add(key.value);
      valuesByScheme.set(key.scheme, values);
    }
    const byKey = new Map<string, StoredIdentifier>();
    for (const [scheme, values] of valuesByScheme) {
      for (const batch of lookupBatches([...values])) {
        const rows = this.#all(
          `SELECT i.*, v.value FROM identifier_values v
           JOIN identifiers i ON i.namespace = v.namespace AND i.entity = v.entity AND i.seq = v.identifier
           WHERE v.namespace = ? AND v.scheme = ? AND v.value IN (${inList(batch.length)})`,
          namespace,
          scheme,
          ...batch,
        );
        for (const row of rows) byKey.set(`${scheme}\u0000${String(row['value'])}`, toIdentifier(row));
      }
    }
    // In the order of the keys asked for, as one lookup per key would answer.
    const found: StoredIdentifier[] = [];
    for (const key of keys) {
      const identifier = byKey.get(`${key.scheme}\u0000${key.value}`);
      if (identifier) found.push(identifier);
    }
    return found;
  }

  async identifiersOfEntities(namespace: string, entities: readonly string[]): Promise<StoredIdentifier[]> {
    const found: StoredIdentifier[] = [];
    for (const batch of lookupBatches([...new Set(entities)])) {
      for (const row of this.#all(
        `SELECT i.*, v.value FROM identifiers i
         LEFT JOIN identifier_values v ON v.namespace = i.namespace AND v.identifier = i.seq
         WHERE i.namespace = ? AND i.entity IN (${inList(batch.length)})`,
        namespace,
        ...batch,
      )) {
        found.push(toIdentifier(row));
      }
    }
    return found.sort((a, b) => a.seq - b.seq);
  }

  async identifierStates(namespace: string, identifiers: readonly number[]): Promise<IdentifierStateRow[]> {
    const found: IdentifierStateRow[] = [];
    for (const identifier of new Set(identifiers)) {
      for (const row of this.#all(STATES_OF_IDENTIFIER, namespace, identifier)) {
        found.push(toIdentifierState(row));
      }
    }
    return found.sort((a, b) => a.seq - b.seq);
  }

  async erasures(namespace: string, identifiers: readonly number[]): Promise<ErasureRow[]> {
    const found: ErasureRow[] = [];
    for (const identifier of new Set(identifiers)) {
      const row = this.#get('SELECT * FROM erasures WHERE namespace = ? AND identifier = ?', namespace, identifier);
      if (row) found.push(toErasure(row));
    }
    return found.sort((a, b) => a.seq - b.seq);
  }

  async bindings(namespace: string, entities: readonly string[]): Promise<BindingRow[]> {
    const found: BindingRow[] = [];
    for (const entity of new Set(entities)) {
      for (const row of this.#all('SELECT * FROM bindings WHERE namespace = ? AND entity = ? ORDER BY version', namespace, entity)) {
        found.push(toBinding(row));
      }
    }
    return found;
  }

  async events(namespace: string, afterSeq: number, limit: number): Promise<ChainedEvent[]> {
    return this.#all('SELECT * FROM events WHERE namespace = ? AND seq > ? ORDER BY seq LIMIT ?', namespace, afterSeq, limit).map(
      toEvent,
    );
  }

  async secrets(namespace: string, fromSeq: number, toSeq: number): Promise<EventSecret[]> {
    return this.#all(
      'SELECT namespace, identifier, salt, value FROM identifier_values WHERE namespace = ? AND identifier BETWEEN ? AND ? ORDER BY identifier',
      namespace,
      fromSeq,
      toSeq,
    ).map((row) => ({
      namespace: String(row['namespace']),
      seq: Number(row['identifier']),
      salt: String(row['salt']),
      value: String(row['value']),
    }));
  }

  async projection(namespace: string): Promise<ProjectionRows> {
    return {
      namespaces: this.#all('SELECT * FROM namespaces WHERE name = ?', namespace).map(toNamespace),
      schemes: this.#all('SELECT * FROM schemes WHERE namespace = ? ORDER BY name', namespace).map(toSchemeAsStored),
      schemeStates: this.#all('SELECT * FROM scheme_states WHERE namespace = ? ORDER BY seq', namespace).map(toSchemeState),
      entities: this.#all('SELECT * FROM entities WHERE namespace = ? ORDER BY id', namespace).map(toEntity),
      identifiers: this.#all('SELECT *, NULL AS value FROM identifiers WHERE namespace = ? ORDER BY seq', namespace).map((row) => {
        const { value: _value, ...identifier } = toIdentifier(row);
        return identifier;
      }),
      identifierValues: this.#all('SELECT * FROM identifier_values WHERE namespace = ? ORDER BY identifier', namespace).map((row) => ({
        namespace: String(row['namespace']),
        scheme: String(row['scheme']),
        value: String(row['value']),
        identifier: Number(row['identifier']),
        entity: String(row['entity']),
      })),
      identifierStates: this.#all('SELECT * FROM identifier_states WHERE namespace = ? ORDER BY seq', namespace).map(toIdentifierState),
      bindings: this.#all('SELECT * FROM bindings WHERE namespace = ? ORDER BY seq', namespace).map(toBinding),
      erasures: this.#all('SELECT * FROM erasures WHERE namespace = ? ORDER BY identifier', namespace).map(toErasure),
    };
  }

  async eventHashes(namespace: string, fromSeq: number, toSeq: number): Promise<EventHash[]> {
    return this.#all('SELECT seq, hash FROM events WHERE namespace = ? AND seq BETWEEN ? AND ? ORDER BY seq', namespace, fromSeq, toSeq).map((row) => ({
      seq: Number(row['seq']),
      hash: bytes(row['hash']),
    }));
  }

  async merkleTiles(namespace: string, fromIndex: number, toIndex: number): Promise<MerkleTile[]> {
    return this.#all('SELECT idx, root FROM merkle_tiles WHERE namespace = ? AND idx >= ? AND idx < ? ORDER BY idx', namespace, fromIndex, toIndex).map((row) => ({
      index: Number(row['idx']),
      root: bytes(row['root']),
    }));
  }

  async checkpoints(namespace: string): Promise<CheckpointRecord[]> {
    return this.#all('SELECT * FROM checkpoints WHERE namespace = ? ORDER BY size, at, key_id', namespace).map(toCheckpoint);
  }

  async signingKeys(): Promise<SigningKeyRecord[]> {
    return this.#all('SELECT * FROM signing_keys ORDER BY valid_from, key_id').map(toSigningKey);
  }

  async addCheckpoint(checkpoint: CheckpointRecord, tiles: readonly MerkleTile[]): Promise<void> {
    const { namespace, size, root, head, time, keyId, signature } = checkpoint;
    const insertTile = this.#prepare('INSERT INTO merkle_tiles (namespace, idx, root) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    for (const tile of tiles) guard(() => insertTile.run(namespace, tile.index, tile.root));
    guard(() =>
      this.#prepare('INSERT INTO checkpoints (namespace, size, key_id, root, head, at, signature) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING').run(
        namespace,
        size,
        keyId,
        Buffer.from(root, 'hex'),
        Buffer.from(head, 'hex'),
        time,
        signature,
      ),
    );
  }

  async addSigningKey(key: SigningKeyRecord, retire?: KeyRetirement): Promise<void> {
    if (retire) {
      const retired = guard(() =>
        this.#prepare('UPDATE signing_keys SET valid_until = ?, retired_by = ?, retirement_signature = ? WHERE key_id = ? AND valid_until IS NULL').run(
          retire.validUntil,
          retire.retiredBy,
          retire.retirementSignature,
          retire.keyId,
        ),
      );
      if (retired.changes !== 1) throw new StableIdError('KEY_CONFLICT', `signing key ${retire.keyId} is not the active key`, { keyId: retire.keyId });
    }
    guard(() =>
      this.#prepare(
        'INSERT INTO signing_keys (key_id, name, public_key, valid_from, valid_until, signature, retired_by, retirement_signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(key.keyId, key.name, key.publicKey, key.validFrom, key.validUntil, key.signature, key.retiredBy, key.retirementSignature),
    );
  }

  async lockNamespace(namespace: string): Promise<ChainHead | undefined> {
    // BEGIN IMMEDIATE already holds SQLite's single writer lock for the whole transaction.
    return this.head(namespace);
  }

  async append(set: AppendSet): Promise<void> {
    this.#append(set);
    if (set.erasures.length > 0) this.erased = true;
  }
}
