import Database from 'better-sqlite3';
import { COLLECTION, LEGACY_END, type PostgresOrders, numberOf, reshape, withClient } from './migrate-fixtures.js';
import { orderTypeId } from './order-files.js';
import type { JsonObject } from '../src/migrate/source/source.js';

/**
 * The two figures the migration bench prints beside stableid's, on the same
 * data in the same run:
 *
 * - the hand-written script a team would otherwise write with the store's
 *   own client: read 1000 documents in key order, make the same change
 *   (reshape, a TypeID derived from the number at `publicId`, that TypeID as
 *   the new key), write them back as delete old key + insert new key in one
 *   transaction per batch, until no legacy key is left;
 * - one set-based SQL statement doing the re-key: the ceiling, with the
 *   database doing everything in place. Its new key is `ord_` plus the
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
