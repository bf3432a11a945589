import { resolve } from 'node:path';
import { StableIdError } from '../model/errors.js';
import { isPostgresUrl } from '../store/postgres/pg-url.js';
import { PostgresUsageStore } from './postgres-usage-store.js';
import { SqliteUsageStore } from './sqlite-usage-store.js';
import type { UsageStore } from './usage-store.js';

/**
 * The usage store beside a registry, named as the registry is (see
 * `openStore`): a `postgres://…` (or `postgresql://…`, `?schema=` picks the
 * schema) URL, `:memory:`, or a SQLite file path with or without a
 * `sqlite:` prefix.
 */
export function openUsageStore(reference: string): UsageStore {
  if (isPostgresUrl(reference)) return PostgresUsageStore.open(reference);
  const path = reference.startsWith('sqlite:') ? reference.slice('sqlite:'.length) : reference;
  // An in-memory database belongs to one connection, so this is never the registry's: a scratch store of its own.
  if (path === ':memory:') return SqliteUsageStore.open(':memory:');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(path)?.[1];
  if (scheme !== undefined) {
    throw new StableIdError('INVALID_ARGUMENT', `unsupported database URL scheme "${scheme}:" (give postgres://…, a file path or sqlite:<path>)`, {
      field: 'db',
    });
  }
  return SqliteUsageStore.open(resolve(path));
}
