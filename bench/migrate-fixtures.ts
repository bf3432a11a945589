import { copyFileSync } from 'node:fs';
import { type AttributeValue, BatchWriteItemCommand, DynamoDBClient, ScanCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { Redis } from 'ioredis';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type Migration, defineMigration } from '../src/migrate/migration.js';
import { DynamoSource } from '../src/migrate/source/dynamodb/dynamodb-source.js';
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

// ── Redis ─────────────────────────────────────────────────────────────────

/** The order as the legacy application stores it, as JSON text: the same document on every source. */
const orderJson = (i: number): string => JSON.stringify({ number: legacyNumber(i), total: i * 10, customer: { name: `c${i}` } });

/**
 * N orders as JSON strings `<prefix>orders:ORD-…` in the bench's Redis,
 * written in pipelined batches. `drop` removes every key under the prefix.
 */
export async function redisOrders(url: string, prefix: string, n: number): Promise<{ readonly prefix: string; drop(): Promise<void> }> {
  const redis = new Redis(url, { lazyConnect: true });
  try {
    await redis.connect();
    for (let start = 1; start <= n; start += 10_000) {
      const pipeline = redis.pipeline();
      for (let i = start; i < Math.min(n + 1, start + 10_000); i++) pipeline.set(`${prefix}${COLLECTION}:${legacyNumber(i)}`, orderJson(i));
      await pipeline.exec();
    }
  } finally {
    redis.disconnect();
  }
  return { prefix, drop: () => dropRedisPrefix(url, prefix) };
}

/** Removes every key under a prefix. */
export async function dropRedisPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function redisOutcome(url: string, prefix: string): Promise<Outcome> {
  const redis = new Redis(url, { lazyConnect: true });
  const outcome = { documents: 0, rekeyed: 0, reshaped: 0 };
  const seen = new Set<string>();
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}${COLLECTION}:*`, 'COUNT', 5000);
      const fresh = keys.filter((key) => !seen.has(key));
      for (const key of fresh) seen.add(key);
      const values = fresh.length === 0 ? [] : await redis.mget(...fresh);
      fresh.forEach((key, index) => {
        const id = key.slice(`${prefix}${COLLECTION}:`.length);
        const doc = JSON.parse(values[index] ?? '{}') as { total?: { currency?: string }; publicId?: string };
        outcome.documents += 1;
        if (id.startsWith('ord_')) outcome.rekeyed += 1;
        if (doc.total?.currency === 'EUR' && doc.publicId === id) outcome.reshaped += 1;
      });
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return outcome;
}

// ── DynamoDB ──────────────────────────────────────────────────────────────

/** A source URL with `prefix` put in front of the tables (after any prefix it names). */
export function withPrefix(url: string, prefix: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('prefix', `${parsed.searchParams.get('prefix') ?? ''}${prefix}`);
  return parsed.toString();
}

/** A DynamoDB client for the bench: the source's endpoint and region, credentials from the environment. */
export function dynamoClient(endpoint: string | undefined, region: string | undefined): DynamoDBClient {
  return new DynamoDBClient({ ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}) });
}

/** The order as a DynamoDB item keyed by `key`, as DynamoSource.createCollection makes the table. */
const orderItem = (i: number): Record<string, AttributeValue> => ({
  key: { S: legacyNumber(i) },
  number: { S: legacyNumber(i) },
  total: { N: String(i * 10) },
  customer: { M: { name: { S: `c${i}` } } },
});

/** Writes items with BatchWriteItem, 25 a call and a few calls at a time, asking again for what comes back unprocessed. */
export async function batchWrite(client: DynamoDBClient, table: string, requests: readonly WriteRequest[]): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let start = 0; start < requests.length; start += 25) chunks.push(requests.slice(start, start + 25));
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let chunk = chunks[next++]; chunk; chunk = chunks[next++]) {
      let pending: WriteRequest[] = chunk;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
        const answer = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
        pending = answer.UnprocessedItems?.[table] ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

/** N orders in a fresh table `<prefix>orders` (created as DynamoSource creates one), for the source at `url`; `drop` deletes the table and the source's fence table. */
export async function dynamoOrders(url: string, client: DynamoDBClient, prefix: string, n: number): Promise<{ readonly table: string; drop(): Promise<void> }> {
  const source = DynamoSource.open(withPrefix(url, prefix), { client });
  await source.createCollection(COLLECTION);
  const table = `${prefix}${COLLECTION}`;
  await batchWrite(
    client,
    table,
    Array.from({ length: n }, (_, index) => ({ PutRequest: { Item: orderItem(index + 1) } })),
  );
  return {
    table,
    async drop() {
      await source.dropCollection(COLLECTION);
      await source.dropCollection('stableid_fences');
      await source.close();
    },
  };
}

export async function dynamoOutcome(client: DynamoDBClient, table: string): Promise<Outcome> {
  const outcome = { documents: 0, rekeyed: 0, reshaped: 0 };
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      const key = item['key']?.S ?? '';
      outcome.documents += 1;
      if (key.startsWith('ord_')) outcome.rekeyed += 1;
      if (item['total']?.M?.['currency']?.S === 'EUR' && item['publicId']?.S === key) outcome.reshaped += 1;
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return outcome;
}
