import { finished } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { StableIdError } from '../../model/errors.js';
import type { ChainedEvent, EventSecret } from '../../model/events.js';
import type { CheckpointRecord } from '../../model/proof/checkpoint-note.js';
import type { SigningKeyRecord } from '../../model/proof/key-records.js';
import type { BindingRow, ErasureRow, IdentifierStateRow, NamespaceRow, ProjectionRows, SchemeRow, SchemeStateRow } from '../../model/rows.js';
import { planAppend } from '../append-plan.js';
import {
  type Row,
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
import { type AppendStep, appendSteps } from './pg-append.js';
import { isRetryable, toStableIdError } from './pg-errors.js';
import { migrate } from './pg-migrate.js';
import { createPool } from './pg-pool.js';
import { type PostgresTarget, parsePostgresUrl } from './pg-url.js';

/** How often a transaction that lost a deadlock is run again before STORE_BUSY. */
const RETRIES = 5;

export interface PostgresStoreOptions {
  /** The schema holding the registry's tables; overrides `?schema=` of the URL. Default `stableid`. */
  readonly schema?: string;
  /** Connections in the pool; a bulk write takes two. Default 10. */
  readonly poolSize?: number;
}

/**
 * The PostgreSQL store: any number of stableid processes may share one
 * database. A write locks each namespace it touches (a transaction-scoped
 * advisory lock), so one namespace's chain never forks while writers to
 * different namespaces proceed side by side. Tables are created and upgraded
 * on first use, inside the store's own schema.
 */
export class PostgresStore implements Store {
  readonly description: string;
  readonly #target: PostgresTarget;
  readonly #pool: pg.Pool;
  #ready: Promise<void> | undefined;
  #closed = false;

  private constructor(target: PostgresTarget, poolSize: number) {
    this.#target = target;
    this.description = target.description;
    this.#pool = createPool(target, poolSize);
  }

  /** A store for `postgres://…` (or `postgresql://…`); connects and migrates on first use. */
  static open(url: string, options: PostgresStoreOptions = {}): PostgresStore {
    const target = parsePostgresUrl(url, options.schema);
    return new PostgresStore(target, options.poolSize ?? 10);
  }

  /** The schema the tables live in. */
  get schema(): string {
    return this.#target.schema;
  }

  async read<T>(fn: (reader: StoreReader) => Promise<T>): Promise<T> {
    const client = await this.#connect();
    try {
      await this.#query(client, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await fn(new PgReader((sql, values) => this.#query(client, sql, values)));
      await this.#query(client, 'COMMIT');
      client.release();
      return result;
    } catch (error) {
      await this.#abandon(client, error);
      throw this.#error(error);
    }
  }

  async write<T>(fn: (tx: StoreTransaction) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    // A bulk write reads its input as it goes and cannot be run twice; any other write can, after a deadlock.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#writeOnce(fn, options.bulk === true);
      } catch (error) {
        if (options.bulk || attempt >= RETRIES || !isRetryable(error)) throw this.#error(error);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#ready?.catch(() => undefined);
    await this.#pool.end();
  }

  /**
   * One attempt at a write transaction. A bulk write reads through a second
   * connection outside the transaction, so that the appends queued on the
   * first never hold up the next chunk's reads: once the namespace is locked,
   * nobody else commits to it, so those reads show the state at the
   * transaction's start, as the port allows.
   */
  async #writeOnce<T>(fn: (tx: StoreTransaction) => Promise<T>, bulk: boolean): Promise<T> {
    const client = await this.#connect();
    let reads: pg.PoolClient | undefined;
    let tx: PgTransaction | undefined;
    try {
      await this.#query(client, 'BEGIN');
      reads = bulk ? await this.#connect() : undefined;
      const readClient = reads ?? client;
      tx = new PgTransaction(
        (sql, values) => this.#query(readClient, sql, values),
        (sql, values) => this.#query(client, sql, values),
        (step) => this.#step(client, step),
        bulk,
        this.#target.schema,
      );
      const result = await fn(tx);
      await tx.drain();
      await this.#query(client, 'COMMIT');
      client.release();
      reads?.release();
      return result;
    } catch (error) {
      // Queued appends must not reach the connection after its ROLLBACK, where they would commit on their own.
      await tx?.abandon();
      await this.#abandon(client, error);
      reads?.release();
      throw error;
    }
  }

  async #connect(): Promise<pg.PoolClient> {
    if (this.#closed) throw new StableIdError('STORE_UNAVAILABLE', `${this.description} is closed`, { store: this.description });
    try {
      // A failed start (server down) is tried again by the next call rather than remembered for good.
      this.#ready ??= this.#migrate().catch((error: unknown) => {
        this.#ready = undefined;
        throw error;
      });
      await this.#ready;
      return await this.#pool.connect();
    } catch (error) {
      throw this.#error(error);
    }
  }

  async #migrate(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await migrate((sql, values) => client.query(sql, values ? [...values] : undefined), this.#target);
      client.release();
    } catch (error) {
      await this.#abandon(client, error);
      throw error;
    }
  }

  /** Rolls back what the connection holds and returns it to the pool, or drops it if it broke. */
  async #abandon(client: pg.PoolClient, error: unknown): Promise<void> {
    const broken = toStableIdError(error, this.description).code === 'STORE_UNAVAILABLE';
    if (!broken) {
      try {
        await client.query('ROLLBACK');
        client.release();
        return;
      } catch {
        // Fall through: the connection cannot be trusted any more.
      }
    }
    client.release(true);
  }

  async #query(client: pg.PoolClient, sql: string, values?: readonly unknown[]): Promise<Row[]> {
    const result = await client.query<Row>({ text: sql, ...(values ? { values: [...values], name: statementName(sql) } : {}) });
    return result.rows;
  }

  async #step(client: pg.PoolClient, step: AppendStep): Promise<void> {
    if (step.kind === 'query') {
      await this.#query(client, step.text, step.values);
      return;
    }
    const stream = client.query(copyFrom(step.text));
    stream.end(step.data);
    await finished(stream);
  }

  #error(error: unknown): StableIdError {
    return toStableIdError(error, this.description);
  }
}

/** Each distinct SQL text gets one name, so every connection prepares it once and reuses the plan. */
const statementNames = new Map<string, string>();
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `stableid_${statementNames.size + 1}`;
    statementNames.set(sql, name);
  }
  return name;
}

type Query = (sql: string, values?: readonly unknown[]) => Promise<Row[]>;

/*
 * Batched lookups are driven from the keys asked for: `unnest` of the keys,
 * each looked up through a LATERAL subquery (`OFFSET 0` keeps the planner
 * from flattening it). The plan stays one index probe per key even while a
 * bulk import grows a table far past the statistics the planner last saw,
 * where a join would turn into a scan of the whole namespace per chunk.
 */
class PgReader implements StoreReader {
  protected readonly query: Query;

  constructor(query: Query) {
    this.query = query;
  }

  async getNamespace(name: string): Promise<NamespaceRow | undefined> {
    const [row] = await this.query('SELECT * FROM namespaces WHERE name = $1', [name]);
    return row && toNamespace(row);
  }

  async logNamespaces(): Promise<string[]> {
    return (await this.query('SELECT DISTINCT namespace FROM events ORDER BY namespace')).map((row) => String(row['namespace']));
  }

  async listNamespaces(): Promise<NamespaceRow[]> {
    return (await this.query('SELECT * FROM namespaces ORDER BY name')).map(toNamespace);
  }

  async listSchemes(namespace: string): Promise<SchemeRow[]> {
    return (await this.query('SELECT * FROM schemes WHERE namespace = $1 ORDER BY created_seq', [namespace])).map(toScheme);
  }

  async schemeStates(namespace: string): Promise<SchemeStateRow[]> {
    return (await this.query('SELECT * FROM scheme_states WHERE namespace = $1 ORDER BY seq', [namespace])).map(toSchemeState);
  }

  async head(namespace: string): Promise<ChainHead | undefined> {
    const [row] = await this.query('SELECT seq, hash, at FROM namespace_heads WHERE namespace = $1', [namespace]);
    return row && { seq: Number(row['seq']), hash: String(row['hash']), at: String(row['at']) };
  }

  async findIdentifiers(namespace: string, keys: readonly IdentifierKey[]): Promise<StoredIdentifier[]> {
    if (keys.length === 0) return [];
    const rows = await this.query(
      `SELECT i.*, v.value FROM unnest($2::text[], $3::text[]) AS k(scheme, value)
       CROSS JOIN LATERAL (SELECT * FROM identifier_values WHERE namespace = $1 AND scheme = k.scheme AND value = k.value OFFSET 0) v
       CROSS JOIN LATERAL (SELECT * FROM identifiers WHERE namespace = $1 AND entity = v.entity AND seq = v.identifier OFFSET 0) i`,
      [namespace, keys.map((key) => key.scheme), keys.map((key) => key.value)],
    );
    const byKey = new Map(rows.map((row) => [`${String(row['scheme'])}\u0000${String(row['value'])}`, toIdentifier(row)]));
    // In the order of the keys asked for, as one lookup per key would answer.
    const found: StoredIdentifier[] = [];
    const seen = new Set<string>();
    for (const key of keys) {
      const k = `${key.scheme}\u0000${key.value}`;
      const identifier = byKey.get(k);
      if (identifier && !seen.has(k)) {
        seen.add(k);
        found.push(identifier);
      }
    }
    return found;
  }

  async identifiersOfEntities(namespace: string, entities: readonly string[]): Promise<StoredIdentifier[]> {
    if (entities.length === 0) return [];
    const rows = await this.query(
      `SELECT i.*, v.value FROM unnest($2::text[]) AS e(entity)
       CROSS JOIN LATERAL (SELECT * FROM identifiers WHERE namespace = $1 AND entity = e.entity OFFSET 0) i
       LEFT JOIN LATERAL (SELECT value FROM identifier_values WHERE namespace = $1 AND identifier = i.seq OFFSET 0) v ON true
       ORDER BY i.seq`,
      [namespace, [...new Set(entities)]],
    );
    return rows.map(toIdentifier);
  }

  async identifierStates(namespace: string, identifiers: readonly number[]): Promise<IdentifierStateRow[]> {
    if (identifiers.length === 0) return [];
    const rows = await this.query('SELECT s.* FROM unnest($2::bigint[]) AS i(identifier) CROSS JOIN LATERAL (SELECT * FROM identifier_states WHERE namespace = $1 AND identifier = i.identifier OFFSET 0) s ORDER BY s.seq', [
      namespace,
      [...new Set(identifiers)],
    ]);
    return rows.map(toIdentifierState);
  }

  async erasures(namespace: string, identifiers: readonly number[]): Promise<ErasureRow[]> {
    if (identifiers.length === 0) return [];
    const rows = await this.query('SELECT * FROM erasures WHERE namespace = $1 AND identifier = ANY($2::bigint[]) ORDER BY seq', [namespace, [...new Set(identifiers)]]);
    return rows.map(toErasure);
  }

  async bindings(namespace: string, entities: readonly string[]): Promise<BindingRow[]> {
    if (entities.length === 0) return [];
    const unique = [...new Set(entities)];
    const rows = (
      await this.query('SELECT b.* FROM unnest($2::text[]) AS e(entity) CROSS JOIN LATERAL (SELECT * FROM bindings WHERE namespace = $1 AND entity = e.entity OFFSET 0) b ORDER BY b.version', [
        namespace,
        unique,
      ])
    ).map(
      toBinding,
    );
    // Entities in the order asked for, each one's versions in order.
    const order = new Map(unique.map((entity, index) => [entity, index]));
    return rows.sort((a, b) => (order.get(a.entity) ?? 0) - (order.get(b.entity) ?? 0) || a.version - b.version);
  }

  async events(namespace: string, afterSeq: number, limit: number): Promise<ChainedEvent[]> {
    return (await this.query('SELECT * FROM events WHERE namespace = $1 AND seq > $2 ORDER BY seq LIMIT $3', [namespace, afterSeq, limit])).map(toEvent);
  }

  async secrets(namespace: string, fromSeq: number, toSeq: number): Promise<EventSecret[]> {
    const rows = await this.query(
      'SELECT namespace, identifier, salt, value FROM identifier_values WHERE namespace = $1 AND identifier BETWEEN $2 AND $3 ORDER BY identifier',
      [namespace, fromSeq, toSeq],
    );
    return rows.map((row) => ({ namespace: String(row['namespace']), seq: Number(row['identifier']), salt: String(row['salt']), value: String(row['value']) }));
  }

  async projection(namespace: string): Promise<ProjectionRows> {
    const all = (sql: string): Promise<Row[]> => this.query(sql, [namespace]);
    return {
      namespaces: (await all('SELECT * FROM namespaces WHERE name = $1')).map(toNamespace),
      schemes: (await all('SELECT * FROM schemes WHERE namespace = $1 ORDER BY name')).map(toSchemeAsStored),
      schemeStates: (await all('SELECT * FROM scheme_states WHERE namespace = $1 ORDER BY seq')).map(toSchemeState),
      entities: (await all('SELECT * FROM entities WHERE namespace = $1 ORDER BY id')).map(toEntity),
      identifiers: (await all('SELECT *, NULL AS value FROM identifiers WHERE namespace = $1 ORDER BY seq')).map((row) => {
        const { value: _value, ...identifier } = toIdentifier(row);
        return identifier;
      }),
      identifierValues: (await all('SELECT * FROM identifier_values WHERE namespace = $1 ORDER BY identifier')).map((row) => ({
        namespace: String(row['namespace']),
        scheme: String(row['scheme']),
        value: String(row['value']),
        identifier: Number(row['identifier']),
        entity: String(row['entity']),
      })),
      identifierStates: (await all('SELECT * FROM identifier_states WHERE namespace = $1 ORDER BY seq')).map(toIdentifierState),
      bindings: (await all('SELECT * FROM bindings WHERE namespace = $1 ORDER BY seq')).map(toBinding),
      erasures: (await all('SELECT * FROM erasures WHERE namespace = $1 ORDER BY identifier')).map(toErasure),
    };
  }

  async eventHashes(namespace: string, fromSeq: number, toSeq: number): Promise<EventHash[]> {
    const rows = await this.query('SELECT seq, hash FROM events WHERE namespace = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq', [namespace, fromSeq, toSeq]);
    return rows.map((row) => ({ seq: Number(row['seq']), hash: bytes(row['hash']) }));
  }

  async merkleTiles(namespace: string, fromIndex: number, toIndex: number): Promise<MerkleTile[]> {
    const rows = await this.query('SELECT idx, root FROM merkle_tiles WHERE namespace = $1 AND idx >= $2 AND idx < $3 ORDER BY idx', [namespace, fromIndex, toIndex]);
    return rows.map((row) => ({ index: Number(row['idx']), root: bytes(row['root']) }));
  }

  async checkpoints(namespace: string): Promise<CheckpointRecord[]> {
    return (await this.query('SELECT * FROM checkpoints WHERE namespace = $1 ORDER BY size, at, key_id', [namespace])).map(toCheckpoint);
  }

  async signingKeys(): Promise<SigningKeyRecord[]> {
    return (await this.query('SELECT * FROM signing_keys ORDER BY valid_from, key_id', [])).map(toSigningKey);
  }
}

class PgTransaction extends PgReader implements StoreTransaction {
  readonly #write: Query;
  readonly #step: (step: AppendStep) => Promise<void>;
  readonly #bulk: boolean;
  readonly #schema: string;
  /** The head of each namespace this transaction locked, moved by each append (null: no event yet). */
  readonly #heads = new Map<string, ChainHead | null>();
  /** Bulk appends run one after another on the write connection while the registry goes on. */
  #pending: Promise<void> = Promise.resolve();
  #failure: unknown = null;

  constructor(read: Query, write: Query, step: (step: AppendStep) => Promise<void>, bulk: boolean, schema: string) {
    super(read);
    this.#write = write;
    this.#step = step;
    this.#bulk = bulk;
    this.#schema = schema;
  }

  async lockNamespace(namespace: string): Promise<ChainHead | undefined> {
    const known = this.#heads.get(namespace);
    if (known !== undefined) return known ?? undefined;
    await this.#pending;
    // One lock per namespace and schema; 64-bit hashes make two namespaces sharing a lock (and waiting on each other) vanishingly rare.
    await this.#write('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`stableid:${this.#schema}:${namespace}`]);
    const [row] = await this.#write('SELECT seq, hash, at FROM namespace_heads WHERE namespace = $1', [namespace]);
    const head = row ? { seq: Number(row['seq']), hash: String(row['hash']), at: String(row['at']) } : null;
    this.#heads.set(namespace, head);
    return head ?? undefined;
  }

  async append(set: AppendSet): Promise<void> {
    if (this.#failure !== null) throw this.#failure;
    const plan = planAppend(set, (namespace) => {
      const head = this.#heads.get(namespace);
      if (head === undefined) {
        throw new StableIdError('INTERNAL', `append to "${namespace}" without its lock`, { namespace });
      }
      return head ?? undefined;
    });
    for (const [namespace, head] of plan.heads) this.#heads.set(namespace, head);
    const write = async (): Promise<void> => {
      for (const step of appendSteps(plan)) await this.#step(step);
    };
    if (!this.#bulk) return write();
    // Once one has failed the transaction is lost: the rest are skipped and the commit reports the failure.
    this.#pending = this.#pending
      .then(() => (this.#failure === null ? write() : undefined))
      .catch((error: unknown) => {
        this.#failure ??= error;
      });
  }

  async addCheckpoint(checkpoint: CheckpointRecord, tiles: readonly MerkleTile[]): Promise<void> {
    await this.#drainForWrite('addCheckpoint');
    const { namespace, size, root, head, time, keyId, signature } = checkpoint;
    if (tiles.length > 0) {
      await this.#write(
        `INSERT INTO merkle_tiles (namespace, idx, root)
         SELECT $1, t.idx, decode(t.root, 'hex') FROM unnest($2::bigint[], $3::text[]) AS t(idx, root)
         ON CONFLICT DO NOTHING`,
        [namespace, tiles.map((t) => t.index), tiles.map((t) => t.root.toString('hex'))],
      );
    }
    await this.#write(
      `INSERT INTO checkpoints (namespace, size, key_id, root, head, at, signature)
       VALUES ($1, $2, $3, decode($4, 'hex'), decode($5, 'hex'), $6, $7) ON CONFLICT DO NOTHING`,
      [namespace, size, keyId, root, head, time, signature],
    );
  }

  async addSigningKey(key: SigningKeyRecord, retire?: KeyRetirement): Promise<void> {
    await this.#drainForWrite('addSigningKey');
    if (retire) {
      const retired = await this.#write(
        'UPDATE signing_keys SET valid_until = $1, retired_by = $2, retirement_signature = $3 WHERE key_id = $4 AND valid_until IS NULL RETURNING key_id',
        [retire.validUntil, retire.retiredBy, retire.retirementSignature, retire.keyId],
      );
      if (retired.length !== 1) throw new StableIdError('KEY_CONFLICT', `signing key ${retire.keyId} is not the active key`, { keyId: retire.keyId });
    }
    await this.#write(
      'INSERT INTO signing_keys (key_id, name, public_key, valid_from, valid_until, signature, retired_by, retirement_signature) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [key.keyId, key.name, key.publicKey, key.validFrom, key.validUntil, key.signature, key.retiredBy, key.retirementSignature],
    );
  }

  /** Side writes go after the appends queued before them, and never into a bulk transaction's append stream. */
  async #drainForWrite(what: string): Promise<void> {
    if (this.#bulk) throw new StableIdError('INTERNAL', `${what} in a bulk write`);
    await this.#pending;
  }

  /** Skips the appends still queued and waits for the one under way. */
  async abandon(): Promise<void> {
    this.#failure ??= new StableIdError('INTERNAL', 'the transaction was abandoned');
    await this.#pending;
  }

  /** Waits for queued appends; the first failure among them fails the transaction. */
  async drain(): Promise<void> {
    await this.#pending;
    if (this.#failure !== null) throw this.#failure;
  }
}
