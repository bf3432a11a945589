import pg from 'pg';
import type { PostgresTarget } from './pg-url.js';

/**
 * A connection pool working in the target's schema, and nowhere else. A
 * connection that dies — idle in the pool, or lost mid-transaction — must not
 * bring the process down: the pool replaces it, and the query that needed it
 * reports the loss. The listener is added once per connection, not per checkout.
 */
export function createPool(target: PostgresTarget, max: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max,
    connectionTimeoutMillis: 10_000,
    options: `-c search_path=${target.schema}`,
  });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
