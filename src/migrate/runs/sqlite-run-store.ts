import type Database from 'better-sqlite3';
import { isStableIdError } from '../../model/errors.js';
import type { Row, Statement } from '../../store/sqlite/sqlite-guard.js';
import { SqliteSideTables } from '../../store/sqlite/side-tables.js';
import {
  CHECKPOINT_COLUMNS,
  IMAGE_COLUMNS,
  RELEASED_AT,
  RUN_COLUMNS,
  firstImages,
  leaseExpiry,
  pageSize,
  runExists,
  runNotFound,
  runValues,
  toBeforeImage,
  toCheckpoint,
  toLease,
  toRunRecord,
} from './run-rows.js';
import { SQLITE_RUN_MIGRATIONS } from './run-schema.js';
import type { BeforeImage, Checkpoint, Lease, RunRecord, RunStore } from './run-store.js';

/**
 * Rows per INSERT of before-images. A shorter chunk is padded by repeating
 * its last row, which the conflict clause then ignores, so one statement
 * serves every batch size.
 */
const IMAGE_CHUNK = 64;

const INSERT_IMAGES = `INSERT INTO migration_before_images (${IMAGE_COLUMNS}) VALUES ${Array<string>(IMAGE_CHUNK).fill('(?, ?, ?, ?, ?, ?)').join(', ')}
  ON CONFLICT (run, key) DO NOTHING`;

/**
 * Inserts a free migration's lease with token 1, or takes over an expired
 * one with the next token, or extends the holder's own with the same token;
 * answers no row when someone else holds it. Run inside BEGIN IMMEDIATE, so
 * that no other connection reads the row between this one's read and write.
 */
const ACQUIRE_LEASE = `INSERT INTO migration_leases (migration, holder, token, expires_at) VALUES (@migration, @holder, 1, @expiresAt)
  ON CONFLICT (migration) DO UPDATE SET
    holder = excluded.holder,
    token = CASE WHEN migration_leases.expires_at > @now AND migration_leases.holder = excluded.holder
      THEN migration_leases.token ELSE migration_leases.token + 1 END,
    expires_at = excluded.expires_at
  WHERE migration_leases.expires_at <= @now OR migration_leases.holder = excluded.holder
  RETURNING holder, token, expires_at`;

/**
 * The run store in the registry's SQLite file, on a connection of its own
 * (WAL, so it reads beside the registry's connection and waits up to five
 * seconds for its writes). Every method runs synchronously to the end, so
 * calls never interleave within one store; across connections and processes
 * the lease is taken under BEGIN IMMEDIATE.
 */
export class SqliteRunStore implements RunStore {
  readonly description: string;
  readonly #tables: SqliteSideTables;

  private constructor(tables: SqliteSideTables) {
    this.#tables = tables;
    this.description = tables.description;
  }

  /** Opens (creating if needed) the database at `path` (or ':memory:') and brings the run tables up to date. */
  static open(path: string): SqliteRunStore {
    return new SqliteRunStore(SqliteSideTables.open(path, { what: 'run store', table: 'migration_schema', migrations: SQLITE_RUN_MIGRATIONS }));
  }

  async createRun(record: RunRecord): Promise<void> {
    try {
      this.#run(`INSERT INTO migration_runs (${RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ...runValues(record));
    } catch (error) {
      if (isStableIdError(error) && error.context['sqlite'] === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw runExists(record.id, this.description, error.cause);
      throw error;
    }
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const row = this.#get(`SELECT ${RUN_COLUMNS} FROM migration_runs WHERE id = ?`, id);
    return row && toRunRecord(row);
  }

  async listRuns(migration?: string): Promise<RunRecord[]> {
    const rows =
      migration === undefined
        ? this.#all(`SELECT ${RUN_COLUMNS} FROM migration_runs ORDER BY created_at DESC, id DESC`)
        : this.#all(`SELECT ${RUN_COLUMNS} FROM migration_runs WHERE migration = ? ORDER BY created_at DESC, id DESC`, migration);
    return rows.map(toRunRecord);
  }

  async updateRun(id: string, change: Pick<RunRecord, 'status' | 'wave' | 'details' | 'updatedAt'>): Promise<void> {
    const { changes } = this.#run(
      'UPDATE migration_runs SET status = ?, wave = ?, details = ?, updated_at = ? WHERE id = ?',
      change.status,
      change.wave,
      JSON.stringify(change.details),
      change.updatedAt,
      id,
    );
    if (changes === 0) throw runNotFound(id, this.description);
  }

  async saveCheckpoint(checkpoint: Checkpoint): Promise<void> {
    this.#run(
      `INSERT INTO migration_checkpoints (${CHECKPOINT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (run, wave, partition) DO UPDATE SET cursor = excluded.cursor, done = excluded.done, counts = excluded.counts`,
      checkpoint.run,
      checkpoint.wave,
      checkpoint.partition,
      checkpoint.cursor,
      checkpoint.done ? 1 : 0,
      JSON.stringify(checkpoint.counts),
    );
  }

  async checkpoints(run: string, wave: number): Promise<Checkpoint[]> {
    return this.#all(`SELECT ${CHECKPOINT_COLUMNS} FROM migration_checkpoints WHERE run = ? AND wave = ? ORDER BY partition`, run, wave).map(
      toCheckpoint,
    );
  }

  async saveBeforeImages(images: readonly BeforeImage[]): Promise<void> {
    const rows = firstImages(images);
    if (rows.length === 0) return;
    this.#transaction(() => {
      const insert = this.#prepare(INSERT_IMAGES);
      for (let start = 0; start < rows.length; start += IMAGE_CHUNK) {
        const chunk = rows.slice(start, start + IMAGE_CHUNK);
        const last = chunk[chunk.length - 1] as BeforeImage;
        while (chunk.length < IMAGE_CHUNK) chunk.push(last);
        insert.run(chunk.flatMap((image) => [image.run, image.key, image.newKey, JSON.stringify(image.before), image.afterVersion, image.binding === null ? null : JSON.stringify(image.binding)]));
      }
    });
  }

  async recordAfterVersions(run: string, versions: ReadonlyMap<string, string>): Promise<void> {
    if (versions.size === 0) return;
    // One prepared statement per key inside one transaction: SQLite's cost is the commit, not the statements.
    this.#transaction(() => {
      const update = this.#prepare('UPDATE migration_before_images SET after_version = ? WHERE run = ? AND key = ?');
      for (const [key, version] of versions) update.run(version, run, key);
    });
  }

  async beforeImages(run: string, cursor: string | null, limit: number): Promise<BeforeImage[]> {
    const size = pageSize(limit);
    const rows =
      cursor === null
        ? this.#all(`SELECT ${IMAGE_COLUMNS} FROM migration_before_images WHERE run = ? ORDER BY key LIMIT ?`, run, size)
        : this.#all(`SELECT ${IMAGE_COLUMNS} FROM migration_before_images WHERE run = ? AND key > ? ORDER BY key LIMIT ?`, run, cursor, size);
    return rows.map(toBeforeImage);
  }

  async acquireLease(migration: string, holder: string, ttlMs: number, now: Date): Promise<Lease | undefined> {
    const expiresAt = leaseExpiry(now, ttlMs);
    const row = this.#transaction(() =>
      this.#prepare(ACQUIRE_LEASE).get({ migration, holder, expiresAt, now: now.toISOString() }),
    );
    return row && toLease(migration, row);
  }

  async renewLease(lease: Lease, ttlMs: number, now: Date): Promise<Lease | undefined> {
    // Holder and token suffice, expired or not: a newer holder would have raised the token.
    const row = this.#get(
      'UPDATE migration_leases SET expires_at = ? WHERE migration = ? AND holder = ? AND token = ? RETURNING holder, token, expires_at',
      leaseExpiry(now, ttlMs),
      lease.migration,
      lease.holder,
      lease.token,
    );
    return row && toLease(lease.migration, row);
  }

  async releaseLease(lease: Lease): Promise<void> {
    this.#run(
      'UPDATE migration_leases SET expires_at = ? WHERE migration = ? AND holder = ? AND token = ?',
      RELEASED_AT,
      lease.migration,
      lease.holder,
      lease.token,
    );
  }

  async close(): Promise<void> {
    this.#tables.close();
  }

  #prepare(sql: string): Statement {
    return this.#tables.prepare(sql);
  }

  #all(sql: string, ...params: unknown[]): Row[] {
    return this.#tables.all(sql, ...params);
  }

  #get(sql: string, ...params: unknown[]): Row | undefined {
    return this.#tables.get(sql, ...params);
  }

  #run(sql: string, ...params: unknown[]): Database.RunResult {
    return this.#tables.run(sql, ...params);
  }

  /** Runs `fn` holding the write lock from the start, so that what it reads is still true when it writes. */
  #transaction<T>(fn: () => T): T {
    return this.#tables.transaction(fn);
  }
}
