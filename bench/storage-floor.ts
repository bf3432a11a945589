import { finished } from 'node:stream/promises';
import Database from 'better-sqlite3';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { PostgresStore } from '../src/store/postgres/index.js';
import { copyField } from '../src/store/postgres/pg-append.js';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite/schema.js';

/**
 * The storage floor of an import: the very rows a registry file holds after
 * the import (events, entities, identifiers, values, states, bindings),
 * written again into an empty database of the same schema with nothing else
 * to do — no parsing, no decisions, no hashing. No import can be faster
 * than writing its rows, so this is the ceiling the import runs against on
 * this machine, measured in the same run.
 */
const TABLES = ['events', 'entities', 'identifiers', 'identifier_values', 'identifier_states', 'bindings'] as const;
const ROWS_PER_INSERT = 64;

interface TableDump {
  readonly table: string;
  readonly columns: string[];
  readonly rows: unknown[][];
}

function dump(source: string): TableDump[] {
  const db = new Database(source, { readonly: true });
  try {
    return TABLES.map((table) => {
      const statement = db.prepare(`SELECT * FROM ${table}`).raw();
      return { table, columns: statement.columns().map((c) => c.name), rows: statement.all() as unknown[][] };
    });
  } finally {
    db.close();
  }
}

/** Milliseconds to write the source file's rows into a fresh SQLite file, in one transaction, 64 rows to a statement. */
export function sqliteFloorMs(source: string, target: string): number {
  const tables = dump(source);
  const db = new Database(target);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    for (const migration of SQLITE_MIGRATIONS) db.exec(migration.sql);
    const batches = tables.map(({ table, columns, rows }) => {
      const one = `(${columns.map(() => '?').join(',')})`;
      const full = db.prepare(`INSERT INTO ${table} (${columns.join(',')}) VALUES ${Array<string>(ROWS_PER_INSERT).fill(one).join(',')}`);
      const single = db.prepare(`INSERT INTO ${table} (${columns.join(',')}) VALUES ${one}`);
      return { full, single, rows };
    });
    const start = performance.now();
    db.exec('BEGIN');
    for (const { full, single, rows } of batches) {
      let index = 0;
      for (; index + ROWS_PER_INSERT <= rows.length; index += ROWS_PER_INSERT) full.run(rows.slice(index, index + ROWS_PER_INSERT).flat());
      for (; index < rows.length; index++) single.run(rows[index]);
    }
    db.exec('COMMIT');
    return performance.now() - start;
  } finally {
    db.close();
  }
}

/** Milliseconds to COPY the source file's rows into a fresh PostgreSQL schema, in one transaction. */
export async function postgresFloorMs(source: string, url: string): Promise<number> {
  const copies = dump(source).map(({ table, columns, rows }) => ({
    sql: `COPY ${table} (${columns.join(', ')}) FROM STDIN`,
    text: rows.map((row) => row.map((value) => copyField(value)).join('\t')).join('\n') + (rows.length > 0 ? '\n' : ''),
  }));
  const schema = `bench_floor_${process.pid}_${Date.now()}`;
  // The store creates the schema and its tables, triggers and indexes on first use.
  const store = PostgresStore.open(url, { schema });
  await store.read(async (reader) => reader.listNamespaces());
  await store.close();
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    const start = performance.now();
    await client.query('BEGIN');
    for (const { sql, text } of copies) {
      const stream = client.query(copyFrom(sql));
      stream.end(text);
      await finished(stream);
    }
    await client.query('COMMIT');
    return performance.now() - start;
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
}
