import type { JsonObject } from '../../src/migrate/source/index.js';
import { RedisSource } from '../../src/migrate/source/redis/redis-source.js';
import { MARKER_FIELD } from '../../src/migrate/marker.js';
import { dropPrefix, freshPrefix, rawRedis, redisSkip, redisUrl } from './redis-env.js';
import { redisSourceSuite } from './redis-source.suite.js';
import type { SourceKind } from './source-kinds.js';

/** Names the Redis source refuses: empty, glob characters other than a last `*`, and its own keys. */
const INVALID_NAMES = ['', 'or*ders', 'orders?', 'ord[1]', 'a\\b', '**', 'stableid', 'stableid:x*'];

/** What a Redis hash gives back: every value as a string (its JSON text unless it was one), the marker as JSON. */
export const hashStored = (body: JsonObject): JsonObject =>
  Object.fromEntries(Object.entries(body).map(([field, value]) => [field, typeof value === 'string' || field === MARKER_FIELD ? value : JSON.stringify(value)]));

/** A body as an application writes it into a hash: strings as they are, anything else as its JSON text. */
export const hashFields = (body: JsonObject): Record<string, string> =>
  Object.fromEntries(Object.entries(body).map(([field, value]) => [field, typeof value === 'string' ? value : JSON.stringify(value)]));

/**
 * Redis: every test source works under a key prefix of its own in the test
 * server's database, removed when it closes; the application writes with a
 * raw client. `format` picks JSON strings or hashes.
 */
export async function redisKind(format: 'json' | 'hash'): Promise<SourceKind> {
  return {
    name: format === 'json' ? 'redis' : 'redis (hashes)',
    skip: await redisSkip(),
    ...(format === 'json' ? { ownSuite: redisSourceSuite } : { stored: hashStored }),
    invalidCollectionNames: INVALID_NAMES,
    versionsFromContent: true,
    async open() {
      const prefix = freshPrefix();
      const raw = rawRedis();
      const source = RedisSource.open(redisUrl({ prefix, ...(format === 'hash' ? { format } : {}) }));
      return {
        source,
        collection: (name) => source.collection(name),
        async writeBehind(collection, key, body) {
          const full = `${prefix}${collection}:${key}`;
          if (format === 'json') await raw.set(full, JSON.stringify(body));
          else await raw.multi().del(full).hset(full, hashFields(body)).exec();
        },
        async close() {
          await source.close();
          await dropPrefix(raw, prefix);
          raw.disconnect();
        },
      };
    },
  };
}
