import { StableIdError } from '../../../model/errors.js';
import { MARKER_FIELD } from '../../marker.js';
import type { Source, SourceCollection } from '../source.js';
import { RedisClient } from './redis-client.js';
import { RedisCollection, globEscape } from './redis-collection.js';
import { RedisCodec } from './redis-format.js';
import { parseRedisUrl } from './redis-url.js';

/** Keys of the source's own live under this (after the source's prefix): a collection may not start with it. */
const META = 'stableid:';
/** A collection name: a key prefix, optionally written as the pattern `<prefix>*`; no other glob character. */
const NAME = /^[^*?[\]\\]*\*?$/;

/**
 * The Redis source: a collection is the keys of one prefix — collection
 * `order` (or `order:*`) is the keys `order:…`, `order-*` the keys `order-…`
 * — each a document, stored as a JSON string (`format=json`, the default)
 * or as a hash (`format=hash`). The source never creates anything but its
 * fence keys (`stableid:fence:<lease>`, after the URL's `prefix`). It needs
 * one Redis server (not a cluster: a batch's keys must all be on one node),
 * version 6 or later.
 */
export class RedisSource implements Source {
  readonly description: string;
  readonly #client: RedisClient;
  readonly #codec: RedisCodec;
  readonly #prefix: string;

  private constructor(client: RedisClient, codec: RedisCodec, prefix: string, description: string) {
    this.#client = client;
    this.#codec = codec;
    this.#prefix = prefix;
    this.description = description;
  }

  /** A source for `redis://[user:password@]host[:port][/db][?format=json|hash&prefix=…&json=f1,f2]` (`rediss://` for TLS); connects on first use. */
  static open(url: string): RedisSource {
    const target = parseRedisUrl(url);
    return new RedisSource(
      new RedisClient(target.connection, target.description),
      new RedisCodec(target.format, [MARKER_FIELD, ...target.jsonFields]),
      target.prefix,
      target.description,
    );
  }

  /** The collection of the keys `name` names; any prefix is one, with or without documents yet. */
  async collection(name: string): Promise<SourceCollection> {
    const keyPrefix = collectionPrefix(name);
    // Reaches the server once, so that an unreachable one is reported here rather than mid-run.
    await this.#client.call('PING');
    return new RedisCollection(name, this.#prefix + keyPrefix, this.#prefix + META, this.#client, this.#codec, this.description);
  }

  /**
   * Removes every key under the source's prefix — its collections' and its
   * own — and says how many there were. For tests, the demo and benchmarks;
   * refused without a prefix, as that would be the whole database.
   */
  async removeAll(): Promise<number> {
    if (this.#prefix === '') throw new StableIdError('INVALID_ARGUMENT', `${this.description} has no prefix: removing everything under it would empty the database`, { field: 'prefix' });
    let removed = 0;
    let cursor = '0';
    do {
      const [next, keys] = (await this.#client.call('SCAN', cursor, 'MATCH', `${globEscape(this.#prefix)}*`, 'COUNT', 1000)) as [string, string[]];
      if (keys.length > 0) removed += Number(await this.#client.call('UNLINK', ...keys));
      cursor = next;
    } while (cursor !== '0');
    return removed;
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

/** The key prefix of a collection: `order` → `order:`, `order:*` → `order:`, `order-*` → `order-`. */
export function collectionPrefix(name: string): string {
  if (typeof name !== 'string' || name === '' || !NAME.test(name)) {
    throw new StableIdError('INVALID_ARGUMENT', `collection "${String(name)}" must be a key prefix such as "order" (the keys order:…) or a pattern "order:*", with no other glob character`, {
      field: 'collection',
      value: String(name),
    });
  }
  const prefix = name.endsWith('*') ? name.slice(0, -1) : `${name}:`;
  if (prefix.startsWith(META)) {
    throw new StableIdError('INVALID_ARGUMENT', `collection "${name}": keys starting with "${META}" are the source's own`, { field: 'collection', value: name });
  }
  return prefix;
}
