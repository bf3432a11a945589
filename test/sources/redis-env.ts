import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { REQUIRE_SERVICES } from '../conformance/postgres-env.js';

/** The Redis the tests may use: STABLEID_TEST_REDIS_URL, else the one our machines run on 127.0.0.1:6379. */
export const REDIS_URL = process.env['STABLEID_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export const HOW_TO_ENABLE_REDIS = 'start one (`.ci/run` does: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no) or set STABLEID_TEST_REDIS_URL=redis://host:port';

/** Why Redis tests cannot run here, or false when they can; with STABLEID_REQUIRE_SERVICES=1 there is no excuse. */
export async function redisSkip(): Promise<string | false> {
  if (REQUIRE_SERVICES) return false;
  const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // The socket's own error (ECONNREFUSED…) says more than the "Connection is closed" the call fails with.
  let cause: Error | undefined;
  client.on('error', (error: Error) => (cause ??= error));
  try {
    await client.connect();
    await client.ping();
    return false;
  } catch (error) {
    return `Redis tests skipped: ${REDIS_URL.replace(/:[^:@/]*@/, '@')} is unreachable (${(cause ?? (error as Error)).message}); ${HOW_TO_ENABLE_REDIS}`;
  } finally {
    client.disconnect();
  }
}

/** A key prefix of its own per test source, so that test files and tests never see each other's keys. */
export const freshPrefix = (): string => `test_${randomBytes(6).toString('hex')}:`;

/** The test Redis URL with source options added. */
export function redisUrl(options: Readonly<Record<string, string>>): string {
  const url = new URL(REDIS_URL);
  for (const [name, value] of Object.entries(options)) url.searchParams.set(name, value);
  return url.toString();
}

/** A raw client, as the application (or an operator with redis-cli) would use. */
export function rawRedis(): Redis {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  return client;
}

/** Removes every key under a prefix. */
export async function dropPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
    if (keys.length > 0) await client.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
