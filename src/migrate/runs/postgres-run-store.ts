import { StableIdError } from '../../model/errors.js';
import { toStableIdError } from '../../store/postgres/pg-errors.js';
import { type PostgresTarget, parsePostgresUrl } from '../../store/postgres/pg-url.js';
import { PostgresSideTables } from '../../store/postgres/side-tables.js';
import {
  CHECKPOINT_COLUMNS,
  IMAGE_COLUMNS,
  RELEASED_AT,
  RUN_COLUMNS,
  type Row,
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
import { POSTGRES_RUN_MIGRATIONS } from './run-schema.js';
import type { BeforeImage, Checkpoint, Lease, RunRecord, RunStore } from './run-store.js';

export interface PostgresRunStoreOptions {
  /** The schema holding the run tables (the registry's); overrides `?schema=` of the URL. Default `stableid`. */
  readonly schema?: string;
}

const POOL_SIZE = 4;

/**
 * Inserts a free migration's lease with token 1, or takes over an expired
 * one with the next token, or extends the holder's own with the same token;
 * answers no row when someone else holds it. One statement: a racing insert
 * waits for the first one's row and then sees it as not expired.
 */
const ACQUIRE_LEASE = `INSERT INTO migration_leases AS l (migration, holder, token, expires_at) VALUES ($1, $2, 1, $3)
  ON CONFLICT (migration) DO UPDATE SET
    holder = EXCLUDED.holder,
    token = CASE WHEN l.expires_at > $4 AND l.holder = EXCLUDED.holder THEN l.token ELSE l.token + 1 END,
    expires_at = EXCLUDED.expires_at
  WHERE l.expires_at <= $4 OR l.holder = EXCLUDED.holder
  RETURNING holder, token, expires_at`;

/**
 * The run store in the registry's PostgreSQL schema, on a small pool of its
 * own. Tables are created on first use; every method is one statement, so
 * each is atomic on its own and any number of processes may share the
 * tables.
 */
export class PostgresRunStore implements RunStore {
  readonly description: string;
  readonly #tables: PostgresSideTables;

  private constructor(target: PostgresTarget) {
    this.description = target.description;
    this.#tables = new PostgresSideTables(target, { what: 'run store', table: 'migration_schema', migrations: POSTGRES_RUN_MIGRATIONS }, { poolSize: POOL_SIZE, statementPrefix: 'stableid_runs', mapError: runStoreError });
  }

  /** A run store for `postgres://…` (or `postgresql://…`); connects and creates its tables on first use. */
  static open(url: string, options: PostgresRunStoreOptions = {}): PostgresRunStore {
    return new PostgresRunStore(parsePostgresUrl(url, options.schema));
  }

  /** The schema the tables live in. */
  get schema(): string {
    return this.#tables.target.schema;
  }

  async createRun(record: RunRecord): Promise<void> {
    try {
      await this.#query(`INSERT INTO migration_runs (${RUN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, runValues(record));
    } catch (error) {
      const cause = error instanceof StableIdError ? error.cause : undefined;
      if ((cause as { code?: string } | undefined)?.code === '23505') throw runExists(record.id, this.description, cause);
      throw error;
    }
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const [row] = await this.#query(`SELECT ${RUN_COLUMNS} FROM migration_runs WHERE id = $1`, [id]);
    return row && toRunRecord(row);
  }

  async listRuns(migration?: string): Promise<RunRecord[]> {
    const rows =
      migration === undefined
        ? await this.#query(`SELECT ${RUN_COLUMNS} FROM migration_runs ORDER BY created_at DESC, id DESC`)
        : await this.#query(`SELECT ${RUN_COLUMNS} FROM migration_runs WHERE migration = $1 ORDER BY created_at DESC, id DESC`, [migration]);
    return rows.map(toRunRecord);
  }

  async updateRun(id: string, change: Pick<RunRecord, 'status' | 'wave' | 'details' | 'updatedAt'>): Promise<void> {
    const rows = await this.#query('UPDATE migration_runs SET status = $1, wave = $2, details = $3, updated_at = $4 WHERE id = $5 RETURNING id', [
      change.status,
      change.wave,
      JSON.stringify(change.details),
      change.updatedAt,
      id,
    ]);
    if (rows.length === 0) throw runNotFound(id, this.description);
  }

  async saveCheckpoint(checkpoint: Checkpoint): Promise<void> {
    await this.#query(
      `INSERT INTO migration_checkpoints (${CHECKPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (run, wave, partition) DO UPDATE SET cursor = EXCLUDED.cursor, done = EXCLUDED.done, counts = EXCLUDED.counts`,
      [checkpoint.run, checkpoint.wave, checkpoint.partition, checkpoint.cursor, checkpoint.done, JSON.stringify(checkpoint.counts)],
    );
  }

  async checkpoints(run: string, wave: number): Promise<Checkpoint[]> {
    const rows = await this.#query(`SELECT ${CHECKPOINT_COLUMNS} FROM migration_checkpoints WHERE run = $1 AND wave = $2 ORDER BY partition`, [run, wave]);
    return rows.map(toCheckpoint);
  }

  async saveBeforeImages(images: readonly BeforeImage[]): Promise<void> {
    const rows = firstImages(images);
    if (rows.length === 0) return;
    // One statement for the whole batch: the columns travel as six arrays.
    await this.#query(
      `INSERT INTO migration_before_images (${IMAGE_COLUMNS})
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
        ON CONFLICT (run, key) DO NOTHING`,
      [
        rows.map((image) => image.run),
        rows.map((image) => image.key),
        rows.map((image) => image.newKey),
        rows.map((image) => JSON.stringify(image.before)),
        rows.map((image) => image.afterVersion),
        rows.map((image) => (image.binding === null ? null : JSON.stringify(image.binding))),
      ],
    );
  }

  async recordAfterVersions(run: string, versions: ReadonlyMap<string, string>): Promise<void> {
    if (versions.size === 0) return;
    await this.#query(
      `UPDATE migration_before_images AS b SET after_version = v.version
        FROM unnest($2::text[], $3::text[]) AS v(key, version)
        WHERE b.run = $1 AND b.key = v.key`,
      [run, [...versions.keys()], [...versions.values()]],
    );
  }

  async beforeImages(run: string, cursor: string | null, limit: number): Promise<BeforeImage[]> {
    const size = pageSize(limit);
    const rows =
      cursor === null
        ? await this.#query(`SELECT ${IMAGE_COLUMNS} FROM migration_before_images WHERE run = $1 ORDER BY key LIMIT $2`, [run, size])
        : await this.#query(`SELECT ${IMAGE_COLUMNS} FROM migration_before_images WHERE run = $1 AND key > $2 ORDER BY key LIMIT $3`, [run, cursor, size]);
    return rows.map(toBeforeImage);
  }

  async acquireLease(migration: string, holder: string, ttlMs: number, now: Date): Promise<Lease | undefined> {
    const [row] = await this.#query(ACQUIRE_LEASE, [migration, holder, leaseExpiry(now, ttlMs), now.toISOString()]);
    return row && toLease(migration, row);
  }

  async renewLease(lease: Lease, ttlMs: number, now: Date): Promise<Lease | undefined> {
    // Holder and token suffice, expired or not: a newer holder would have raised the token.
    const [row] = await this.#query(
      'UPDATE migration_leases SET expires_at = $1 WHERE migration = $2 AND holder = $3 AND token = $4 RETURNING holder, token, expires_at',
      [leaseExpiry(now, ttlMs), lease.migration, lease.holder, lease.token],
    );
    return row && toLease(lease.migration, row);
  }

  async releaseLease(lease: Lease): Promise<void> {
    await this.#query('UPDATE migration_leases SET expires_at = $1 WHERE migration = $2 AND holder = $3 AND token = $4', [
      RELEASED_AT,
      lease.migration,
      lease.holder,
      lease.token,
    ]);
  }

  async close(): Promise<void> {
    await this.#tables.close();
  }

  /** One statement, prepared once per connection, after the tables exist. */
  #query(sql: string, values: readonly unknown[] = []): Promise<Row[]> {
    return this.#tables.query(sql, values);
  }
}

/** Text cannot hold U+0000 (JSON escapes it, but a key or holder may carry it): the input is at fault, not the database. */
function runStoreError(error: unknown, description: string): StableIdError {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '22P05' || code === '22021') {
    const message = (error as Error).message;
    return new StableIdError('INVALID_ARGUMENT', `${description} cannot store this value: ${message}`, { store: description, sqlstate: code }, { cause: error });
  }
  return toStableIdError(error, description);
}
