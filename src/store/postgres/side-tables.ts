import type pg from 'pg';
import { StableIdError } from '../../model/errors.js';
import type { TablesSchema } from '../tables-schema.js';
import { toStableIdError } from './pg-errors.js';
import { createPool } from './pg-pool.js';
import type { PostgresTarget } from './pg-url.js';

export type Row = Record<string, unknown>;

export interface SideTablesOptions {
  readonly poolSize: number;
  /** Names this component's prepared statements, so two components never share a name on one connection. */
  readonly statementPrefix: string;
  /** Turns a failure into a StableIdError; by default the store's usual mapping. */
  readonly mapError?: (error: unknown, description: string) => StableIdError;
}

/**
 * A component's tables in the registry's PostgreSQL schema, on a small pool
 * of its own, created on first use under the lock the registry migrates
 * under (so processes starting together never create the schema twice).
 */
export class PostgresSideTables {
  readonly description: string;
  readonly target: PostgresTarget;
  readonly #schema: TablesSchema;
  readonly #options: SideTablesOptions;
  readonly #pool: pg.Pool;
  readonly #statementNames = new Map<string, string>();
  #ready: Promise<void> | undefined;
  #closed = false;

  constructor(target: PostgresTarget, schema: TablesSchema, options: SideTablesOptions) {
    this.target = target;
    this.description = target.description;
    this.#schema = schema;
    this.#options = options;
    this.#pool = createPool(target, options.poolSize);
  }

  /** One statement, prepared once per connection, after the tables exist. */
  async query(sql: string, values: readonly unknown[] = []): Promise<Row[]> {
    if (this.#closed) throw new StableIdError('STORE_UNAVAILABLE', `${this.description} is closed`, { store: this.description });
    try {
      // A failed start (server down) is tried again by the next call rather than remembered for good.
      this.#ready ??= this.#migrate().catch((error: unknown) => {
        this.#ready = undefined;
        throw error;
      });
      await this.#ready;
      return (await this.#pool.query<Row>({ text: sql, values: [...values], name: this.#statementName(sql) })).rows;
    } catch (error) {
      throw (this.#options.mapError ?? toStableIdError)(error, this.description);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#ready?.catch(() => undefined);
    await this.#pool.end();
  }

  /** Creates the schema and the tables if needed and applies the migrations they lack, in one transaction under the lock. */
  async #migrate(): Promise<void> {
    const { schema, description } = this.target;
    const { table, migrations, what } = this.#schema;
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`stableid:migrate:${schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(`SET LOCAL search_path TO ${schema}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${table} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
      const latest = migrations.at(-1)?.version ?? 0;
      const current = Number((await client.query<Row>(`SELECT COALESCE(MAX(version), 0) AS v FROM ${table}`)).rows[0]?.['v'] ?? 0);
      if (current > latest) {
        throw new StableIdError('STORE_SCHEMA', `${description} has ${what} schema version ${current}, newer than this stableid supports (${latest}); upgrade stableid`, {
          store: description,
          version: current,
          supported: latest,
        });
      }
      for (const migration of migrations) {
        if (migration.version <= current) continue;
        await client.query(migration.sql);
        await client.query(`INSERT INTO ${table} (version, name, applied_at) VALUES ($1, $2, $3)`, [migration.version, migration.name, new Date().toISOString()]);
      }
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      // A connection that cannot even roll back is not handed to anyone else.
      const rolledBack = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      client.release(!rolledBack);
      throw error;
    }
  }

  #statementName(sql: string): string {
    let name = this.#statementNames.get(sql);
    if (!name) {
      name = `${this.#options.statementPrefix}_${this.#statementNames.size + 1}`;
      this.#statementNames.set(sql, name);
    }
    return name;
  }
}
