import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { PostgresSource } from '../../src/migrate/source/index.js';
import { POSTGRES_URL, freshSchema, rawClient } from '../conformance/postgres-env.js';
import { body, rejectsWith } from './fixtures.js';

/** What only the PostgreSQL source has: tables it does not own, schemas, and a server that may not be there. */
export function postgresSourceSuite(): void {
  describe('PostgreSQL source', () => {
    const url = POSTGRES_URL ?? '';
    const schema = freshSchema();
    let raw: pg.Client;
    before(async () => {
      raw = rawClient(schema);
      await raw.connect();
      await raw.query(`CREATE SCHEMA ${schema}`);
    });
    after(async () => {
      await raw.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await raw.end();
    });

    it('requires the table to exist, and never creates one on its own', async () => {
      const source = PostgresSource.open(url, { schema });
      try {
        const error = await rejectsWith(source.collection('missing'), 'SOURCE_NOT_FOUND');
        assert.match(error.message, /missing/);
        await rejectsWith(source.collection(`${schema}.missing`), 'SOURCE_NOT_FOUND');
        await rejectsWith(source.collection('no_such_schema.orders'), 'SOURCE_NOT_FOUND');
        assert.equal((await raw.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'missing'")).rows[0]?.n, 0);
      } finally {
        await source.close();
      }
    });

    it('finds a table by schema.table as well as through the search_path', async () => {
      await raw.query(`CREATE TABLE ${schema}.people (key text COLLATE "C" PRIMARY KEY, doc jsonb NOT NULL)`);
      await raw.query(`INSERT INTO ${schema}.people VALUES ('p1', '{"name": "Ada"}')`);
      // No schema given: the server's search_path, where the test schema is not.
      const source = PostgresSource.open(url);
      try {
        assert.doesNotMatch(source.description, /schema=/);
        await rejectsWith(source.collection('people'), 'SOURCE_NOT_FOUND');
        const people = await source.collection(`${schema}.people`);
        assert.deepEqual((await people.getMany(['p1']))[0]?.body, { name: 'Ada' });
        assert.equal((await people.apply([{ kind: 'insert', key: 'p2', body: body('p2') }], { name: 'lease', token: 1 })).ok, true);
        assert.equal((await raw.query(`SELECT token::int AS token FROM ${schema}.stableid_fences WHERE name = 'lease'`)).rows[0]?.token, 1);
      } finally {
        await source.close();
      }
    });

    it('refuses a table that is not shaped like a collection', async () => {
      await raw.query(`CREATE TABLE ${schema}.wrong (key integer PRIMARY KEY, doc text)`);
      const source = PostgresSource.open(url, { schema });
      try {
        await rejectsWith(source.collection('wrong'), 'INVALID_ARGUMENT');
      } finally {
        await source.close();
      }
    });

    it('refuses a document U+0000 would have to be stored in, as the input at fault', async () => {
      const source = PostgresSource.open(url, { schema });
      try {
        const docs = await source.createCollection('nul');
        await rejectsWith(docs.apply([{ kind: 'insert', key: 'a', body: { text: 'a\u0000b' } }]), 'INVALID_ARGUMENT');
        assert.equal(await docs.count(), 0);
      } finally {
        await source.close();
      }
    });

    it('names the host, never the password, when the server is unreachable', async () => {
      const source = PostgresSource.open('postgres://admin:hunter2-secret@127.0.0.1:1/app');
      try {
        const error = await rejectsWith(source.collection('orders'), 'STORE_UNAVAILABLE');
        assert.match(error.message, /127\.0\.0\.1:1/);
        assert.doesNotMatch(JSON.stringify({ message: error.message, context: error.context }), /hunter2/);
        assert.doesNotMatch(source.description, /hunter2/);
      } finally {
        await source.close();
      }
    });

    it('refuses a malformed URL or schema without echoing the URL', () => {
      for (const [reference, schemaName] of [
        ['postgres://u:pw-secret@[bad', undefined],
        [url, 'Robert"); DROP TABLE x; --'],
      ] as const) {
        assert.throws(
          () => PostgresSource.open(reference, schemaName === undefined ? {} : { schema: schemaName }),
          (error: unknown) => (error as { code?: string }).code === 'INVALID_ARGUMENT' && !String((error as Error).message).includes('pw-secret'),
        );
      }
    });
  });
}
