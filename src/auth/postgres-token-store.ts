import { type PostgresTarget, parsePostgresUrl } from '../store/postgres/pg-url.js';
import { PostgresSideTables } from '../store/postgres/side-tables.js';
import type { Principal } from './scopes.js';
import { INSERT_COLUMNS, RECORD_COLUMNS, type Row, instant, lastUseIsStale, mintToken, principalOf, revocation, toTokenRecord, tokenNotFound } from './token-rows.js';
import { POSTGRES_TOKEN_MIGRATIONS } from './token-schema.js';
import { secretTokenId } from './token-secret.js';
import type { CreatedToken, NewToken, Revocation, TokenRecord, TokenStore } from './token-store.js';

export interface PostgresTokenStoreOptions {
  /** The schema holding the token table (the registry's); overrides `?schema=` of the URL. Default `stableid`. */
  readonly schema?: string;
}

const POOL_SIZE = 4;

/**
 * The token store in the registry's PostgreSQL schema, on a small pool of
 * its own. The table is created on first use; every method is one
 * statement (authentication: a read, then at most one update of its own
 * row), so any number of service replicas may share it.
 */
export class PostgresTokenStore implements TokenStore {
  readonly description: string;
  readonly #tables: PostgresSideTables;

  private constructor(target: PostgresTarget) {
    this.description = target.description;
    this.#tables = new PostgresSideTables(target, { what: 'token store', table: 'auth_schema', migrations: POSTGRES_TOKEN_MIGRATIONS }, { poolSize: POOL_SIZE, statementPrefix: 'stableid_tokens' });
  }

  /** A token store for `postgres://…` (or `postgresql://…`); connects and creates its table on first use. */
  static open(url: string, options: PostgresTokenStoreOptions = {}): PostgresTokenStore {
    return new PostgresTokenStore(parsePostgresUrl(url, options.schema));
  }

  /** The schema the table lives in. */
  get schema(): string {
    return this.#tables.target.schema;
  }

  async create(token: NewToken): Promise<CreatedToken> {
    const { created, values } = mintToken(token);
    await this.#query(`INSERT INTO api_tokens (${INSERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`, values);
    return created;
  }

  async authenticate(secret: string, now: Date): Promise<Principal | null> {
    const id = secretTokenId(secret);
    if (id === null) return null;
    const [row] = await this.#query('SELECT id, actor, scopes, hash, revoked_at, last_used_at FROM api_tokens WHERE id = $1', [id]);
    const principal = principalOf(secret, row);
    if (principal && row && lastUseIsStale(row, now)) {
      await this.#query('UPDATE api_tokens SET last_used_at = $1 WHERE id = $2', [instant('now', now), id]);
    }
    return principal;
  }

  async revoke(id: string, now: Date, revokedBy: string): Promise<Revocation> {
    const { at, by } = revocation(now, revokedBy);
    const [updated] = await this.#query(
      `UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL RETURNING ${RECORD_COLUMNS}`,
      [at, by, id],
    );
    if (updated) return { token: toTokenRecord(updated), changed: true };
    // A statement of its own, so that it sees a revocation that raced this one and committed first.
    const [row] = await this.#query(`SELECT ${RECORD_COLUMNS} FROM api_tokens WHERE id = $1`, [id]);
    if (!row) throw tokenNotFound(id, this.description);
    return { token: toTokenRecord(row), changed: false };
  }

  async list(): Promise<TokenRecord[]> {
    return (await this.#query(`SELECT ${RECORD_COLUMNS} FROM api_tokens ORDER BY created_at, id`)).map(toTokenRecord);
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const [row] = await this.#query(`SELECT ${RECORD_COLUMNS} FROM api_tokens WHERE id = $1`, [id]);
    return row && toTokenRecord(row);
  }

  async close(): Promise<void> {
    await this.#tables.close();
  }

  /** One statement, prepared once per connection, after the tables exist. */
  #query(sql: string, values: readonly unknown[] = []): Promise<Row[]> {
    return this.#tables.query(sql, values);
  }
}
