import { StableIdError } from '../../model/errors.js';
import { parsePostgresUrl } from '../../store/postgres/pg-url.js';
import { tableReference } from './collection-name.js';
import { PostgresCollection, type ResolvedTable, quoteIdentifier } from './postgres-collection.js';
import { PostgresPool } from './postgres-pool.js';
import type { Source, SourceCollection } from './source.js';

export interface PostgresSourceOptions {
  /** The schema unqualified collection names are looked up in (the connection's search_path); overrides `?schema=` of the URL. Default: the server's search_path. */
  readonly schema?: string;
  /** Connections in the pool. Default 10. */
  readonly poolSize?: number;
}

// Any race between two creators of the fence table ends with the table there: the loser's error says so.
const ALREADY_CREATED = new Set(['42P07', '23505']);

/**
 * The PostgreSQL source: collections are JSONB tables the user owns, which
 * the source never creates on its own (only {@link createCollection} does,
 * when asked). Fences live in a `stableid_fences` table beside each
 * collection, created on the first fenced batch, so that a batch and its
 * fence commit in one transaction.
 */
export class PostgresSource implements Source {
  readonly description: string;
  readonly #pool: PostgresPool;
  readonly #fenceTables = new Map<string, Promise<void>>();

  private constructor(pool: PostgresPool, description: string) {
    this.#pool = pool;
    this.description = description;
  }

  /** A source for `postgres://…` (or `postgresql://…`, with `?schema=` to pick the search_path); connects on first use. */
  static open(url: string, options: PostgresSourceOptions = {}): PostgresSource {
    const target = parsePostgresUrl(url, options.schema);
    // parsePostgresUrl vouches for the URL; only a schema the caller named becomes the search_path.
    const named = options.schema ?? new URL(url).searchParams.get('schema');
    const description = named === null ? target.description.replace(/\?schema=[^&]*$/, '') : target.description;
    const pool = new PostgresPool(
      {
        connectionString: target.connectionString,
        max: options.poolSize ?? 10,
        connectionTimeoutMillis: 10_000,
        ...(named === null ? {} : { options: `-c search_path=${target.schema}` }),
      },
      description,
    );
    return new PostgresSource(pool, description);
  }

  /** The collection stored in table `name` (or `schema.name`); SOURCE_NOT_FOUND when there is no such table. */
  async collection(name: string): Promise<SourceCollection> {
    const reference = tableReference(name);
    const rows = await this.#pool.query(
      `SELECT n.nspname AS schema, c.relname AS table, c.relkind AS kind,
              (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'key' AND NOT a.attisdropped) AS key_type,
              (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'doc' AND NOT a.attisdropped) AS doc_type
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = to_regclass($1)`,
      [name],
    );
    const found = rows[0];
    if (!found || (found['kind'] !== 'r' && found['kind'] !== 'p')) {
      throw new StableIdError('SOURCE_NOT_FOUND', `${this.description} has no table "${name}"`, { collection: name, source: this.description });
    }
    if (found['key_type'] !== 'text' || found['doc_type'] !== 'jsonb') {
      throw new StableIdError(
        'INVALID_ARGUMENT',
        `table "${name}" in ${this.description} is not a document collection (needs key text, doc jsonb; has key ${String(found['key_type'])}, doc ${String(found['doc_type'])})`,
        { field: 'collection', value: name, source: this.description },
      );
    }
    const table: ResolvedTable = { schema: String(found['schema']), table: reference.table };
    return new PostgresCollection(name, table, this.description, this.#pool, () => this.#ensureFences(table.schema));
  }

  /**
   * Creates the table of a collection if it is missing, in the shape the
   * source expects, and returns the collection. For tests, the demo and
   * benchmarks: in production the table is the application's.
   */
  async createCollection(name: string): Promise<SourceCollection> {
    const reference = tableReference(name);
    const table = reference.schema === null ? reference.table : `${reference.schema}.${reference.table}`;
    await this.#pool.query(`CREATE TABLE IF NOT EXISTS ${table} (key text COLLATE "C" PRIMARY KEY, doc jsonb NOT NULL)`);
    return this.collection(name);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  #ensureFences(schema: string): Promise<void> {
    const known = this.#fenceTables.get(schema);
    if (known) return known;
    const ready = this.#pool
      .query(`CREATE TABLE IF NOT EXISTS ${quoteIdentifier(schema)}.stableid_fences (name text PRIMARY KEY, token bigint NOT NULL)`)
      .then(
        () => undefined,
        (error: unknown) => {
          if (ALREADY_CREATED.has(String((error as StableIdError).context['sqlstate']))) return;
          // A failure (server down) is tried again by the next batch rather than remembered for good.
          this.#fenceTables.delete(schema);
          throw error;
        },
      );
    this.#fenceTables.set(schema, ready);
    return ready;
  }
}
