import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PostgresTokenStore, SqliteTokenStore, type TokenStore } from '../../src/auth/index.js';
import { openRegistry } from '../../src/open.js';
import type { Registry } from '../../src/registry/registry.js';
import { HOW_TO_ENABLE, POSTGRES_URL, freshSchema, postgresSkip, rawClient } from '../conformance/postgres-env.js';

export type RawRow = Record<string, unknown>;

/** One empty database (a SQLite file, a PostgreSQL schema) that any number of token stores open, as service replicas would. */
export interface TokenStorePlace {
  /** The database as `openTokenStore` and `openRegistry` take it. */
  readonly reference: string;
  /** A new store, on a connection of its own. */
  open(): TokenStore;
  /** The registry on the same database, which the token table lives beside. */
  openRegistry(): Registry;
  /** One statement straight to the database, past the store. */
  query(sql: string): Promise<RawRow[]>;
  /** Every row of every table, for scanning what the database holds. */
  everything(): Promise<RawRow[]>;
  /** Closes every store opened here and removes the database. */
  dispose(): Promise<void>;
}

export interface TokenStoreKind {
  readonly name: string;
  /** Why this kind's tests do not run here, or false when they do. */
  readonly skip: string | false;
  place(): TokenStorePlace;
}

/** Closes what a place opened, whatever the test left open. */
class Owned {
  readonly #closers: (() => Promise<void>)[] = [];

  add<T extends { close(): Promise<void> }>(resource: T): T {
    this.#closers.push(() => resource.close());
    return resource;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#closers.map((close) => close().catch(() => undefined)));
  }
}

export const sqlite: TokenStoreKind = {
  name: 'sqlite',
  skip: false,
  place() {
    const dir = mkdtempSync(join(tmpdir(), 'stableid-tokens-'));
    const path = join(dir, 'registry.db');
    const owned = new Owned();
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
      open: () => owned.add(SqliteTokenStore.open(path)),
      openRegistry: () => owned.add(openRegistry(path, { actor: 'test' })),
      query,
      async everything() {
        const tables = await query("SELECT name FROM sqlite_master WHERE type = 'table'");
        return (await Promise.all(tables.map((t) => query(`SELECT * FROM "${String(t['name'])}"`)))).flat();
      },
      async dispose() {
        await owned.closeAll();
        raw?.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/** PostgreSQL: every place is a schema of its own in the test database, dropped afterwards. */
export async function postgres(): Promise<TokenStoreKind> {
  return {
    name: 'postgres',
    skip: await postgresSkip(),
    place() {
      if (!POSTGRES_URL) throw new Error(`STABLEID_REQUIRE_SERVICES=1 but STABLEID_TEST_POSTGRES_URL is not set: ${HOW_TO_ENABLE}`);
      const url = POSTGRES_URL;
      const schema = freshSchema();
      const owned = new Owned();
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
        open: () => owned.add(PostgresTokenStore.open(url, { schema })),
        openRegistry: () => owned.add(openRegistry(reference.toString(), { actor: 'test' })),
        query,
        async everything() {
          const tables = await query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()');
          return (await Promise.all(tables.map((t) => query(`SELECT * FROM "${String(t['name'])}"`)))).flat();
        },
        async dispose() {
          await owned.closeAll();
          await query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await raw.end();
        },
      };
    },
  };
}
