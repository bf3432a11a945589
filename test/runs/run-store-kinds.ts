import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PostgresRunStore, type RunStore, SqliteRunStore } from '../../src/migrate/runs/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { HOW_TO_ENABLE, POSTGRES_URL, freshSchema, postgresSkip, rawClient } from '../conformance/postgres-env.js';

export type RawRow = Record<string, unknown>;

/**
 * One empty database (a SQLite file, a PostgreSQL schema) that any number of
 * run stores open, as separate processes would.
 */
export interface RunStorePlace {
  /** The database as `openRunStore` takes it. */
  readonly reference: string;
  /** A new store, on a connection of its own; errors of a refused schema may wait for its first call. */
  open(): RunStore;
  /** The registry's store on the same database, which the run tables live beside. */
  openRegistry(): Store;
  /** One statement straight to the database, past the store. */
  query(sql: string): Promise<RawRow[]>;
  /** Closes every store opened here and removes the database. */
  dispose(): Promise<void>;
}

export interface RunStoreKind {
  readonly name: string;
  /** Why this kind's tests do not run here, or false when they do. */
  readonly skip: string | false;
  place(): RunStorePlace;
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

export const sqlite: RunStoreKind = {
  name: 'sqlite',
  skip: false,
  place() {
    const dir = mkdtempSync(join(tmpdir(), 'stableid-runs-'));
    const path = join(dir, 'registry.db');
    const owned = new Owned();
    let raw: Database.Database | undefined;
    return {
      reference: path,
      open: () => owned.add(SqliteRunStore.open(path)),
      openRegistry: () => owned.add(SqliteStore.open(path)),
      async query(sql) {
        raw ??= new Database(path);
        const statement = raw.prepare(sql);
        if (statement.reader) return statement.all() as RawRow[];
        statement.run();
        return [];
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
export async function postgres(): Promise<RunStoreKind> {
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
        open: () => owned.add(PostgresRunStore.open(url, { schema })),
        openRegistry: () => owned.add(PostgresStore.open(url, { schema, poolSize: 2 })),
        query,
        async dispose() {
          await owned.closeAll();
          await query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await raw.end();
        },
      };
    },
  };
}
