import type Database from 'better-sqlite3';
import { StableIdError } from '../../model/errors.js';
import { keyCondition } from './key-range.js';
import { ORDERED, pageLimit, partitionCount, partitionsFrom } from './partitions.js';
import type { ApplyResult, CollectionTraits, Fence, JsonObject, Partition, ScanPage, SourceCollection, SourceDocument, WriteOp } from './source.js';
import { checkFence, leaseLost, planBatch, refusals } from './write-batch.js';

type Row = Record<string, unknown>;
type Statement = Database.Statement<unknown[], Row>;

/** Runs a call against the source's connection, refusing once the source is closed and naming failures. */
export type SqliteRunner = <T>(fn: (db: Database.Database) => T) => T;

/** Rows per multi-row statement: few enough for any SQLite's parameter limit, many enough to amortise each statement. */
const CHUNK = 64;

/**
 * Tables shared by every collection of the file: the fences, and one version
 * clock per collection. Versions come from the clock rather than counting up
 * per row, so a key deleted and inserted again never gets back a version a
 * reader saw before.
 */
export const SHARED_DDL = `
  CREATE TABLE IF NOT EXISTS stableid_fences (name TEXT PRIMARY KEY, token BIGINT NOT NULL);
  CREATE TABLE IF NOT EXISTS stableid_clocks (collection TEXT PRIMARY KEY, clock INTEGER NOT NULL);`;

/**
 * The table, its clock and its version trigger. The trigger is what lets the
 * engine see writes made behind its back: an application that updates a row
 * without touching `version` still moves it on. Writes through the port set
 * `version` themselves, so the trigger leaves them alone.
 */
export function collectionDdl(table: string): string {
  return `
    CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL);
    INSERT OR IGNORE INTO stableid_clocks (collection, clock) SELECT '${table}', coalesce(max(version), 0) FROM ${table};
    CREATE TRIGGER IF NOT EXISTS ${table}_stableid_version AFTER UPDATE ON ${table}
      FOR EACH ROW WHEN NEW.version = OLD.version
      BEGIN
        UPDATE stableid_clocks SET clock = clock + 1 WHERE collection = '${table}';
        UPDATE ${table} SET version = (SELECT clock FROM stableid_clocks WHERE collection = '${table}') WHERE key = NEW.key;
      END;`;
}

/**
 * A collection of the embedded source: JSON documents in one SQLite table,
 * keyed and ordered by SQLite's binary text order. Every call runs
 * synchronously on the source's one connection, and every batch in one
 * IMMEDIATE transaction, so other processes sharing the file wait for it
 * rather than interleave.
 */
export class SqliteCollection implements SourceCollection {
  readonly name: string;
  readonly traits: CollectionTraits = ORDERED;
  readonly #where: string;
  readonly #run: SqliteRunner;
  readonly #statements = new Map<string, Statement>();

  constructor(table: string, where: string, run: SqliteRunner) {
    this.name = table;
    this.#where = where;
    this.#run = run;
  }

  async partitions(count: number): Promise<Partition[]> {
    partitionCount(count);
    return this.#run((db) => {
      const rows = this.#statement(
        db,
        `SELECT min(key) AS key FROM (SELECT key, ntile(?) OVER (ORDER BY key) AS tile FROM ${this.name}) GROUP BY tile ORDER BY tile`,
      ).all(count);
      return partitionsFrom(rows.slice(1).map((row) => String(row['key'])));
    });
  }

  async scan(partition: Partition, cursor: string | null, limit: number): Promise<ScanPage> {
    pageLimit(limit);
    const where = keyCondition(partition, cursor, () => '?');
    return this.#run((db) => {
      // One row past the page tells whether another page follows, so the last page never comes back empty.
      const rows = this.#statement(db, `SELECT key, version, doc FROM ${this.name} WHERE ${where.sql} ORDER BY key LIMIT ?`).all(...where.values, limit + 1);
      const documents = rows.slice(0, limit).map((row) => this.#document(row));
      return { documents, cursor: rows.length > limit ? (documents.at(-1)?.key ?? null) : null };
    });
  }

  async getMany(keys: readonly string[]): Promise<SourceDocument[]> {
    if (keys.length === 0) return [];
    return this.#run((db) =>
      this.#statement(db, `SELECT key, version, doc FROM ${this.name} WHERE key IN (SELECT value FROM json_each(?)) ORDER BY key`)
        .all(JSON.stringify(keys))
        .map((row) => this.#document(row)),
    );
  }

  async count(partition?: Partition): Promise<number> {
    const where = keyCondition(partition, null, () => '?');
    return this.#run((db) => Number(this.#statement(db, `SELECT count(*) AS n FROM ${this.name} WHERE ${where.sql}`).get(...where.values)?.['n']));
  }

  async apply(ops: readonly WriteOp[], fence?: Fence): Promise<ApplyResult> {
    const batch = planBatch(ops);
    if (fence) checkFence(fence);
    return this.#run((db) =>
      db
        .transaction((): ApplyResult => {
          if (fence) {
            const stored = this.#statement(db, 'SELECT token FROM stableid_fences WHERE name = ?').get(fence.name)?.['token'];
            if (typeof stored === 'number' && stored > fence.token) throw leaseLost(fence, stored, this.#where);
          }
          const current = new Map<string, string>();
          if (batch.keys.length > 0) {
            const rows = this.#statement(db, `SELECT key, version FROM ${this.name} WHERE key IN (SELECT value FROM json_each(?))`).all(JSON.stringify(batch.keys));
            for (const row of rows) current.set(String(row['key']), String(row['version']));
          }
          const refused = refusals(ops, current);
          if (refused.size > 0) return { ok: false, refused };

          const written = [...batch.replaces, ...batch.inserts];
          const first = this.#reserveVersions(db, written.length);
          const versions = new Map(written.map((row, index) => [row.key, first + index]));
          const withVersion = (row: { key: string; doc: string }): unknown[] => [row.key, versions.get(row.key), row.doc];
          this.#chunked(db, batch.deletes, (n) => `DELETE FROM ${this.name} WHERE key IN (${placeholders(n, '?')})`, (key) => [key]);
          this.#chunked(
            db,
            batch.replaces,
            (n) => `WITH v(key, version, doc) AS (VALUES ${placeholders(n, '(?, ?, ?)')}) UPDATE ${this.name} SET doc = v.doc, version = v.version FROM v WHERE ${this.name}.key = v.key`,
            withVersion,
          );
          this.#chunked(db, batch.inserts, (n) => `INSERT INTO ${this.name} (key, version, doc) VALUES ${placeholders(n, '(?, ?, ?)')}`, withVersion);
          if (fence) {
            this.#statement(db, 'INSERT INTO stableid_fences (name, token) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET token = max(token, excluded.token)').run(
              fence.name,
              fence.token,
            );
          }
          return { ok: true, versions: new Map([...versions].map(([key, version]) => [key, String(version)])) };
        })
        .immediate(),
    );
  }

  /** Takes `count` versions off the collection's clock; returns the first. */
  #reserveVersions(db: Database.Database, count: number): number {
    if (count === 0) return 0;
    const row = this.#statement(db, 'UPDATE stableid_clocks SET clock = clock + ? WHERE collection = ? RETURNING clock').get(count, this.name);
    return Number(row?.['clock']) - count + 1;
  }

  /** Runs one statement per CHUNK rows (and one for the rest), each prepared once per size. */
  #chunked<T>(db: Database.Database, rows: readonly T[], sql: (n: number) => string, values: (row: T) => unknown[]): void {
    for (let start = 0; start < rows.length; start += CHUNK) {
      const chunk = rows.slice(start, start + CHUNK);
      this.#statement(db, sql(chunk.length)).run(...chunk.flatMap(values));
    }
  }

  #statement(db: Database.Database, sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = db.prepare<unknown[], Row>(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #document(row: Row): SourceDocument {
    const key = String(row['key']);
    return { key, version: String(row['version']), body: parseBody(row['doc'], key, `${this.name} in ${this.#where}`) };
  }
}

const placeholders = (n: number, one: string): string => Array.from({ length: n }, () => one).join(', ');

/** A stored document body; the application may have written anything into the column, so it is checked. */
function parseBody(doc: unknown, key: string, where: string): JsonObject {
  let body: unknown;
  try {
    body = JSON.parse(String(doc));
  } catch (error) {
    throw new StableIdError('INTERNAL', `document "${key}" of ${where} is not valid JSON`, { key, collection: where }, { cause: error });
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new StableIdError('INTERNAL', `document "${key}" of ${where} is not a JSON object`, { key, collection: where });
  }
  return body as JsonObject;
}
