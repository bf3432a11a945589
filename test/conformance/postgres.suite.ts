import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { runCli } from '../../src/cli/program.js';
import { StableIdError } from '../../src/model/errors.js';
import { Registry } from '../../src/registry/registry.js';
import { PostgresStore, READER_ROLE } from '../../src/store/postgres/index.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres/schema.js';
import { POSTGRES_URL, freshSchema, rawClient } from './postgres-env.js';
import { ORDER, TestClock, binding, defineOrder, legacy, rejectsWith, typeId } from '../registry/fixtures.js';


/** A raw connection to a fresh schema, dropped by the returned cleanup. */
async function scratchSchema(): Promise<{ schema: string; raw: pg.Client; drop: () => Promise<void> }> {
  const schema = freshSchema();
  const raw = rawClient(schema);
  await raw.connect();
  return {
    schema,
    raw,
    drop: async () => {
      await raw.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await raw.end();
    },
  };
}

const count = async (raw: pg.Client, sql: string): Promise<number> => Number((await raw.query<{ n: string }>(sql)).rows[0]?.n);

/** What only the PostgreSQL store has: its schema, roles, concurrency across connections, connection failures. */
export function postgresSuite(): void {
  const url = POSTGRES_URL ?? '';

  describe('PostgreSQL store: schema', () => {
    let scratch: Awaited<ReturnType<typeof scratchSchema>>;
    before(async () => {
      scratch = await scratchSchema();
    });
    after(async () => scratch.drop());

    it('creates its tables in its schema on first use, records each migration once, and keeps data across reopening', async () => {
      const first = new Registry(PostgresStore.open(url, { schema: scratch.schema }), { clock: new TestClock().read });
      await defineOrder(first);
      const registered = await first.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
      await first.close();
      const second = new Registry(PostgresStore.open(`${url}${url.includes('?') ? '&' : '?'}schema=${scratch.schema}`));
      assert.equal((await second.resolve(ORDER, { value: legacy(1) })).entity, registered.entity);
      await second.close();
      const rows = (await scratch.raw.query('SELECT version, name FROM schema_migrations ORDER BY version')).rows;
      assert.deepEqual(
        rows,
        POSTGRES_MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
      );
    });

    it('refuses a schema newer than it knows, naming both versions', async () => {
      const newer = await scratchSchema();
      try {
        const store = PostgresStore.open(url, { schema: newer.schema });
        await store.read(async (reader) => reader.listNamespaces());
        await newer.raw.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', 'now')");
        await store.close();
        const again = new Registry(PostgresStore.open(url, { schema: newer.schema }));
        const error = await rejectsWith(again.resolve(ORDER, { value: legacy(1) }), 'STORE_SCHEMA');
        assert.match(error.message, /999/);
        await again.close();
      } finally {
        await newer.drop();
      }
    });

    it('refuses UPDATE, DELETE and TRUNCATE of append-only tables in the database itself', async () => {
      const { raw } = scratch;
      for (const sql of [
        'UPDATE identifiers SET scheme = scheme',
        'DELETE FROM events',
        'DELETE FROM entities',
        'TRUNCATE bindings',
        'UPDATE identifier_values SET value = value',
        'DELETE FROM identifier_values',
      ]) {
        await assert.rejects(raw.query(sql), /stableid: .*(append-only|erasure)/, sql);
      }
      assert.equal(await count(raw, 'SELECT COUNT(*) AS n FROM identifier_values'), 1);
    });

    it(`grants the read-only role ${READER_ROLE} the current-mapping views and nothing else`, async () => {
      const { raw, schema } = scratch;
      const mapping = (await raw.query('SELECT namespace, scheme, value, state FROM current_mappings')).rows;
      assert.deepEqual(mapping, [{ namespace: ORDER, scheme: 'v1', value: legacy(1), state: 'active' }]);
      await raw.query('BEGIN');
      try {
        await raw.query(`SET LOCAL ROLE ${READER_ROLE}`);
        assert.equal(await count(raw, `SELECT COUNT(*) AS n FROM ${schema}.current_mappings`), 1);
        await raw.query('SAVEPOINT s');
        for (const sql of [
          `SELECT * FROM ${schema}.identifier_values`,
          `SELECT * FROM ${schema}.events`,
          `INSERT INTO ${schema}.namespaces (name, owner, stewards, created_seq, created_at) VALUES ('x', 'x', '[]', 0, 'x')`,
        ]) {
          await assert.rejects(raw.query(sql), /permission denied/, sql);
          await raw.query('ROLLBACK TO SAVEPOINT s');
        }
      } finally {
        await raw.query('ROLLBACK');
      }
    });
  });

  describe('PostgreSQL store: concurrency', () => {
    const WRITERS = 16;
    const IDENTIFIERS = 2000;
    const CHUNK = 100;
    let scratch: Awaited<ReturnType<typeof scratchSchema>>;
    before(async () => {
      scratch = await scratchSchema();
    });
    after(async () => scratch.drop());

    it(`${WRITERS} connections registering and aliasing the same ${IDENTIFIERS} identifiers end with one entity each, one chain, verify clean`, async () => {
      const setup = new Registry(PostgresStore.open(url, { schema: scratch.schema }));
      await defineOrder(setup);
      const writers = Array.from({ length: WRITERS }, () => new Registry(PostgresStore.open(url, { schema: scratch.schema, poolSize: 2 })));
      const numbers = Array.from({ length: IDENTIFIERS }, (_, i) => i + 1);
      await Promise.all(
        writers.map(async (registry, w) => {
          // Each writer walks the identifiers in its own order, so that their transactions interleave.
          const order = numbers.map((n, i) => numbers[(i * (2 * w + 1) + w * 97) % IDENTIFIERS] ?? n);
          for (let from = 0; from < IDENTIFIERS; from += CHUNK) {
            const chunk = order.slice(from, from + CHUNK);
            const report = await registry.writeMany(
              chunk.flatMap((n) => [
                { request: { op: 'register' as const, namespace: ORDER, scheme: 'v1', value: legacy(n), binding: binding(`k${n}`) } },
                { request: { op: 'alias' as const, namespace: ORDER, from: { scheme: 'v1', value: legacy(n) }, scheme: 'v2', value: typeId(n) } },
              ]),
              { bulk: w % 2 === 0 },
            );
            assert.equal(report.failed, 0, JSON.stringify(report.failures[0]?.error));
          }
        }),
      );
      await Promise.all(writers.map((registry) => registry.close()));

      const { raw } = scratch;
      assert.equal(await count(raw, 'SELECT COUNT(*) AS n FROM entities'), IDENTIFIERS);
      assert.equal(await count(raw, 'SELECT COUNT(*) AS n FROM identifiers'), 2 * IDENTIFIERS);
      // One chain: seqs 1..N without gap or repeat (schemes took the first five).
      const events = (await raw.query<{ n: string; max: string }>(`SELECT COUNT(*) AS n, MAX(seq) AS max FROM events WHERE namespace = '${ORDER}'`)).rows[0];
      assert.equal(Number(events?.n), 5 + 2 * IDENTIFIERS);
      assert.equal(Number(events?.max), 5 + 2 * IDENTIFIERS);
      for (const n of [1, 777, IDENTIFIERS]) {
        const translated = await setup.translate(ORDER, { scheme: 'v1', value: legacy(n) }, 'v2');
        assert.equal(translated.to.value, typeId(n));
      }
      const report = await setup.verify();
      assert.equal(report.ok, true, JSON.stringify(report.first));
      await setup.close();
    });

    it('does not make writers to different namespaces wait for each other', async () => {
      const a = new Registry(PostgresStore.open(url, { schema: scratch.schema, poolSize: 2 }));
      const b = new Registry(PostgresStore.open(url, { schema: scratch.schema, poolSize: 2 }));
      await a.createNamespace({ name: 'left', owner: 'x' });
      await b.createNamespace({ name: 'right', owner: 'x' });
      await a.addScheme('left', 'n', { kind: 'integer', min: 1 });
      await b.addScheme('right', 'n', { kind: 'integer', min: 1 });
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let leftStarted: () => void = () => undefined;
      const started = new Promise<void>((resolve) => {
        leftStarted = resolve;
      });
      // The first batch holds the lock of "left" until "right" has committed: it would deadlock if the two serialized.
      const left = a.writeMany(
        (async function* () {
          yield { request: { op: 'register' as const, namespace: 'left', scheme: 'n', value: '1' } };
          leftStarted();
          await held;
          yield { request: { op: 'register' as const, namespace: 'left', scheme: 'n', value: '2' } };
        })(),
        { chunkSize: 1 },
      );
      await started;
      const right = await b.register({ namespace: 'right', scheme: 'n', value: '1' });
      assert.equal(right.changed, true);
      release();
      assert.equal((await left).written, 2);
      await a.close();
      await b.close();
    });
  });

  describe('PostgreSQL store: failures', () => {
    it('names the host, never the password, when the database is unreachable', async () => {
      const registry = new Registry(PostgresStore.open('postgres://admin:hunter2-secret@127.0.0.1:1/registry'));
      const error = await rejectsWith(registry.resolve(ORDER, { value: legacy(1) }), 'STORE_UNAVAILABLE');
      assert.match(error.message, /127\.0\.0\.1:1/);
      assert.doesNotMatch(JSON.stringify({ message: error.message, context: error.context }), /hunter2/);
      await registry.close();
    });

    it('refuses a malformed URL or schema name without echoing the URL', () => {
      assert.throws(() => PostgresStore.open('postgres://u:pw-secret@[bad'), (error: unknown) => {
        return error instanceof StableIdError && error.code === 'INVALID_ARGUMENT' && !error.message.includes('pw-secret');
      });
      assert.throws(() => PostgresStore.open(url, { schema: 'Robert"); DROP TABLE x; --' }), (error: unknown) => {
        return error instanceof StableIdError && error.code === 'INVALID_ARGUMENT';
      });
    });

    it('leaves nothing of a batch whose connection is lost midway', async () => {
      const scratch = await scratchSchema();
      try {
        const registry = new Registry(PostgresStore.open(url, { schema: scratch.schema }));
        await defineOrder(registry);
        const before = await count(scratch.raw, 'SELECT COUNT(*) AS n FROM events');
        const items = async function* () {
          for (let n = 1; n <= 3000; n++) {
            if (n === 2500) {
              // Kill every other connection working in this schema: the batch's own.
              await scratch.raw.query(
                `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database() AND query NOT ILIKE '%pg_stat_activity%' AND backend_type = 'client backend' AND state IN ('idle in transaction', 'active', 'idle')
                 AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory')`,
              );
            }
            yield { request: { op: 'register' as const, namespace: ORDER, scheme: 'v1', value: legacy(n) } };
          }
        };
        const error = await rejectsWith(registry.writeMany(items(), { bulk: true, chunkSize: 500 }), 'STORE_UNAVAILABLE');
        assert.match(error.message, /postgres:\/\/.*127\.0\.0\.1|localhost/);
        assert.equal(await count(scratch.raw, 'SELECT COUNT(*) AS n FROM events'), before);
        assert.equal(await count(scratch.raw, 'SELECT COUNT(*) AS n FROM identifier_values'), 0);
        // The store recovers: the next write takes a new connection.
        assert.equal((await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) })).changed, true);
        await registry.close();
      } finally {
        await scratch.drop();
      }
    });

    it('is chosen by --db postgres://… and behaves as the SQLite store does for the CLI', async () => {
      const scratch = await scratchSchema();
      try {
        const db = `${url}${url.includes('?') ? '&' : '?'}schema=${scratch.schema}`;
        const run = async (...argv: string[]): Promise<{ code: number; stdout: string }> => {
          let stdout = '';
          const code = await runCli(['--db', db, ...argv], {
            stdout: { write: (text: string) => (stdout += text), isTTY: false },
            stderr: new PassThrough().resume(),
            env: { STABLEID_ACTOR: 'test' },
          });
          return { code, stdout };
        };
        assert.equal((await run('namespace', 'create', ORDER, '--owner', 'orders-team')).code, 0);
        assert.equal((await run('scheme', 'add', ORDER, 'v1', '--format', 'pattern', '--pattern', 'ORD-\\d{6}', '--max-length', '10')).code, 0);
        assert.equal((await run('register', ORDER, 'v1', legacy(7))).code, 0);
        const resolved = await run('resolve', ORDER, legacy(7), '--json');
        assert.equal(resolved.code, 0);
        assert.equal((JSON.parse(resolved.stdout) as { identifier: { value: string } }).identifier.value, legacy(7));
        assert.equal((await run('resolve', ORDER, legacy(8))).code, 3);
        assert.equal((await run('verify')).code, 0);
      } finally {
        await scratch.drop();
      }
    });
  });
}
