import { PostgresStore } from '../../src/store/postgres/index.js';
import { HOW_TO_ENABLE, POSTGRES_URL, freshSchema, postgresSkip, rawClient } from './postgres-env.js';
import { postgresSuite } from './postgres.suite.js';
import type { RawRow, StoreKind } from './stores.js';

/**
 * PostgreSQL: every store gets a schema of its own in the test database,
 * dropped when it closes.
 */
export async function postgresKind(): Promise<StoreKind> {
  const skip = await postgresSkip();
  return {
    name: 'postgres',
    skip,
    ownSuite: postgresSuite,
    open() {
      if (!POSTGRES_URL) throw new Error(`STABLEID_REQUIRE_SERVICES=1 but STABLEID_TEST_POSTGRES_URL is not set: ${HOW_TO_ENABLE}`);
      const schema = freshSchema();
      const store = PostgresStore.open(POSTGRES_URL, { schema, poolSize: 4 });
      const raw = rawClient(schema);
      let connected: Promise<void> | undefined;
      const query = async (sql: string): Promise<RawRow[]> => {
        connected ??= raw.connect().then(() => undefined);
        await connected;
        return (await raw.query<RawRow>(sql)).rows;
      };
      return {
        store,
        raw: {
          query,
          async tamper(sql) {
            // What a superuser can do: replica mode skips the triggers that refuse changes.
            await query('BEGIN');
            try {
              await query('SET LOCAL session_replication_role = replica');
              await query(sql);
              await query('COMMIT');
            } catch (error) {
              await query('ROLLBACK');
              throw error;
            }
          },
        },
        close: async () => {
          await store.close();
          await query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await raw.end();
        },
      };
    },
  };
}
