import { copyFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type Migration, defineMigration } from '../src/migrate/migration.js';
import { PostgresSource } from '../src/migrate/source/index.js';
import type { JsonObject } from '../src/migrate/source/source.js';
import { SqliteSource } from '../src/migrate/source/index.js';
import type { Registry } from '../src/registry/registry.js';
import { orderTypeId } from './order-files.js';

/**
 * The data of the migration bench: N legacy orders `ORD-0000001…` in a
 * source collection `orders`, keyed by their number, and the migration that
 * re-keys each by a TypeID it derives from the number and adds in scheme v2.
 * Seven digits, so that a million orders fit.
 */
export const ORDER = 'order';
export const COLLECTION = 'orders';
/** Every legacy key sorts below this and every re-keyed one ('ord_…') above it, in binary order. */
export const LEGACY_END = 'ORD.';
export const MAX_ORDERS = 9_999_999;

export const legacyNumber = (i: number): string => `ORD-${String(i).padStart(7, '0')}`;

export const numberOf = (document: JsonObject): number => Number(String(document['number']).slice(4));

/** The body change every contender makes: the total becomes an amount with a currency. */
export const reshape = (document: JsonObject): JsonObject => ({ ...document, total: { amount: document['total'] ?? 0, currency: 'EUR' } });

/** The migration stableid runs: reshape, a TypeID added in scheme v2 at `publicId`, and that TypeID as the new key. */
export const rekeyOrders: Migration = defineMigration({
  id: 'orders-v2',
  namespace: ORDER,
  collection: COLLECTION,
  identifier: { field: 'number', scheme: 'v1' },
  transform: reshape,
  key: ({ after }) => String(after['publicId']),
  add: [{ scheme: 'v2', field: 'publicId', derive: ({ before }) => orderTypeId(numberOf(before)) }],
});

/** The namespace of a fresh registry: v1 the legacy pattern, v2 the TypeIDs. */
export async function defineOrders(registry: Registry): Promise<void> {
  await registry.createNamespace({ name: ORDER, owner: 'orders-team' });
  await registry.addScheme(ORDER, 'v1', { kind: 'pattern', pattern: 'ORD-\\d{7}', maxLength: 11 });
  await registry.addScheme(ORDER, 'v2', { kind: 'typeid', prefix: 'ord' });
}

/** How every contender's outcome is checked: all N documents there, each re-keyed, reshaped and carrying its new key at `publicId`. */
export interface Outcome {
  readonly documents: number;
  readonly rekeyed: number;
  readonly reshaped: number;
}

export function checkOutcome(what: string, n: number, outcome: Outcome): void {
  if (outcome.documents !== n || outcome.rekeyed !== n || outcome.reshaped !== n) {
    throw new Error(`${what} left ${JSON.stringify(outcome)} of ${n} orders: the bench measures nothing`);
  }
}

// ── SQLite ────────────────────────────────────────────────────────────────

/**
 * Writes a source file holding N orders in the embedded source's own table
 * (created by SqliteSource, so with its clock and version trigger), filled
 * by one INSERT … SELECT. Each contender works on a copy of it.
 */
export async function sqliteOrdersTemplate(path: string, n: number): Promise<void> {
  const source = SqliteSource.open(path);
  try {
    await source.collection(COLLECTION);
  } finally {
    await source.close();
  }
  const db = new Database(path);
  try {
    db.exec(`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n})
      INSERT INTO ${COLLECTION} (key, version, doc)
      SELECT 'ORD-' || printf('%07d', i), i, json_object('number', 'ORD-' || printf('%07d', i), 'total', i * 10, 'customer', json_object('name', 'c' || i)) FROM s`);
    db.prepare('UPDATE stableid_clocks SET clock = ? WHERE collection = ?').run(n, COLLECTION);
  } finally {
    // The last connection to close folds the WAL into the file, so a plain copy of the file is the whole database.
    db.close();
  }
}

export function copySqliteOrders(template: string, path: string): void {
  copyFileSync(template, path);
}

export function sqliteOutcome(path: string): Outcome {
  const db = new Database(path, { readonly: true });
  try {
    const row = db
      .prepare(
        `SELECT count(*) AS documents,
                coalesce(sum(key >= 'ord_' AND key < 'ord\`'), 0) AS rekeyed,
                coalesce(sum(json_extract(doc, '$.total.currency') = 'EUR' AND json_extract(doc, '$.publicId') = key), 0) AS reshaped
           FROM ${COLLECTION}`,
      )
      .get() as Outcome;
    return { documents: Number(row.documents), rekeyed: Number(row.rekeyed), reshaped: Number(row.reshaped) };
  } finally {
    db.close();
  }
}

// ── PostgreSQL ────────────────────────────────────────────────────────────

/** N orders in a schema of their own; `drop` removes the schema. */
export interface PostgresOrders {
  readonly schema: string;
  /** The table, schema-qualified. */
  readonly table: string;
  drop(): Promise<void>;
}

let schemas = 0;

/**
 * A fresh schema with the collection's table as PostgresSource creates it,
 * filled with N orders by one INSERT … SELECT, then VACUUM ANALYZE so that
 * every contender meets a table with statistics, as a production table has.
 */
export async function postgresOrders(url: string, n: number): Promise<PostgresOrders> {
  const schema = `bench_migrate_${process.pid}_${Date.now()}_${(schemas += 1)}`;
  const table = `${schema}.${COLLECTION}`;
  await withClient(url, async (client) => {
    await client.query(`CREATE SCHEMA ${schema}`);
    const source = PostgresSource.open(url, { schema, poolSize: 1 });
    try {
      await source.createCollection(COLLECTION);
    } finally {
      await source.close();
    }
    await client.query(
      `INSERT INTO ${table} (key, doc)
       SELECT 'ORD-' || lpad(i::text, 7, '0'), jsonb_build_object('number', 'ORD-' || lpad(i::text, 7, '0'), 'total', i * 10, 'customer', jsonb_build_object('name', 'c' || i))
         FROM generate_series(1, $1::int) AS i`,
      [n],
    );
    await client.query(`VACUUM ANALYZE ${table}`);
  });
  return { schema, table, drop: () => withClient(url, (client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).then(() => undefined)) };
}

export function postgresOutcome(url: string, orders: PostgresOrders): Promise<Outcome> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<Record<keyof Outcome, string>>(
      `SELECT count(*) AS documents,
              count(*) FILTER (WHERE key LIKE 'ord\\_%') AS rekeyed,
              count(*) FILTER (WHERE doc -> 'total' ->> 'currency' = 'EUR' AND doc ->> 'publicId' = key) AS reshaped
         FROM ${orders.table}`,
    );
    const row = rows[0];
    return { documents: Number(row?.documents), rekeyed: Number(row?.rekeyed), reshaped: Number(row?.reshaped) };
  });
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
