import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HOW_TO_ENABLE, POSTGRES_URL, freshSchema, rawClient } from './postgres-env.js';

export type RawRow = Record<string, unknown>;

/** Where a place's database is, for opening stores on it. */
export type PlaceTarget = { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };

/**
 * One empty database (a SQLite file, a PostgreSQL schema) that tests open
 * any number of stores on, as separate processes would, with raw access past
 * them; disposing closes whatever was opened and removes the database.
 */
export interface RawPlace {
  /** The database as the open*Store functions take it. */
  readonly reference: string;
  readonly target: PlaceTarget;
  /** Keeps a store to close on dispose, whatever the test left open. */
  own<T extends { close(): Promise<void> }>(resource: T): T;
  /** One statement straight to the database. */
  query(sql: string): Promise<RawRow[]>;
  /** Every row of every table, for scanning what the database holds. */
  everything(): Promise<RawRow[]>;
  dispose(): Promise<void>;
}

function owner(): { own: RawPlace['own']; closeAll: () => Promise<void> } {
  const closers: (() => Promise<void>)[] = [];
  return {
    own(resource) {
      closers.push(() => resource.close());
      return resource;
    },
    closeAll: async () => {
      await Promise.all(closers.map((close) => close().catch(() => undefined)));
    },
  };
}

/** A SQLite file in a temporary directory of its own. */
export function sqlitePlace(prefix: string): RawPlace {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const path = join(dir, 'registry.db');
  const { own, closeAll } = owner();
  let raw: Database.Database | undefined;
  const query = async (sql: string): Promise<RawRow[]> => {
    raw ??= new Database(path);
    const statement = raw.prepare(sql);
    if (statement.reader) return statement.all() as RawRow[];
    statement.run();
    return [];
  };
  return {
    reference: path,
    target: { kind: 'sqlite', path },
    own,
    query,
    async everything() {
      const tables = await query("SELECT name FROM sqlite_master WHERE type = 'table'");
      return (await Promise.all(tables.map((t) => query(`SELECT * FROM "${String(t['name'])}"`)))).flat();
    },
    async dispose() {
      await closeAll();
      raw?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh schema in the test database, dropped on dispose. */
export function postgresPlace(): RawPlace {
  if (!POSTGRES_URL) throw new Error(`STABLEID_REQUIRE_SERVICES=1 but STABLEID_TEST_POSTGRES_URL is not set: ${HOW_TO_ENABLE}`);
  const url = POSTGRES_URL;
  const schema = freshSchema();
  const { own, closeAll } = owner();
  const raw = rawClient(schema);
  let connected: Promise<void> | undefined;
  const query = async (sql: string): Promise<RawRow[]> => {
    connected ??= raw.connect().then(() => undefined);
    await connected;
    return (await raw.query<RawRow>(sql)).rows;
  };
  const reference = new URL(url);
  reference.searchParams.set('schema', schema);
  return {
    reference: reference.toString(),
    target: { kind: 'postgres', url, schema },
    own,
    query,
    async everything() {
      const tables = await query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()');
      return (await Promise.all(tables.map((t) => query(`SELECT * FROM "${String(t['name'])}"`)))).flat();
    },
    async dispose() {
      await closeAll();
      await query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await raw.end();
    },
  };
}
