import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StableIdError } from '../../model/errors.js';
import { tableName } from './collection-name.js';
import type { Source, SourceCollection } from './source.js';
import { SHARED_DDL, SqliteCollection, collectionDdl } from './sqlite-collection.js';

/** Driver failures that mean the file cannot be used (locked past the busy timeout, unopenable, read-only, broken), not a bug. */
const UNAVAILABLE = /^SQLITE_(?:BUSY|LOCKED|CANTOPEN|READONLY|IOERR|CORRUPT|NOTADB|FULL)/;

/**
 * The embedded source: each collection is a table of JSON documents in one
 * SQLite file, created on first use. Version tokens are integers from a
 * per-collection clock, taken by every write through the port and, through
 * a trigger, by an application updating a row directly.
 */
export class SqliteSource implements Source {
  readonly description: string;
  readonly #db: Database.Database;
  readonly #collections = new Map<string, SqliteCollection>();
  #closed = false;

  private constructor(db: Database.Database, description: string) {
    this.#db = db;
    this.description = description;
  }

  /** Opens (creating if needed) the database at `path`, or ':memory:'. */
  static open(path: string): SqliteSource {
    const description = `sqlite:${path}`;
    let db: Database.Database | undefined;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // The application may be writing the same file; wait for it rather than fail.
      db.pragma('busy_timeout = 5000');
      db.exec(SHARED_DDL);
    } catch (error) {
      db?.close();
      throw new StableIdError('STORE_UNAVAILABLE', `cannot open ${description}: ${(error as Error).message}`, { store: description }, { cause: error });
    }
    return new SqliteSource(db, description);
  }

  async collection(name: string): Promise<SourceCollection> {
    const table = tableName(name);
    const known = this.#collections.get(table);
    if (known) return this.#run(() => known);
    const collection = this.#run((db) => {
      // Table, clock and trigger appear together or not at all.
      db.transaction(() => db.exec(collectionDdl(table))).immediate();
      const columns = new Set((db.pragma(`table_info(${table})`) as { name: string }[]).map((column) => column.name));
      if (!['key', 'version', 'doc'].every((column) => columns.has(column))) {
        throw new StableIdError('INVALID_ARGUMENT', `table ${table} in ${this.description} is not a document collection (needs columns key, version, doc)`, {
          field: 'collection',
          value: table,
        });
      }
      return new SqliteCollection(table, this.description, this.#run);
    });
    this.#collections.set(table, collection);
    return collection;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  readonly #run = <T>(fn: (db: Database.Database) => T): T => {
    if (this.#closed) throw new StableIdError('STORE_UNAVAILABLE', `${this.description} is closed`, { store: this.description });
    try {
      return fn(this.#db);
    } catch (error) {
      if (error instanceof StableIdError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      const code = (error as { code?: unknown }).code;
      const sqlite = typeof code === 'string' ? code : '';
      if (UNAVAILABLE.test(sqlite)) {
        throw new StableIdError('STORE_UNAVAILABLE', `cannot use ${this.description}: ${message}`, { store: this.description, sqlite }, { cause: error });
      }
      throw new StableIdError('INTERNAL', `sqlite: ${message}`, { store: this.description, sqlite }, { cause: error });
    }
  };
}
