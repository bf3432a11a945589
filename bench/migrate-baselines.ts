import { type AttributeValue, type DynamoDBClient, ScanCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { fromItem, toItem } from '../src/migrate/source/dynamodb/item-codec.js';
import { COLLECTION, LEGACY_END, type PostgresOrders, batchWrite, numberOf, reshape, withClient } from './migrate-fixtures.js';
import { orderTypeId } from './order-files.js';
import type { JsonObject } from '../src/migrate/source/source.js';

/**
 * The figures the migration bench prints beside stableid's, on the same
 * data in the same run:
 *
 * - the hand-written script a team would otherwise write with the store's
 *   own client: read 1000 documents in key order, make the same change
 *   (reshape, a TypeID derived from the number at `publicId`, that TypeID as
 *   the new key), write them back as delete old key + insert new key in one
 *   transaction per batch, until no legacy key is left; on Redis and
 *   DynamoDB, the batched copy-and-delete of their own clients (below);
 * - on the SQL stores, one set-based SQL statement doing the re-key: the
 *   ceiling, with the database doing everything in place. Its new key is `ord_` plus the
 *   digits of the number — deterministic and unique, but not a TypeID:
 *   building one needs base32 of 128 bits, which neither SQL dialect has.
 *
 * Each returns the milliseconds it took.
 */
const BATCH = 1000;

/** The hand-written change of one document: its new key and body. */
function change(body: JsonObject): { key: string; doc: string } {
  const key = orderTypeId(numberOf(body));
  return { key, doc: JSON.stringify({ ...reshape(body), publicId: key }) };
}

export function handWrittenSqlite(path: string): number {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const read = db.prepare<[string, number], { key: string; version: number; doc: string }>(
      `SELECT key, version, doc FROM ${COLLECTION} WHERE key > ? AND key < '${LEGACY_END}' ORDER BY key LIMIT ?`,
    );
    const remove = db.prepare(`DELETE FROM ${COLLECTION} WHERE key = ?`);
    const insert = db.prepare(`INSERT INTO ${COLLECTION} (key, version, doc) VALUES (?, ?, ?)`);
    const write = db.transaction((rows: readonly { old: string; key: string; version: number; doc: string }[]) => {
      for (const row of rows) {
        remove.run(row.old);
        insert.run(row.key, row.version, row.doc);
      }
    });
    const start = performance.now();
    for (let cursor = ''; ; ) {
      const rows = read.all(cursor, BATCH);
      if (rows.length === 0) break;
      write(rows.map((row) => ({ old: row.key, version: row.version, ...change(JSON.parse(row.doc) as JsonObject) })));
      cursor = rows.at(-1)?.key ?? cursor;
    }
    return performance.now() - start;
  } finally {
    db.close();
  }
}

export async function handWrittenPostgres(url: string, orders: PostgresOrders): Promise<number> {
  return withClient(url, async (client) => {
    const start = performance.now();
    for (let cursor = ''; ; ) {
      const { rows } = await client.query<{ key: string; doc: JsonObject }>(
        `SELECT key, doc FROM ${orders.table} WHERE key > $1 AND key < '${LEGACY_END}' ORDER BY key LIMIT ${BATCH}`,
        [cursor],
      );
      if (rows.length === 0) break;
      const changed = rows.map((row) => change(row.doc));
      await client.query('BEGIN');
      try {
        await client.query(`DELETE FROM ${orders.table} WHERE key = ANY($1::text[])`, [rows.map((row) => row.key)]);
        await client.query(`INSERT INTO ${orders.table} (key, doc) SELECT u.key, u.doc::jsonb FROM unnest($1::text[], $2::text[]) AS u(key, doc)`, [
          changed.map((row) => row.key),
          changed.map((row) => row.doc),
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      cursor = rows.at(-1)?.key ?? cursor;
    }
    return performance.now() - start;
  });
}

/** One UPDATE of every row; it sets `version` itself, as the source's own writes do, so the version trigger stays out of it. */
export function setBasedSqlite(path: string): number {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const start = performance.now();
    db.exec(`UPDATE ${COLLECTION} SET key = 'ord_' || substr(key, 5), version = version + 1,
      doc = json_set(doc, '$.total', json_object('amount', json_extract(doc, '$.total'), 'currency', 'EUR'), '$.publicId', 'ord_' || substr(key, 5))`);
    return performance.now() - start;
  } finally {
    db.close();
  }
}

export async function setBasedPostgres(url: string, orders: PostgresOrders): Promise<number> {
  return withClient(url, async (client) => {
    const start = performance.now();
    await client.query(
      `UPDATE ${orders.table} SET key = 'ord_' || substr(key, 5),
         doc = jsonb_set(doc, '{total}', jsonb_build_object('amount', doc -> 'total', 'currency', 'EUR')) || jsonb_build_object('publicId', 'ord_' || substr(key, 5))`,
    );
    return performance.now() - start;
  });
}

/**
 * The hand-written script on Redis, with ioredis: SCAN the legacy keys
 * (`orders:ORD-*`) 1000 at a time, MGET them, make the change, and copy and
 * delete in one MULTI/EXEC per batch — SET the new key (NX: never over
 * another document) and DEL the old one — until SCAN has walked the
 * keyspace. SCAN may return a key twice; a key already moved is gone, and
 * MGET gives nothing for it.
 */
export async function handWrittenRedis(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true });
  try {
    await redis.connect();
    const start = performance.now();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}${COLLECTION}:ORD-*`, 'COUNT', BATCH);
      const values = keys.length === 0 ? [] : await redis.mget(...keys);
      const transaction = redis.multi();
      keys.forEach((key, index) => {
        const value = values[index];
        if (value == null) return;
        const changed = change(JSON.parse(value) as JsonObject);
        transaction.set(`${prefix}${COLLECTION}:${changed.key}`, changed.doc, 'NX').del(key);
      });
      await transaction.exec();
      cursor = next;
    } while (cursor !== '0');
    return performance.now() - start;
  } finally {
    redis.disconnect();
  }
}

/**
 * The hand-written script on DynamoDB, with the AWS SDK: Scan the table
 * 1000 items a page (strongly consistent), make the change of each legacy
 * item, and copy and delete with BatchWriteItem — the put of the new item
 * and the delete of the old, 25 requests a call, a few calls at once,
 * unprocessed items asked again — page after page until the Scan ends.
 * Not a transaction: what a script written against DynamoDB's batch API
 * does.
 */
export async function handWrittenDynamo(client: DynamoDBClient, table: string): Promise<number> {
  const start = performance.now();
  let from: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, Limit: BATCH, ConsistentRead: true, ExclusiveStartKey: from }));
    const requests: WriteRequest[] = [];
    for (const item of page.Items ?? []) {
      const key = item['key']?.S ?? '';
      if (!key.startsWith('ORD-')) continue;
      const { key: _key, ...body } = fromItem(item);
      const changed = change(body);
      requests.push({ PutRequest: { Item: { ...toItem(JSON.parse(changed.doc) as JsonObject), key: { S: changed.key } } } }, { DeleteRequest: { Key: { key: { S: key } } } });
    }
    await batchWrite(client, table, requests);
    from = page.LastEvaluatedKey;
  } while (from);
  return performance.now() - start;
}
