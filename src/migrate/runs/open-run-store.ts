import { resolve } from 'node:path';
import { StableIdError } from '../../model/errors.js';
import { isPostgresUrl } from '../../store/postgres/pg-url.js';
import { PostgresRunStore } from './postgres-run-store.js';
import type { RunStore } from './run-store.js';
import { SqliteRunStore } from './sqlite-run-store.js';

/**
 * The run store beside a registry, named as the registry is (see
 * `openStore`): a `postgres://…` (or `postgresql://…`, `?schema=` picks the
 * schema) URL, `:memory:`, or a SQLite file path with or without a
 * `sqlite:` prefix.
 */
export function openRunStore(reference: string): RunStore {
  if (isPostgresUrl(reference)) return PostgresRunStore.open(reference);
  const path = reference.startsWith('sqlite:') ? reference.slice('sqlite:'.length) : reference;
  // A name, not a path. An in-memory database belongs to one connection, so this is never the registry's: a scratch store of its own.
  if (path === ':memory:') return SqliteRunStore.open(':memory:');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(path)?.[1];
  if (scheme !== undefined) {
    throw new StableIdError('INVALID_ARGUMENT', `unsupported database URL scheme "${scheme}:" (give postgres://…, a file path or sqlite:<path>)`, {
      field: 'db',
    });
  }
  return SqliteRunStore.open(resolve(path));
}
