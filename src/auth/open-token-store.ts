import { resolve } from 'node:path';
import { StableIdError } from '../model/errors.js';
import { isPostgresUrl } from '../store/postgres/pg-url.js';
import { PostgresTokenStore } from './postgres-token-store.js';
import { SqliteTokenStore } from './sqlite-token-store.js';
import type { TokenStore } from './token-store.js';

/**
 * The token store beside a registry, named as the registry is (see
 * `openStore`): a `postgres://…` (or `postgresql://…`, `?schema=` picks the
 * schema) URL, `:memory:`, or a SQLite file path with or without a
 * `sqlite:` prefix.
 */
export function openTokenStore(reference: string): TokenStore {
  if (isPostgresUrl(reference)) return PostgresTokenStore.open(reference);
  const path = reference.startsWith('sqlite:') ? reference.slice('sqlite:'.length) : reference;
  // An in-memory database belongs to one connection, so this is never the registry's: a scratch store of its own.
  if (path === ':memory:') return SqliteTokenStore.open(':memory:');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(path)?.[1];
  if (scheme !== undefined) {
    throw new StableIdError('INVALID_ARGUMENT', `unsupported database URL scheme "${scheme}:" (give postgres://…, a file path or sqlite:<path>)`, {
      field: 'db',
    });
  }
  return SqliteTokenStore.open(resolve(path));
}
