import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MARKER_FIELD } from '../../src/migrate/marker.js';
import { type RunDependencies, runMigration } from '../../src/migrate/runner.js';
import type { Lease, RunStore } from '../../src/migrate/runs/run-store.js';
import { SqliteRunStore } from '../../src/migrate/runs/sqlite-run-store.js';
import { type Fence, type JsonObject, type SourceCollection, SqliteSource } from '../../src/migrate/source/index.js';
import { ORDER, type SqliteTestRegistry, defineOrder, eventCount, legacy, openSqliteTestRegistry, rejectsWith, typeId } from '../registry/fixtures.js';
import { order, rekey } from './fixtures.js';

/**
 * A runner that loses its lease stops writing. The lease is taken over the
 * way it is after a runner stalled past its expiry: a successor acquires it
 * at a later instant (`acquireLease` with a later `now`), which gives it the
 * next token. From then on the source refuses the old token once the
 * successor has written with the new one (the fence), and the old runner,
 * told so by the source or by its failed renewal, stops with LEASE_LOST.
 */
const N = 40;
const numbers = Array.from({ length: N }, (_, i) => i + 1);
const FENCE = `migration:${rekey.id}`;
/** Far longer than any test, so that the old runner's lease never expires by itself. */
const LONG = 60 * 60_000;

describe('a runner that loses its lease', () => {
  let ctx: SqliteTestRegistry;
  let runs: RunStore;
  let source: SqliteSource;
  let collection: SourceCollection;
  /** The instant the runners read: fixed, so that only the successor's acquisition moves past the old lease. */
  const clock = (): Date => new Date('2025-06-01T00:00:00.000Z');
  const later = new Date(clock().getTime() + 2 * LONG);
  let deps: RunDependencies;

  beforeEach(async () => {
    ctx = openSqliteTestRegistry();
    await defineOrder(ctx.registry);
    runs = SqliteRunStore.open(':memory:');
    source = SqliteSource.open(':memory:');
    collection = await source.collection(rekey.collection);
    await collection.apply(numbers.map((n) => ({ kind: 'insert' as const, key: legacy(n), body: order(n) })));
    deps = { registry: ctx.registry, runs, collection, source: source.description, migration: rekey, clock };
  });
  afterEach(async () => {
    await source.close();
    await runs.close();
    await ctx.close();
  });

  const documents = async (): Promise<Map<string, { version: string; body: JsonObject }>> => {
    const [partition] = await collection.partitions(1);
    const page = await collection.scan(partition as never, null, 10_000);
    return new Map(page.documents.map((d) => [d.key, { version: d.version, body: d.body }]));
  };

  /** The successor takes the expired lease: the next token. */
  const takeOver = async (): Promise<Lease> => {
    const lease = await runs.acquireLease(rekey.id, 'successor', LONG, later);
    assert.ok(lease, 'the successor gets the expired lease');
    return lease;
  };

  /** The successor's first write: a document of its own, under its fence. */
  const successorWrites = async (lease: Lease): Promise<void> => {
    const result = await collection.apply([{ kind: 'insert', key: 'successor-note', body: { note: 'written under the new token' } }], fenceOf(lease));
    assert.equal(result.ok, true);
  };

  const fenceOf = (lease: Lease): Fence => ({ name: FENCE, token: lease.token });

  it("has its source writes refused (LEASE_LOST) once the successor has written with the higher token, and not before", async () => {
    const old = await runs.acquireLease(rekey.id, 'old', LONG, clock());
    assert.ok(old);
    const write = (n: number, note: string) => [{ kind: 'replace' as const, key: legacy(n), expected: '', body: { ...order(n), note } }];
    const current = async (n: number) => (await collection.getMany([legacy(n)]))[0];

    // Until the successor writes, the source knows no newer token: the old holder's write still holds.
    const successor = await takeOver();
    assert.ok(successor.token > old.token);
    const first = await current(1);
    assert.equal((await collection.apply([{ ...write(1, 'old, before')[0]!, expected: first!.version }], fenceOf(old))).ok, true);

    await successorWrites(successor);
    const before = await documents();
    const second = await current(2);
    const error = await rejectsWith(collection.apply([{ ...write(2, 'old, after')[0]!, expected: second!.version }], fenceOf(old)), 'LEASE_LOST');
    assert.deepEqual([error.context['token'], error.context['current']], [old.token, successor.token]);
    assert.deepEqual(await documents(), before, 'the refused batch wrote nothing');
    // The successor's own writes go on.
    assert.equal((await collection.apply([{ ...write(2, 'successor')[0]!, expected: second!.version }], fenceOf(successor))).ok, true);
  });

  /**
   * Runs the old runner with every batch writing (one wave of 100%) and has
   * the lease taken over during the run: `before-scan`, as its second batch
   * reads its documents (so that batch's writes come after the takeover), or
   * `between-batches`, while it waits after its first (its rate limit
   * pauses it). Returns the documents and the registry's event count as they
   * were right after the takeover.
   */
  const runAndLoseLease = async (
    when: 'before-scan' | 'between-batches',
    options: { maxRate?: number; leaseMs: number },
    takeover: () => Promise<void>,
  ): Promise<{ documents: Map<string, { version: string; body: JsonObject }>; events: number }> => {
    let at: { documents: Map<string, { version: string; body: JsonObject }>; events: number } | undefined;
    let taking: Promise<void> | undefined;
    const take = (): Promise<void> =>
      (taking ??= (async () => {
        await takeover();
        at = { documents: await documents(), events: await eventCount(ctx.registry, ORDER) };
      })());
    // Armed by the first batch's progress, so that planning's and the digests' scans do not count.
    let armed = false;
    const watched: SourceCollection = new Proxy(collection, {
      get: (target, property) => {
        const value: unknown = Reflect.get(target, property, target);
        if (property !== 'scan' || when !== 'before-scan') return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
        return async (...args: Parameters<SourceCollection['scan']>) => {
          if (armed) await take();
          return target.scan(...args);
        };
      },
    });
    const onProgress = (): void => {
      if (when === 'between-batches') void take();
      else armed = true;
    };
    const outcome = runMigration({ ...deps, collection: watched }, { holder: 'old', batchSize: 5, waves: [100], onProgress, ...options });
    await rejectsWith(outcome, 'LEASE_LOST');
    await taking;
    assert.ok(at, 'the lease was taken over during the run');
    return at;
  };

  it('stops with LEASE_LOST at its next batch once the source refuses its token, writing no further document', async () => {
    // The lease is long, so the old runner's renewals do not notice: the source's fence is what stops it.
    const at = await runAndLoseLease('before-scan', { leaseMs: LONG }, async () => successorWrites(await takeOver()));
    const after = await documents();
    assert.deepEqual(after, at.documents, 'no document written or moved after the successor wrote');
    const migrated = [...after.values()].filter((d) => d.body[MARKER_FIELD] !== undefined).length;
    assert.ok(migrated > 0 && migrated < N, `the old runner migrated some documents before (${migrated})`);
  });

  it(
    'writes nothing to the registry either once the successor has written',
    async () => {
      const at = await runAndLoseLease('before-scan', { leaseMs: LONG }, async () => successorWrites(await takeOver()));
      const stranded = [];
      const now = await documents();
      for (const n of numbers) {
        const binding = (await ctx.registry.resolve(ORDER, { scheme: 'v1', value: legacy(n) })).binding;
        if (binding && !now.has(binding.key)) stranded.push(`${legacy(n)} bound to ${binding.key}`);
      }
      assert.deepEqual(stranded, [], 'every binding names a document that exists');
      assert.equal(await eventCount(ctx.registry, ORDER), at.events, 'no registry event after the successor wrote');
    },
  );

  it('stops with LEASE_LOST before its next batch once its renewal finds the lease taken, writing nothing further anywhere', async () => {
    // A short lease renews every 50 ms, and the rate limit pauses 250 ms between batches: the renewal notices first.
    const at = await runAndLoseLease('between-batches', { leaseMs: 150, maxRate: 20 }, async () => {
      await takeOver();
    });
    assert.deepEqual(await documents(), at.documents, 'no document written after the takeover');
    assert.equal(await eventCount(ctx.registry, ORDER), at.events, 'no registry event after the takeover');
  });

  it('leaves a run the successor resumes and completes, every document migrated once', async () => {
    await runAndLoseLease('before-scan', { leaseMs: LONG }, async () => successorWrites(await takeOver()));
    await collection.apply([{ kind: 'delete', key: 'successor-note', expected: (await documents()).get('successor-note')!.version }]);
    // The successor holds the lease (same holder, not expired at its own clock): the same token, so its writes pass the fence.
    const run = await runMigration({ ...deps, clock: () => later }, { holder: 'successor', leaseMs: LONG, batchSize: 5 });
    assert.equal(run.status, 'completed');
    const after = await documents();
    assert.deepEqual(
      [...after.keys()].sort(),
      numbers.map((n) => typeId(n)).sort(),
    );
    for (const n of numbers) assert.equal((await ctx.registry.resolve(ORDER, { scheme: 'v1', value: legacy(n) })).binding?.key, typeId(n));
    assert.equal((await ctx.registry.verify()).ok, true);
  });
});
