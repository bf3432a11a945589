import type { RedisOptions } from 'ioredis';
import { StableIdError } from '../../../model/errors.js';
import type { RedisFormat } from './redis-format.js';

/** Where a Redis source lives and how it stores documents, as read from its URL. */
export interface RedisTarget {
  /** Connection options for ioredis (the password among them, never shown). */
  readonly connection: RedisOptions;
  readonly format: RedisFormat;
  /** Prepended to every key the source touches. */
  readonly prefix: string;
  /** Hash fields read back as JSON, beside the engine's marker. */
  readonly jsonFields: readonly string[];
  /** The URL without its password. */
  readonly description: string;
}

const bad = (message: string): StableIdError => new StableIdError('INVALID_ARGUMENT', message, { field: 'source' });

/** Whether a reference names a Redis source. */
export const isRedisUrl = (reference: string): boolean => /^rediss?:\/\//i.test(reference);

/**
 * Reads `redis://[user:password@]host[:port][/db][?format=json|hash&prefix=…&json=f1,f2]`
 * (`rediss://` for TLS). A malformed URL is refused without being echoed, as
 * it may hold a password.
 */
export function parseRedisUrl(reference: string): RedisTarget {
  let url: URL;
  try {
    url = new URL(reference);
  } catch {
    throw bad('the Redis URL is malformed (expected redis://[user:password@]host[:port][/db][?format=json|hash&prefix=…])');
  }
  const tls = url.protocol.toLowerCase() === 'rediss:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = url.port === '' ? 6379 : Number(url.port);
  const path = url.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!Number.isSafeInteger(db) || db < 0) throw bad(`the Redis database must be a number, got "${path}"`);
  for (const name of url.searchParams.keys()) {
    if (!['format', 'prefix', 'json'].includes(name)) throw bad(`unknown Redis source option "${name}" (format, prefix, json)`);
  }
  const format = url.searchParams.get('format') ?? 'json';
  if (format !== 'json' && format !== 'hash') throw bad(`format must be json or hash, got "${format}"`);
  const prefix = url.searchParams.get('prefix') ?? '';
  const jsonFields = (url.searchParams.get('json') ?? '').split(',').filter((field) => field !== '');
  const options = [format === 'hash' ? 'format=hash' : '', prefix ? `prefix=${encodeURIComponent(prefix)}` : '', jsonFields.length > 0 ? `json=${jsonFields.join(',')}` : '']
    .filter((option) => option !== '')
    .join('&');
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const description = `${tls ? 'rediss' : 'redis'}://${url.username ? `${decodeURIComponent(url.username)}@` : ''}${where}/${db}${options ? `?${options}` : ''}`;
  return {
    connection: {
      host,
      port,
      db,
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(tls ? { tls: { servername: host } } : {}),
    },
    format,
    prefix,
    jsonFields,
    description,
  };
}
