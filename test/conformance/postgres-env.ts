import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The URL of the PostgreSQL the tests may use, e.g. postgres://postgres@127.0.0.1:5432/test. */
export const POSTGRES_URL = process.env['STABLEID_TEST_POSTGRES_URL'];
/** Set by CI: a service test that cannot reach its service fails instead of skipping. */
export const REQUIRE_SERVICES = process.env['STABLEID_REQUIRE_SERVICES'] === '1';

export const HOW_TO_ENABLE =
  'set STABLEID_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test (a PostgreSQL that lets this user create schemas) to run them';

/** Why PostgreSQL tests cannot run here, or false when they can; with STABLEID_REQUIRE_SERVICES=1 there is no excuse. */
export async function postgresSkip(): Promise<string | false> {
  if (REQUIRE_SERVICES) return false;
  if (!POSTGRES_URL) return `PostgreSQL tests skipped: ${HOW_TO_ENABLE}`;
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return false;
  } catch (error) {
    return `PostgreSQL tests skipped: ${POSTGRES_URL.replace(/:[^:@/]*@/, '@')} is unreachable (${(error as Error).message}); ${HOW_TO_ENABLE}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A raw connection working in `schema`, as an operator with psql would. */
export function rawClient(schema: string): pg.Client {
  if (!POSTGRES_URL) throw new Error(`STABLEID_TEST_POSTGRES_URL is not set: ${HOW_TO_ENABLE}`);
  const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
  client.on('error', () => undefined);
  return client;
}

/** A fresh schema name per store, so that test files and tests never see each other's rows. */
export const freshSchema = (): string => `test_${randomBytes(6).toString('hex')}`;
