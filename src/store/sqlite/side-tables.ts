import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StableIdError } from '../../model/errors.js';
import type { TablesSchema } from '../tables-schema.js';
import { type Row, type Statement, guard } from './sqlite-guard.js';

const BUSY_TIMEOUT_MS = 5000;

/**
 * A component's tables in the registry's SQLite file, on a connection of its
 * own (WAL, so it reads beside the registry's connection, and waits up to
 * five seconds for the write lock). Statements are prepared once; every call
 * runs synchronously to its end.
 */
export class SqliteSideTables {
  readonly description: string;
  readonly db: Database.Database;
  readonly #statements = new Map<string, Statement>();
  #closed = false;

  private constructor(db: Database.Database, description: string) {
    this.db = db;
    this.description = description;
  }

  /** Opens (creating if needed) the database at `path` (or ':memory:') and brings the component's tables up to date. */
  static open(path: string, schema: TablesSchema): SqliteSideTables {
    const description = `sqlite:${path}`;
    let db: Database.Database;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    } catch (error) {
      throw new StableIdError('STORE_UNAVAILABLE', `cannot open ${description}: ${(error as Error).message}`, { store: description }, { cause: error });
    }
    try {
      migrate(db, description, schema);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteSideTables(db, description);
  }

  get busyTimeoutMs(): number {
    return BUSY_TIMEOUT_MS;
  }

  prepare(sql: string): Statement {
    if (this.#closed) throw new StableIdError('STORE_UNAVAILABLE', `${this.description} is closed`, { store: this.description });
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = guard(() => this.db.prepare<unknown[], Row>(sql));
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  all(sql: string, ...params: unknown[]): Row[] {
    return guard(() => this.prepare(sql).all(...params));
  }

  get(sql: string, ...params: unknown[]): Row | undefined {
    return guard(() => this.prepare(sql).get(...params));
  }

  run(sql: string, ...params: unknown[]): Database.RunResult {
    return guard(() => this.prepare(sql).run(...params));
  }

  /** Runs `fn` holding the write lock from the start, so that what it reads is still true when it writes. */
  transaction<T>(fn: () => T): T {
    return guard(() => this.db.transaction(fn).immediate());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.db.close();
  }
}

/**
 * Creates the component's schema table and applies the migrations the file
 * lacks, under the write lock, so that processes opening the file together
 * migrate once. A file migrated by a newer stableid is refused.
 */
function migrate(db: Database.Database, description: string, schema: TablesSchema): void {
  guard(() =>
    db
      .transaction(() => {
        db.exec(`CREATE TABLE IF NOT EXISTS ${schema.table} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
        const latest = schema.migrations.at(-1)?.version ?? 0;
        const current = (db.prepare(`SELECT MAX(version) AS v FROM ${schema.table}`).get() as { v: number | null }).v ?? 0;
        if (current > latest) {
          throw new StableIdError(
            'STORE_SCHEMA',
            `${description} has ${schema.what} schema version ${current}, newer than this stableid supports (${latest}); upgrade stableid`,
            { store: description, version: current, supported: latest },
          );
        }
        const record = db.prepare(`INSERT INTO ${schema.table} (version, name, applied_at) VALUES (?, ?, ?)`);
        for (const migration of schema.migrations) {
          if (migration.version <= current) continue;
          db.exec(migration.sql);
          record.run(migration.version, migration.name, new Date().toISOString());
        }
      })
      .immediate(),
  );
}
