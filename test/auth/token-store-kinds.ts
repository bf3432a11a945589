import { PostgresTokenStore, SqliteTokenStore, type TokenStore } from '../../src/auth/index.js';
import { openRegistry } from '../../src/open.js';
import type { Registry } from '../../src/registry/registry.js';
import { postgresSkip } from '../conformance/postgres-env.js';
import { type RawPlace, type RawRow, postgresPlace, sqlitePlace } from '../conformance/raw-place.js';

export type { RawRow };

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

/** The token stores and the registry on a raw place. */
function tokenPlace(place: RawPlace): TokenStorePlace {
  const { target } = place;
  return {
    reference: place.reference,
    open: () => place.own(target.kind === 'sqlite' ? SqliteTokenStore.open(target.path) : PostgresTokenStore.open(target.url, { schema: target.schema })),
    openRegistry: () => place.own(openRegistry(place.reference, { actor: 'test' })),
    query: (sql) => place.query(sql),
    everything: () => place.everything(),
    dispose: () => place.dispose(),
  };
}

export const sqlite: TokenStoreKind = { name: 'sqlite', skip: false, place: () => tokenPlace(sqlitePlace('stableid-tokens-')) };

/** PostgreSQL: every place is a schema of its own in the test database, dropped afterwards. */
export async function postgres(): Promise<TokenStoreKind> {
  return { name: 'postgres', skip: await postgresSkip(), place: () => tokenPlace(postgresPlace()) };
}
