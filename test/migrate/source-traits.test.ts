import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { planMigration } from '../../src/migrate/plan.js';
import { rollbackRun } from '../../src/migrate/rollback.js';
import { type RunDependencies, type WaveRecord, runMigration } from '../../src/migrate/runner.js';
import type { RunStore } from '../../src/migrate/runs/run-store.js';
import { SqliteRunStore } from '../../src/migrate/runs/sqlite-run-store.js';
import type { CollectionTraits } from '../../src/migrate/source/source.js';
import { writeGroups } from '../../src/migrate/write-groups.js';
import { type TestRegistry, defineOrder, legacy, openTestRegistry, typeId } from '../registry/fixtures.js';
import { order, rekey } from './fixtures.js';
import { MemoryCollection } from './memory-collection.js';

const N = 45;
const numbers = Array.from({ length: N }, (_, i) => i + 1);

/** The engine over collections that behave as NoSQL stores do: scans that repeat keys, transactions of bounded size. */
describe('migrate run on collections with the traits of NoSQL stores', () => {
  let ctx: TestRegistry;
  let runs: RunStore;
  beforeEach(async () => {
    ctx = openTestRegistry();
    await defineOrder(ctx.registry);
    runs = SqliteRunStore.open(':memory:');
  });
  afterEach(async () => {
    await runs.close();
    await ctx.close();
  });

  const setUp = (traits: Partial<CollectionTraits>): { collection: MemoryCollection; deps: RunDependencies } => {
    const collection = new MemoryCollection('orders', Object.fromEntries(numbers.map((n) => [legacy(n), order(n)])), traits);
    return { collection, deps: { registry: ctx.registry, runs, collection, source: 'memory', migration: rekey, clock: ctx.clock.read } };
  };

  it('counts each document once where scans repeat keys: plan, batches, gates and rollback see every document once', async () => {
    const { collection, deps } = setUp({ repeats: true, ordered: false });
    const plan = await planMigration(ctx.registry, collection, rekey, { pageSize: 4 });
    assert.equal(plan.ok, true, JSON.stringify(plan.problems));
    assert.equal(plan.counts.documents, N);
    const run = await runMigration(deps, { batchSize: 4, waves: [50, 100] });
    assert.equal(run.status, 'completed');
    const waves = run.details['waves'] as unknown as WaveRecord[];
    for (const wave of waves) assert.equal(wave.digest.count, N, `wave ${wave.wave}: the gate's digest counts each identifier once`);
    assert.equal(
      waves.reduce((sum, wave) => sum + wave.counts.written, 0),
      N,
    );
    // The same run where scans never repeat reads exactly as many documents (re-keyed ones met again under their new keys included).
    const other = openTestRegistry();
    const otherRuns = SqliteRunStore.open(':memory:');
    try {
      await defineOrder(other.registry);
      const plain = new MemoryCollection('orders', Object.fromEntries(numbers.map((n) => [legacy(n), order(n)])));
      const reference = await runMigration({ registry: other.registry, runs: otherRuns, collection: plain, source: 'memory', migration: rekey, clock: other.clock.read }, { batchSize: 4, waves: [50, 100] });
      assert.deepEqual(
        waves.map((wave) => wave.counts),
        (reference.details['waves'] as unknown as WaveRecord[]).map((wave) => wave.counts),
      );
    } finally {
      await otherRuns.close();
      await other.close();
    }
    const report = await rollbackRun(deps, run.id);
    assert.deepEqual([report.restored, report.conflicts.length, report.digestsEqual], [N, 0, true]);
  });

  it('splits batches to what one transaction of the store takes, never a re-key in two', async () => {
    const { collection, deps } = setUp({ maxWrites: 5 });
    const run = await runMigration(deps, { batchSize: 20, waves: [100] });
    assert.equal(run.status, 'completed');
    assert.ok(collection.applied.length > 0 && collection.applied.every((size) => size <= 5 && size % 2 === 0), `batch sizes ${collection.applied.join(',')}`);
    assert.equal(collection.peek(typeId(7))?.['number'], legacy(7));
    collection.applied.length = 0;
    const report = await rollbackRun(deps, run.id);
    assert.deepEqual([report.restored, report.digestsEqual], [N, true]);
    assert.ok(collection.applied.every((size) => size <= 5 && size % 2 === 0), `rollback batch sizes ${collection.applied.join(',')}`);
  });

  it('groups writes without splitting an item, one group where there is no limit', () => {
    const sizes = [2, 1, 2, 2, 1, 1, 2];
    assert.deepEqual(
      writeGroups(sizes, (n) => n, 3),
      [[2, 1], [2], [2, 1], [1, 2]],
    );
    assert.deepEqual(writeGroups(sizes, (n) => n, null), [sizes]);
    assert.deepEqual(writeGroups([], (n: number) => n, 3), []);
    // An item larger than the limit goes alone; the store refuses it rather than the engine splitting it.
    assert.deepEqual(writeGroups([4, 1], (n) => n, 3), [[4], [1]]);
  });
});
