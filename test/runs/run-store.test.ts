import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ErrorCode } from '../../src/model/errors.js';
import type { JsonObject } from '../../src/migrate/source/source.js';
import {
  type BeforeImage,
  type Lease,
  PostgresRunStore,
  type RunRecord,
  type RunStore,
  SqliteRunStore,
  openRunStore,
} from '../../src/migrate/runs/index.js';
import { type RunStoreKind, type RunStorePlace, postgres, sqlite } from './run-store-kinds.js';

/** Every kind of run store; a new backend is one more entry. */
const KINDS: RunStoreKind[] = [sqlite, await postgres()];

const code = (expected: ErrorCode) => (error: unknown) => (error as { code?: unknown }).code === expected;

const run = (id: string, overrides: Partial<RunRecord> = {}): RunRecord => ({
  id,
  migration: 'orders-v2',
  namespace: 'order',
  collection: 'orders',
  source: 'sqlite:/data/app.db',
  status: 'pending',
  waves: [1, 10, 50, 100],
  wave: 0,
  actor: 'alice',
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  details: { options: { batch: 500 } },
  ...overrides,
});

const image = (run: string, key: string, before: JsonObject = { key }, newKey = `new-${key}`): BeforeImage => ({
  run,
  key,
  newKey,
  before,
  afterVersion: null,
  binding: { store: 'docs', collection: 'orders', key },
});

/** What a JSON column must give back exactly: nesting, key order, unicode, the edges of doubles. */
const AWKWARD_JSON: JsonObject = {
  zeta: 1,
  alpha: { nested: [1, [2, [3, { deep: null }]]], empty: {}, none: [] },
  numbers: [0, -0.5, 1e21, 1e-7, 2 ** 53 - 1, -(2 ** 53 - 1), 1.7976931348623157e308, 5e-324, 0.1 + 0.2],
  text: ['', 'naïve', '日本語', '😀 emoji', 'quote " and \\ backslash', 'new\nline', 'nul \u0000 char', 'lone \ud800 surrogate', 'NULL'],
  flags: [true, false, null],
  'ключ with spaces': 'значение',
};

/** The order both stores must give keys: by their UTF-8 bytes, as SQLite and COLLATE "C" compare. */
const bytewise = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

const at = (iso: string): Date => new Date(iso);
const T0 = at('2025-06-01T12:00:00.000Z');
const plus = (date: Date, ms: number): Date => new Date(date.getTime() + ms);

async function allImages(store: RunStore, runId: string, pageLimit: number): Promise<BeforeImage[]> {
  const all: BeforeImage[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page = await store.beforeImages(runId, cursor, pageLimit);
    all.push(...page);
    if (page.length < pageLimit) return all;
    cursor = page[page.length - 1]!.key;
  }
}

interface Racer {
  readonly ready: Promise<void>;
  go(): void;
  readonly result: Promise<{ lease?: Lease | null; error?: string }>;
}

/** A runner in a process of its own (test/runs/lease-racer.ts), held back until `go`. */
function startRacer(reference: string, holder: string, now: Date): Racer {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./lease-racer.ts', import.meta.url)), reference, holder, now.toISOString()], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const line = await lines.next();
    if (line.done) throw new Error(`racer ${holder} ended early`);
    return line.value;
  };
  const ready = next().then((line) => assert.equal(line, 'ready'));
  const result = ready.then(next).then((line) => JSON.parse(line) as { lease?: Lease | null; error?: string });
  // An unused rejection is reported by whoever awaits `ready`.
  result.catch(() => undefined);
  return { ready, go: () => child.stdin.end('go\n'), result };
}

for (const kind of KINDS) {
  describe(`${kind.name} run store`, { skip: kind.skip }, () => {
    let place: RunStorePlace;
    let store: RunStore;
    beforeEach(() => {
      place = kind.place();
      store = place.open();
    });
    afterEach(async () => place.dispose());

    describe('runs', () => {
      it('reads a created run back exactly, JSON included', async () => {
        const record = run('r1', { details: AWKWARD_JSON, waves: [0.5, 5, 100] });
        await store.createRun(record);
        const read = await store.getRun('r1');
        assert.deepEqual(read, record);
        assert.equal(JSON.stringify(read?.details), JSON.stringify(AWKWARD_JSON), 'key order and number spelling survive');
        assert.equal(await store.getRun('r2'), undefined);
      });

      it('refuses a second run with the same id', async () => {
        await store.createRun(run('r1'));
        await assert.rejects(store.createRun(run('r1', { actor: 'bob' })), code('INTERNAL'));
        assert.equal((await store.getRun('r1'))?.actor, 'alice');
      });

      it('lists runs newest first, by creation time then id, of one migration or all', async () => {
        await store.createRun(run('b', { createdAt: '2025-01-02T00:00:00.000Z' }));
        await store.createRun(run('a', { createdAt: '2025-01-02T00:00:00.000Z' }));
        await store.createRun(run('c', { createdAt: '2025-01-01T00:00:00.000Z' }));
        await store.createRun(run('z', { createdAt: '2025-01-03T00:00:00.000Z', migration: 'other' }));
        assert.deepEqual((await store.listRuns('orders-v2')).map((r) => r.id), ['b', 'a', 'c']);
        assert.deepEqual((await store.listRuns()).map((r) => r.id), ['z', 'b', 'a', 'c']);
        assert.deepEqual(await store.listRuns('none'), []);
      });

      it('updates status, wave, details and updatedAt, and nothing else', async () => {
        const record = run('r1');
        await store.createRun(record);
        const details: JsonObject = { ...AWKWARD_JSON, gate: { passed: false, missing: 3 } };
        await store.updateRun('r1', { status: 'gated', wave: 2, details, updatedAt: '2025-01-01T01:00:00.000Z' });
        assert.deepEqual(await store.getRun('r1'), { ...record, status: 'gated', wave: 2, details, updatedAt: '2025-01-01T01:00:00.000Z' });
        assert.equal(JSON.stringify((await store.getRun('r1'))?.details), JSON.stringify(details));
      });

      it('refuses to update a run that does not exist', async () => {
        await assert.rejects(
          store.updateRun('ghost', { status: 'running', wave: 0, details: {}, updatedAt: T0.toISOString() }),
          code('RUN_NOT_FOUND'),
        );
      });
    });

    describe('checkpoints', () => {
      it('upserts by run, wave and partition, and lists a wave in partition order', async () => {
        await store.saveCheckpoint({ run: 'r1', wave: 0, partition: 'p1of3', cursor: 'k5', done: false, counts: { seen: 5 } });
        await store.saveCheckpoint({ run: 'r1', wave: 0, partition: 'p0of3', cursor: null, done: false, counts: {} });
        await store.saveCheckpoint({ run: 'r1', wave: 1, partition: 'p0of3', cursor: 'x', done: true, counts: { seen: 1 } });
        await store.saveCheckpoint({ run: 'r2', wave: 0, partition: 'p0of3', cursor: 'y', done: true, counts: {} });
        await store.saveCheckpoint({ run: 'r1', wave: 0, partition: 'p1of3', cursor: null, done: true, counts: { seen: 9, written: 7, skipped: 1, conflicts: 1 } });

        assert.deepEqual(await store.checkpoints('r1', 0), [
          { run: 'r1', wave: 0, partition: 'p0of3', cursor: null, done: false, counts: {} },
          { run: 'r1', wave: 0, partition: 'p1of3', cursor: null, done: true, counts: { seen: 9, written: 7, skipped: 1, conflicts: 1 } },
        ]);
        assert.deepEqual(await store.checkpoints('r1', 1), [{ run: 'r1', wave: 1, partition: 'p0of3', cursor: 'x', done: true, counts: { seen: 1 } }]);
        assert.deepEqual(await store.checkpoints('r1', 2), []);
      });
    });

    describe('before-images', () => {
      it('keeps the first image of a key, across batches and within one', async () => {
        await store.saveBeforeImages([image('r1', 'k1', { v: 1 }), image('r1', 'k2', { v: 1 }), image('r1', 'k2', { v: 2 })]);
        await store.saveBeforeImages([image('r1', 'k1', { v: 3 }, 'other'), image('r1', 'k3', { v: 1 })]);
        await store.saveBeforeImages([image('r2', 'k1', { v: 4 })]);
        await store.saveBeforeImages([]);
        assert.deepEqual(await store.beforeImages('r1', null, 10), [
          image('r1', 'k1', { v: 1 }),
          image('r1', 'k2', { v: 1 }),
          image('r1', 'k3', { v: 1 }),
        ]);
        assert.deepEqual(await store.beforeImages('r2', null, 10), [image('r2', 'k1', { v: 4 })]);
      });

      it('gives keys in bytewise order after the cursor, non-ASCII included', async () => {
        const keys = ['b', 'B', 'a', 'é', 'e', 'z', 'ä', '日本', '😀', '\uffff', 'ab', 'a b', '~', 'Z', '10', '9', 'ñ', 'ｚ'];
        await store.saveBeforeImages(keys.map((key) => image('r1', key)));
        const sorted = [...keys].sort(bytewise);
        assert.deepEqual((await store.beforeImages('r1', null, 100)).map((i) => i.key), sorted);
        assert.deepEqual((await allImages(store, 'r1', 4)).map((i) => i.key), sorted);
        assert.deepEqual((await store.beforeImages('r1', 'é', 3)).map((i) => i.key), sorted.slice(sorted.indexOf('é') + 1).slice(0, 3));
        assert.deepEqual(await store.beforeImages('r1', '😀', 10), sorted.slice(sorted.indexOf('😀') + 1).map((key) => image('r1', key)));
        await assert.rejects(store.beforeImages('r1', null, 0), code('INVALID_ARGUMENT'));
      });

      it('round-trips the before document exactly', async () => {
        await store.saveBeforeImages([image('r1', 'k', AWKWARD_JSON)]);
        const [read] = await store.beforeImages('r1', null, 1);
        assert.equal(JSON.stringify(read?.before), JSON.stringify(AWKWARD_JSON));
      });

      it('records after-versions by key, for its run only', async () => {
        await store.saveBeforeImages([image('r1', 'k1'), image('r1', 'k2'), image('r2', 'k1')]);
        await store.recordAfterVersions('r1', new Map([['k1', 'v-1'], ['k9', 'v-9']]));
        await store.recordAfterVersions('r1', new Map());
        assert.deepEqual(
          (await store.beforeImages('r1', null, 10)).map((i) => [i.key, i.afterVersion]),
          [['k1', 'v-1'], ['k2', null]],
        );
        assert.equal((await store.beforeImages('r2', null, 10))[0]?.afterVersion, null);
        // A resumed batch saving the image again leaves the recorded version alone.
        await store.saveBeforeImages([image('r1', 'k1', { again: true })]);
        assert.deepEqual((await store.beforeImages('r1', null, 1))[0], { ...image('r1', 'k1'), afterVersion: 'v-1' });
      });

      it('takes batches of thousands', async () => {
        const keys = Array.from({ length: 5000 }, (_, n) => `key-${String(n).padStart(5, '0')}-ü`);
        const started = Date.now();
        await store.saveBeforeImages(keys.map((key) => image('r1', key, { key, payload: 'x'.repeat(200) })));
        await store.saveBeforeImages(keys.slice(0, 2500).map((key) => image('r1', key, { replaced: true })));
        await store.recordAfterVersions('r1', new Map(keys.map((key) => [key, `v:${key}`])));
        const elapsed = Date.now() - started;
        const all = await allImages(store, 'r1', 1000);
        assert.equal(all.length, 5000);
        assert.deepEqual(all.map((i) => i.key), keys);
        assert.ok(all.every((i) => i.before['key'] === i.key && i.afterVersion === `v:${i.key}`));
        assert.ok(elapsed < 5000, `5,000 images took ${elapsed} ms`);
      });
    });

    describe('leases', () => {
      const TTL = 30_000;

      it('gives a free lease token 1, refuses another holder, and extends the holder’s own with the same token', async () => {
        const first = await store.acquireLease('m', 'alice', TTL, T0);
        assert.deepEqual(first, { migration: 'm', holder: 'alice', token: 1, expiresAt: plus(T0, TTL).toISOString() });
        assert.equal(await store.acquireLease('m', 'bob', TTL, plus(T0, TTL - 1)), undefined);
        const again = await store.acquireLease('m', 'alice', TTL, plus(T0, 1000));
        assert.deepEqual(again, { migration: 'm', holder: 'alice', token: 1, expiresAt: plus(T0, 1000 + TTL).toISOString() });
        // Leases are per migration.
        assert.equal((await store.acquireLease('other', 'bob', TTL, T0))?.token, 1);
      });

      it('hands an expired lease to the next holder with the next token, and fences the old one', async () => {
        const alice = (await store.acquireLease('m', 'alice', TTL, T0))!;
        // Expired at exactly expiresAt.
        const bob = await store.acquireLease('m', 'bob', TTL, at(alice.expiresAt));
        assert.deepEqual(bob, { migration: 'm', holder: 'bob', token: 2, expiresAt: plus(at(alice.expiresAt), TTL).toISOString() });
        assert.equal(await store.renewLease(alice, TTL, at(alice.expiresAt)), undefined);
        await store.releaseLease(alice);
        assert.equal(await store.acquireLease('m', 'carol', TTL, plus(at(alice.expiresAt), 1)), undefined, 'a stale release changes nothing');
        // The same holder coming back after expiry is a new tenure: a new token.
        const bobAgain = await store.acquireLease('m', 'bob', TTL, at(bob!.expiresAt));
        assert.equal(bobAgain?.token, 3);
      });

      it('renews the holder’s lease, even past expiry while nobody took it', async () => {
        const lease = (await store.acquireLease('m', 'alice', TTL, T0))!;
        const renewed = await store.renewLease(lease, TTL, plus(T0, 10_000));
        assert.deepEqual(renewed, { ...lease, expiresAt: plus(T0, 10_000 + TTL).toISOString() });
        const late = await store.renewLease(lease, TTL, plus(T0, 100_000));
        assert.deepEqual(late, { ...lease, expiresAt: plus(T0, 100_000 + TTL).toISOString() });
        assert.equal(await store.acquireLease('m', 'bob', TTL, plus(T0, 100_001)), undefined);
        assert.equal(await store.renewLease({ ...lease, holder: 'bob' }, TTL, T0), undefined);
        assert.equal(await store.renewLease({ ...lease, token: 2 }, TTL, T0), undefined);
        assert.equal(await store.renewLease({ ...lease, migration: 'none' }, TTL, T0), undefined);
      });

      it('frees a released lease at once, for a new token', async () => {
        const lease = (await store.acquireLease('m', 'alice', TTL, T0))!;
        await store.releaseLease(lease);
        const bob = await store.acquireLease('m', 'bob', TTL, T0);
        assert.equal(bob?.token, 2);
        await store.releaseLease(bob!);
        assert.equal((await store.acquireLease('m', 'bob', TTL, T0))?.token, 3);
      });

      it('refuses a ttl or clock that makes no expiry', async () => {
        await assert.rejects(store.acquireLease('m', 'alice', 0, T0), code('INVALID_ARGUMENT'));
        await assert.rejects(store.acquireLease('m', 'alice', Number.NaN, T0), code('INVALID_ARGUMENT'));
        await assert.rejects(store.acquireLease('m', 'alice', TTL, new Date(Number.NaN)), code('INVALID_ARGUMENT'));
      });

      it('lets exactly one of ten racing runners take a free lease', async () => {
        await store.listRuns();
        const stores = Array.from({ length: 10 }, () => place.open());
        const leases = await Promise.all(stores.map((s, n) => s.acquireLease('m', `runner-${n}`, TTL, T0)));
        const won = leases.filter((lease): lease is Lease => lease !== undefined);
        assert.equal(won.length, 1, `${won.length} runners took the lease`);
        assert.equal(won[0]?.token, 1);
        assert.equal((await store.acquireLease('m', 'late', TTL, T0)), undefined);
      });

      it('lets exactly one of ten racing runners take an expired lease, from stores opening together', async () => {
        await store.acquireLease('m', 'old', TTL, T0);
        const later = plus(T0, TTL);
        const stores = Array.from({ length: 10 }, () => place.open());
        const leases = await Promise.all(stores.map((s, n) => s.acquireLease('m', `runner-${n}`, TTL, later)));
        const won = leases.filter((lease): lease is Lease => lease !== undefined);
        assert.equal(won.length, 1, `${won.length} runners took the lease`);
        assert.equal(won[0]?.token, 2);
      });

      it('lets exactly one of ten runners in processes of their own take a lease at the same instant', async () => {
        await store.listRuns();
        const runners = Array.from({ length: 10 }, (_, n) => startRacer(place.reference, `process-${n}`, T0));
        try {
          await Promise.all(runners.map((runner) => runner.ready));
        } finally {
          // Also on failure: a runner left waiting for its signal would never end.
          for (const runner of runners) runner.go();
        }
        const results = await Promise.all(runners.map((runner) => runner.result));
        assert.deepEqual(results.filter((r) => r.error !== undefined), []);
        const won = results.flatMap((r) => (r.lease ? [r.lease] : []));
        assert.equal(won.length, 1, `${won.length} runners took the lease`);
        assert.deepEqual(await store.acquireLease('raced', won[0]!.holder, TTL, T0), won[0]);
      });
    });

    describe('the store', () => {
      it('keeps everything across reopening', async () => {
        await store.createRun(run('r1'));
        await store.saveCheckpoint({ run: 'r1', wave: 0, partition: 'p0of1', cursor: 'k', done: false, counts: { seen: 1 } });
        await store.saveBeforeImages([image('r1', 'k')]);
        const lease = await store.acquireLease('m', 'alice', 1000, T0);
        await store.close();
        const reopened = place.open();
        assert.equal((await reopened.getRun('r1'))?.id, 'r1');
        assert.equal((await reopened.checkpoints('r1', 0)).length, 1);
        assert.equal((await reopened.beforeImages('r1', null, 10)).length, 1);
        assert.deepEqual(await reopened.renewLease(lease!, 1000, T0), lease);
      });

      it('lives beside the registry, in tables of its own', async () => {
        const registry = place.openRegistry();
        await registry.read(async () => undefined);
        await store.createRun(run('r1'));
        const tables = await place.query(
          kind.name === 'sqlite'
            ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'migration%' ORDER BY name"
            : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'migration%' ORDER BY table_name",
        );
        assert.deepEqual(
          tables.map((t) => t['name']),
          ['migration_before_images', 'migration_checkpoints', 'migration_leases', 'migration_runs', 'migration_schema'],
        );
        assert.deepEqual(
          (await place.query('SELECT version, name FROM migration_schema')).map((r) => [Number(r['version']), r['name']]),
          [[1, 'runs, checkpoints, before-images, leases']],
        );
        assert.ok((await place.query('SELECT version FROM schema_migrations')).length > 0, 'the registry keeps its own schema record');
      });

      it('refuses a schema newer than it knows', async () => {
        await store.listRuns();
        await store.close();
        await place.query("INSERT INTO migration_schema (version, name, applied_at) VALUES (999, 'from the future', '2030-01-01T00:00:00.000Z')");
        await assert.rejects(async () => {
          const newer = place.open();
          await newer.listRuns();
        }, code('STORE_SCHEMA'));
      });

      it('refuses calls once closed', async () => {
        await store.close();
        await store.close();
        await assert.rejects(store.getRun('r1'), code('STORE_UNAVAILABLE'));
      });
    });
  });
}

describe('openRunStore', () => {
  it('opens the store a database reference names', async () => {
    const memory = openRunStore(':memory:');
    assert.ok(memory instanceof SqliteRunStore);
    assert.equal(memory.description, 'sqlite::memory:');
    await memory.close();
    const prefixed = openRunStore('sqlite::memory:');
    assert.ok(prefixed instanceof SqliteRunStore);
    await prefixed.close();
    // Opening a PostgreSQL store does not connect: this one is never used.
    for (const url of ['postgres://app:secret@db.invalid:5433/registry?schema=runs', 'postgresql://app@db.invalid/registry']) {
      const remote = openRunStore(url);
      assert.ok(remote instanceof PostgresRunStore);
      assert.ok(!remote.description.includes('secret'));
      await remote.close();
    }
    const named = openRunStore('postgres://app@db.invalid/registry?schema=runs') as PostgresRunStore;
    assert.equal(named.schema, 'runs');
    await named.close();
    assert.throws(() => openRunStore('mysql://app@db/registry'), code('INVALID_ARGUMENT'));
  });

  it('reports an unreachable PostgreSQL by host, never by password', async () => {
    const store = PostgresRunStore.open('postgres://app:hunter2@127.0.0.1:1/registry');
    await assert.rejects(store.listRuns(), (error: unknown) => {
      const { code: errorCode, message } = error as { code: string; message: string };
      return errorCode === 'STORE_UNAVAILABLE' && message.includes('127.0.0.1:1') && !message.includes('hunter2');
    });
    await store.close();
  });
});
