import pg from 'pg';
import { StableIdError } from '../../model/errors.js';
import { isRetryable, toStableIdError } from '../../store/postgres/pg-errors.js';

export type PgRow = Record<string, unknown>;
export type PgQuery = (sql: string, values?: readonly unknown[]) => Promise<PgRow[]>;

/** What a transaction body decides: commit, or roll back and still answer. */
export interface TransactionOutcome<T> {
  readonly commit: boolean;
  readonly result: T;
}

/** How often a transaction that lost a deadlock is run again before STORE_BUSY. */
const RETRIES = 5;

/**
 * The source's connections: a pg pool that reports failures as
 * StableIdErrors naming the database (never the password), runs
 * transactions again after a deadlock, and prepares each statement text
 * once per connection.
 */
export class PostgresPool {
  readonly #pool: pg.Pool;
  readonly #where: string;
  readonly #statementNames = new Map<string, string>();
  #closed = false;

  constructor(config: pg.PoolConfig, where: string) {
    this.#where = where;
    this.#pool = new pg.Pool(config);
    // A pooled connection that dies while idle is replaced on next use; it must not bring the process down.
    this.#pool.on('error', () => undefined);
    // A connection lost mid-transaction is reported by the query that needed it; the event must not go unhandled.
    this.#pool.on('connect', (client) => client.on('error', () => undefined));
  }

  /** One statement on any connection, outside a transaction. */
  async query(sql: string, values?: readonly unknown[]): Promise<PgRow[]> {
    const client = await this.#connect();
    try {
      const rows = await this.#query(client, sql, values);
      client.release();
      return rows;
    } catch (error) {
      client.release(this.#broken(error));
      throw this.#error(error);
    }
  }

  /** Runs `fn` in a READ COMMITTED transaction, again from the start after a deadlock. */
  async transaction<T>(fn: (query: PgQuery) => Promise<TransactionOutcome<T>>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#transactionOnce(fn);
      } catch (error) {
        if (attempt >= RETRIES || !isRetryable(error)) throw this.#error(error);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      }
    }
  }

  async end(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  async #transactionOnce<T>(fn: (query: PgQuery) => Promise<TransactionOutcome<T>>): Promise<T> {
    const client = await this.#connect();
    try {
      await client.query('BEGIN');
      const outcome = await fn((sql, values) => this.#query(client, sql, values));
      await client.query(outcome.commit ? 'COMMIT' : 'ROLLBACK');
      client.release();
      return outcome.result;
    } catch (error) {
      if (this.#broken(error)) {
        client.release(true);
      } else {
        // A connection that cannot even roll back is not handed to anyone else.
        const rolledBack = await client.query('ROLLBACK').then(
          () => true,
          () => false,
        );
        client.release(!rolledBack);
      }
      throw error;
    }
  }

  async #connect(): Promise<pg.PoolClient> {
    if (this.#closed) throw new StableIdError('STORE_UNAVAILABLE', `${this.#where} is closed`, { store: this.#where });
    try {
      return await this.#pool.connect();
    } catch (error) {
      throw this.#error(error);
    }
  }

  async #query(client: pg.PoolClient, sql: string, values?: readonly unknown[]): Promise<PgRow[]> {
    const named = values ? { values: [...values], name: this.#statementName(sql) } : {};
    return (await client.query<PgRow>({ text: sql, ...named })).rows;
  }

  #statementName(sql: string): string {
    let name = this.#statementNames.get(sql);
    if (!name) {
      name = `stableid_source_${this.#statementNames.size + 1}`;
      this.#statementNames.set(sql, name);
    }
    return name;
  }

  #broken(error: unknown): boolean {
    return this.#error(error).code === 'STORE_UNAVAILABLE';
  }

  #error(error: unknown): StableIdError {
    const code = (error as { code?: unknown } | null)?.code;
    // jsonb and text cannot hold U+0000: the input is at fault, not the database.
    if (code === '22P05' || code === '22021') {
      const message = (error as Error).message;
      return new StableIdError('INVALID_ARGUMENT', `${this.#where} cannot store this value: ${message}`, { store: this.#where, sqlstate: code }, { cause: error });
    }
    return toStableIdError(error, this.#where);
  }
}
