import { StableIdError } from '../../model/errors.js';
import { keyCondition } from './key-range.js';
import { ORDERED, pageLimit, partitionCount, partitionsFrom } from './partitions.js';
import type { PgQuery, PgRow, PostgresPool, TransactionOutcome } from './postgres-pool.js';
import type { ApplyResult, CollectionTraits, Fence, JsonObject, Partition, ScanPage, SourceCollection, SourceDocument, WriteOp } from './source.js';
import { checkFence, leaseLost, planBatch, refusals } from './write-batch.js';

/** A table as resolved in the catalog: its schema and name, each safe to quote. */
export interface ResolvedTable {
  readonly schema: string;
  readonly table: string;
}

/** Quotes a name read from the catalog (a schema on the search_path need not be lowercase). */
export const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * A collection of the PostgreSQL source: a table the user owns, of
 * `(key text COLLATE "C" PRIMARY KEY, doc jsonb NOT NULL)`. The version
 * token is the row's `xmin`, the transaction that last wrote it, so any
 * writer's update moves it on without the table needing a trigger or a
 * column of ours.
 *
 * Concurrent appliers are safe: a batch locks its fence row first, then its
 * target rows in key order, so two batches can wait for each other but not
 * deadlock, and every precondition is checked against rows nobody else can
 * change until the batch commits.
 */
export class PostgresCollection implements SourceCollection {
  readonly name: string;
  readonly traits: CollectionTraits = ORDERED;
  readonly #table: string;
  readonly #fences: string;
  readonly #where: string;
  readonly #pool: PostgresPool;
  readonly #ensureFences: () => Promise<void>;

  /** `ensureFences` creates the schema's fence table if missing; it runs before the first fenced batch. */
  constructor(name: string, table: ResolvedTable, where: string, pool: PostgresPool, ensureFences: () => Promise<void>) {
    this.name = name;
    this.#table = `${quoteIdentifier(table.schema)}.${quoteIdentifier(table.table)}`;
    this.#fences = `${quoteIdentifier(table.schema)}.stableid_fences`;
    this.#where = where;
    this.#pool = pool;
    this.#ensureFences = ensureFences;
  }

  async partitions(count: number): Promise<Partition[]> {
    partitionCount(count);
    const rows = await this.#pool.query(
      `SELECT min(key) AS key FROM (SELECT key, ntile($1) OVER (ORDER BY key) AS tile FROM ${this.#table}) s GROUP BY tile ORDER BY tile`,
      [count],
    );
    return partitionsFrom(rows.slice(1).map((row) => String(row['key'])));
  }

  async scan(partition: Partition, cursor: string | null, limit: number): Promise<ScanPage> {
    pageLimit(limit);
    const where = keyCondition(partition, cursor, (index) => `$${index + 1}`);
    // One row past the page tells whether another page follows, so the last page never comes back empty.
    const rows = await this.#pool.query(
      `SELECT key, xmin::text AS version, doc FROM ${this.#table} WHERE ${where.sql} ORDER BY key LIMIT $${where.values.length + 1}`,
      [...where.values, limit + 1],
    );
    const documents = rows.slice(0, limit).map((row) => this.#document(row));
    return { documents, cursor: rows.length > limit ? (documents.at(-1)?.key ?? null) : null };
  }

  async getMany(keys: readonly string[]): Promise<SourceDocument[]> {
    if (keys.length === 0) return [];
    const rows = await this.#pool.query(`SELECT key, xmin::text AS version, doc FROM ${this.#table} WHERE key = ANY($1::text[]) ORDER BY key`, [keys]);
    return rows.map((row) => this.#document(row));
  }

  async count(partition?: Partition): Promise<number> {
    const where = keyCondition(partition, null, (index) => `$${index + 1}`);
    const rows = await this.#pool.query(`SELECT count(*) AS n FROM ${this.#table} WHERE ${where.sql}`, where.values);
    return Number(rows[0]?.['n']);
  }

  async apply(ops: readonly WriteOp[], fence?: Fence): Promise<ApplyResult> {
    const batch = planBatch(ops);
    if (fence) {
      checkFence(fence);
      await this.#ensureFences();
    }
    return this.#pool.transaction(async (query): Promise<TransactionOutcome<ApplyResult>> => {
      if (fence) await this.#advanceFence(query, fence);
      const locked = await query(`SELECT key, xmin::text AS version FROM ${this.#table} WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE`, [batch.keys]);
      const refused = refusals(ops, new Map(locked.map((row) => [String(row['key']), String(row['version'])])));
      if (refused.size > 0) return { commit: false, result: { ok: false, refused } };

      const versions = new Map<string, string>();
      if (batch.deletes.length > 0) {
        await query(`DELETE FROM ${this.#table} WHERE key = ANY($1::text[])`, [batch.deletes]);
      }
      if (batch.replaces.length > 0) {
        const rows = await query(
          `UPDATE ${this.#table} AS t SET doc = u.doc::jsonb FROM unnest($1::text[], $2::text[]) AS u(key, doc) WHERE t.key = u.key RETURNING t.key, t.xmin::text AS version`,
          [batch.replaces.map((row) => row.key), batch.replaces.map((row) => row.doc)],
        );
        for (const row of rows) versions.set(String(row['key']), String(row['version']));
      }
      if (batch.inserts.length > 0) {
        // Absent keys were not locked: a concurrent insert of the same key is caught here, as a conflict rather than an error.
        const rows = await query(
          `INSERT INTO ${this.#table} (key, doc) SELECT u.key, u.doc::jsonb FROM unnest($1::text[], $2::text[]) AS u(key, doc) ON CONFLICT DO NOTHING RETURNING key, xmin::text AS version`,
          [batch.inserts.map((row) => row.key), batch.inserts.map((row) => row.doc)],
        );
        for (const row of rows) versions.set(String(row['key']), String(row['version']));
        const raced = batch.inserts.filter((row) => !versions.has(row.key));
        if (raced.length > 0) return { commit: false, result: { ok: false, refused: new Map(raced.map((row) => [row.key, 'exists' as const])) } };
      }
      return { commit: true, result: { ok: true, versions } };
    });
  }

  /**
   * Locks the fence row (creating it if missing) and refuses the batch if a
   * newer token has written; otherwise stores this token, which commits only
   * if the batch does.
   */
  async #advanceFence(query: PgQuery, fence: Fence): Promise<void> {
    await query(`INSERT INTO ${this.#fences} (name, token) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [fence.name, fence.token]);
    const stored = Number((await query(`SELECT token FROM ${this.#fences} WHERE name = $1 FOR UPDATE`, [fence.name]))[0]?.['token']);
    if (stored > fence.token) throw leaseLost(fence, stored, this.#where);
    if (stored < fence.token) await query(`UPDATE ${this.#fences} SET token = $2 WHERE name = $1`, [fence.name, fence.token]);
  }

  #document(row: PgRow): SourceDocument {
    const key = String(row['key']);
    const body = row['doc'];
    // jsonb guarantees JSON, not an object: the application may have stored anything.
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new StableIdError('INTERNAL', `document "${key}" of ${this.name} in ${this.#where} is not a JSON object`, { key, collection: this.name, source: this.#where });
    }
    return { key, version: String(row['version']), body: body as JsonObject };
  }
}
