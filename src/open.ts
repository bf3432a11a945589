import { resolve } from 'node:path';
import { StableIdError } from './model/errors.js';
import { Registry, type RegistryOptions } from './registry/registry.js';
import { PostgresStore, isPostgresUrl } from './store/postgres/index.js';
import { SqliteStore } from './store/sqlite/index.js';
import type { Store } from './store/store.js';

/** Where the registry lives when neither `--db` nor STABLEID_DB says otherwise. */
export const defaultDatabase = (): string => resolve('.stableid', 'registry.db');

/**
 * Opens the store a database reference names: `postgres://…` (or
 * `postgresql://…`, with `?schema=` to pick the schema), a file path,
 * `sqlite:<path>`, or `:memory:`. The reference comes from `--db`, then STABLEID_DB, then the
 * default file in ./.stableid/.
 */
export function openStore(reference?: string | null): Store {
  const target = reference ?? process.env['STABLEID_DB'] ?? defaultDatabase();
  if (target === ':memory:') return SqliteStore.open(':memory:');
  if (isPostgresUrl(target)) return PostgresStore.open(target);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(target)?.[1];
  if (scheme !== undefined) {
    throw new StableIdError('INVALID_ARGUMENT', `unsupported database URL scheme "${scheme}:" (give postgres://…, a file path or sqlite:<path>)`, {
      field: 'db',
    });
  }
  return SqliteStore.open(resolve(target.startsWith('sqlite:') ? target.slice('sqlite:'.length) : target));
}

export function openRegistry(reference?: string | null, options?: RegistryOptions): Registry {
  return new Registry(openStore(reference), options);
}
