import { PostgresSource } from '../../src/migrate/source/index.js';
import { HOW_TO_ENABLE, POSTGRES_URL, freshSchema, postgresSkip, rawClient } from '../conformance/postgres-env.js';
import { postgresSourceSuite } from './postgres-source.suite.js';
import { SQL_INVALID_NAMES, type SourceKind } from './source-kinds.js';

/**
 * PostgreSQL: every test source works in a schema of its own in the test
 * database, dropped when it closes; the application writes through a raw
 * connection.
 */
export async function postgresKind(): Promise<SourceKind> {
  return {
    name: 'postgres',
    skip: await postgresSkip(),
    ownSuite: postgresSourceSuite,
    invalidCollectionNames: SQL_INVALID_NAMES,
    async open() {
      if (!POSTGRES_URL) throw new Error(`STABLEID_REQUIRE_SERVICES=1 but STABLEID_TEST_POSTGRES_URL is not set: ${HOW_TO_ENABLE}`);
      const schema = freshSchema();
      const raw = rawClient(schema);
      await raw.connect();
      await raw.query(`CREATE SCHEMA ${schema}`);
      const source = PostgresSource.open(POSTGRES_URL, { schema, poolSize: 4 });
      return {
        source,
        collection: (name) => source.createCollection(name),
        async writeBehind(collection, key, body) {
          await raw.query(`UPDATE ${collection} SET doc = $1::jsonb WHERE key = $2`, [JSON.stringify(body), key]);
        },
        async close() {
          await source.close();
          await raw.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await raw.end();
        },
      };
    },
  };
}
