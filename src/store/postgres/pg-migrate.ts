import { StableIdError } from '../../model/errors.js';
import type { PostgresTarget } from './pg-url.js';
import { POSTGRES_MIGRATIONS } from './schema.js';

type Query = (sql: string, values?: readonly unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

/**
 * Creates the store's schema if needed and applies the migrations it lacks,
 * in one transaction under a lock, so that processes starting together
 * migrate once. A schema newer than this code knows is refused.
 */
export async function migrate(query: Query, target: PostgresTarget): Promise<void> {
  const { schema, description } = target;
  await query('BEGIN');
  try {
    await query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`stableid:migrate:${schema}`]);
    await query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await query(`SET LOCAL search_path TO ${schema}`);
    await query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
    const latest = POSTGRES_MIGRATIONS.at(-1)?.version ?? 0;
    const current = Number((await query('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations')).rows[0]?.['v'] ?? 0);
    if (current > latest) {
      throw new StableIdError(
        'STORE_SCHEMA',
        `${description} has schema version ${current}, newer than this stableid supports (${latest}); upgrade stableid`,
        { store: description, version: current, supported: latest },
      );
    }
    for (const migration of POSTGRES_MIGRATIONS) {
      if (migration.version <= current) continue;
      await query(migration.sql);
      await query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
    }
    await query('COMMIT');
  } catch (error) {
    await query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
