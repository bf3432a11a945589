import { resolve } from 'node:path';
import { StableIdError } from '../../model/errors.js';
import { isPostgresUrl } from '../../store/postgres/pg-url.js';
import { DeferredSource } from './deferred-source.js';
import { isDynamoUrl, parseDynamoUrl } from './dynamodb/dynamodb-url.js';
import { PostgresSource } from './postgres-source.js';
import { isRedisUrl, parseRedisUrl } from './redis/redis-url.js';
import type { Source } from './source.js';
import { SqliteSource } from './sqlite-source.js';

export type * from './source.js';
export type { DynamoSourceOptions } from './dynamodb/dynamodb-source.js';
export type { RetryNotice, RetryPolicy } from './dynamodb/dynamodb-retry.js';
export { PostgresSource, type PostgresSourceOptions } from './postgres-source.js';
export { SqliteSource } from './sqlite-source.js';

/**
 * Opens the source a reference names: `postgres://…` (or `postgresql://…`,
 * with `?schema=` to pick the search_path), `redis://…` (or `rediss://…`),
 * `dynamodb://…`, `sqlite:<path>`, a file path, or `:memory:`. The Redis
 * and DynamoDB sources (and their client libraries) load on first use; the
 * URL is checked at once.
 */
export function openSource(reference: string): Source {
  if (isPostgresUrl(reference)) return PostgresSource.open(reference);
  if (isRedisUrl(reference)) {
    return new DeferredSource(parseRedisUrl(reference).description, async () => (await import('./redis/redis-source.js')).RedisSource.open(reference));
  }
  if (isDynamoUrl(reference)) {
    return new DeferredSource(parseDynamoUrl(reference).description, async () => (await import('./dynamodb/dynamodb-source.js')).DynamoSource.open(reference));
  }
  if (reference === ':memory:' || reference === 'sqlite::memory:') return SqliteSource.open(':memory:');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(reference)?.[1];
  if (scheme !== undefined) {
    throw new StableIdError('INVALID_ARGUMENT', `unsupported source URL scheme "${scheme}:" (give postgres://…, redis://…, dynamodb://…, a file path or sqlite:<path>)`, {
      field: 'source',
    });
  }
  if (reference.trim() === '' || reference === 'sqlite:') {
    throw new StableIdError('INVALID_ARGUMENT', 'the source reference is empty (give postgres://…, redis://…, dynamodb://…, a file path or sqlite:<path>)', { field: 'source' });
  }
  return SqliteSource.open(resolve(reference.startsWith('sqlite:') ? reference.slice('sqlite:'.length) : reference));
}
