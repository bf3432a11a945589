import { PostgresRunStore, type RunStore, SqliteRunStore } from '../../src/migrate/runs/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { postgresSkip } from '../conformance/postgres-env.js';
import { type RawPlace, type RawRow, postgresPlace, sqlitePlace } from '../conformance/raw-place.js';

export type { RawRow };

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

/** The run stores and the registry's store on a raw place. */
function runPlace(place: RawPlace): RunStorePlace {
  const { target } = place;
  return {
    reference: place.reference,
    open: () => place.own(target.kind === 'sqlite' ? SqliteRunStore.open(target.path) : PostgresRunStore.open(target.url, { schema: target.schema })),
    openRegistry: () =>
      place.own(target.kind === 'sqlite' ? SqliteStore.open(target.path) : PostgresStore.open(target.url, { schema: target.schema, poolSize: 2 })),
    query: (sql) => place.query(sql),
    dispose: () => place.dispose(),
  };
}

export const sqlite: RunStoreKind = { name: 'sqlite', skip: false, place: () => runPlace(sqlitePlace('stableid-runs-')) };

/** PostgreSQL: every place is a schema of its own in the test database, dropped afterwards. */
export async function postgres(): Promise<RunStoreKind> {
  return { name: 'postgres', skip: await postgresSkip(), place: () => runPlace(postgresPlace()) };
}
