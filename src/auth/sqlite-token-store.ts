import type Database from 'better-sqlite3';
import { isStableIdError } from '../model/errors.js';
import type { Row } from '../store/sqlite/sqlite-guard.js';
import { SqliteSideTables } from '../store/sqlite/side-tables.js';
import type { Principal } from './scopes.js';
import { INSERT_COLUMNS, RECORD_COLUMNS, instant, lastUseIsStale, mintToken, principalOf, revocation, toTokenRecord, tokenNotFound } from './token-rows.js';
import { SQLITE_TOKEN_MIGRATIONS } from './token-schema.js';
import { secretTokenId } from './token-secret.js';
import type { CreatedToken, NewToken, Revocation, TokenRecord, TokenStore } from './token-store.js';


/**
 * The token store in the registry's SQLite file, on a connection of its own
 * (WAL, so that authentication reads beside the registry's writes). Every
 * method runs synchronously to the end, so calls never interleave within
 * one store.
 */
export class SqliteTokenStore implements TokenStore {
  readonly description: string;
  readonly #tables: SqliteSideTables;

  private constructor(tables: SqliteSideTables) {
    this.#tables = tables;
    this.description = tables.description;
  }

  /** Opens (creating if needed) the database at `path` (or ':memory:') and brings the token table up to date. */
  static open(path: string): SqliteTokenStore {
    return new SqliteTokenStore(SqliteSideTables.open(path, { what: 'token store', table: 'auth_schema', migrations: SQLITE_TOKEN_MIGRATIONS }));
  }

  async create(token: NewToken): Promise<CreatedToken> {
    const { created, values } = mintToken(token);
    this.#run(`INSERT INTO api_tokens (${INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`, ...values);
    return created;
  }

  async authenticate(secret: string, now: Date): Promise<Principal | null> {
    const id = secretTokenId(secret);
    if (id === null) return null;
    const row = this.#get('SELECT id, actor, scopes, hash, revoked_at, last_used_at FROM api_tokens WHERE id = ?', id);
    const principal = principalOf(secret, row);
    if (principal && row && lastUseIsStale(row, now)) this.#touch(id, instant('now', now));
    return principal;
  }

  async revoke(id: string, now: Date, revokedBy: string): Promise<Revocation> {
    const { at, by } = revocation(now, revokedBy);
    const { row, changed } = this.#transaction(() => {
      const { changes } = this.#run('UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL', at, by, id);
      return { row: this.#get(`SELECT ${RECORD_COLUMNS} FROM api_tokens WHERE id = ?`, id), changed: changes > 0 };
    });
    if (!row) throw tokenNotFound(id, this.description);
    return { token: toTokenRecord(row), changed };
  }

  async list(): Promise<TokenRecord[]> {
    return this.#all(`SELECT ${RECORD_COLUMNS} FROM api_tokens ORDER BY created_at, id`).map(toTokenRecord);
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const row = this.#get(`SELECT ${RECORD_COLUMNS} FROM api_tokens WHERE id = ?`, id);
    return row && toTokenRecord(row);
  }

  async close(): Promise<void> {
    this.#tables.close();
  }

  /**
   * Records a use without waiting for the write lock: while a bulk import
   * holds it, waiting would stall every authenticated request (the driver
   * waits synchronously), and a use missed now is recorded by a later one.
   */
  #touch(id: string, at: string): void {
    this.#tables.db.pragma('busy_timeout = 0');
    try {
      this.#run('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', at, id);
    } catch (error) {
      if (!isStableIdError(error, 'STORE_UNAVAILABLE') || !String(error.context['sqlite']).startsWith('SQLITE_BUSY')) throw error;
    } finally {
      this.#tables.db.pragma(`busy_timeout = ${this.#tables.busyTimeoutMs}`);
    }
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

  /** Runs `fn` holding the write lock from the start, so that what it reads is what it wrote. */
  #transaction<T>(fn: () => T): T {
    return this.#tables.transaction(fn);
  }
}
