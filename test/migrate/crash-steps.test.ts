import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MARKER_FIELD } from '../../src/migrate/marker.js';
import { rollbackRun } from '../../src/migrate/rollback.js';
import { type RunDependencies, type WaveRecord, runMigration } from '../../src/migrate/runner.js';
import type { RunRecord, RunStore } from '../../src/migrate/runs/run-store.js';
import { SqliteRunStore } from '../../src/migrate/runs/sqlite-run-store.js';
import type { JsonObject, SourceCollection } from '../../src/migrate/source/source.js';
import type { Registry } from '../../src/registry/registry.js';
import { ORDER, allEvents, defineOrder, legacy, openSqliteTestRegistry, typeId } from '../registry/fixtures.js';
import { order, rekey } from './fixtures.js';
import { MemoryCollection } from './memory-collection.js';

/**
 * The crash test's deterministic companion: instead of killing a process at
 * a random instant, the run stops just before its k-th write — to the run
 * store, the registry or the source — for every k of an uninterrupted run.
 * Each of those writes is atomic, so stopping before one of them is what a
 * crash between two steps leaves behind. Then the migration is run again to
 * its end, which must look like the uninterrupted run, and rolled back,
 * which must restore every document.
 */
const N = 30;
const BATCH = 7;
const WAVES = [10, 50, 100];
const numbers = Array.from({ length: N }, (_, i) => i + 1);

/** What the run stops with instead of making its k-th write. */
class Crash extends Error {}

/** The writes of a run in order, and the one to stop at. */
class Writes {
  readonly log: string[] = [];
  crashAt: number | null = null;
  /** The highest wave index an updateRun has set so far: a write moving past it starts a wave. */
  #wave = 0;

  /** Wraps the methods named, counting each call and refusing the one to stop at. */
  watch<T extends object>(target: T, name: string, methods: readonly string[]): T {
    return new Proxy(target, {
      get: (object, property) => {
        const value: unknown = Reflect.get(object, property, object);
        if (typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => unknown;
        if (!methods.includes(String(property))) return method.bind(object);
        return (...args: unknown[]) => {
          this.log.push(this.#label(name, String(property), args));
          if (this.log.length === this.crashAt) throw new Crash(`crashed before write ${this.crashAt}: ${this.log.at(-1)}`);
          return method.apply(object, args);
        };
      },
    });
  }

  #label(name: string, method: string, args: unknown[]): string {
    if (method !== 'updateRun') return `${name}.${method}`;
    const change = args[1] as Pick<RunRecord, 'status' | 'wave' | 'details'>;
    const waves = ((change.details['waves'] as unknown[] | undefined) ?? []).length;
    const next = change.wave > this.#wave ? ' (next wave)' : '';
    this.#wave = Math.max(this.#wave, change.wave);
    return `${name}.updateRun(${change.status}, wave ${change.wave + 1}${next}, ${waves} wave record(s))`;
  }
}

interface Setup {
  readonly deps: RunDependencies;
  readonly collection: MemoryCollection;
  readonly registry: Registry;
  readonly runs: RunStore;
  close(): Promise<void>;
}

async function setUp(writes: Writes): Promise<Setup> {
  // In memory: no bulk-write worker to start for every case.
  const ctx = openSqliteTestRegistry();
  await defineOrder(ctx.registry);
  const runs = SqliteRunStore.open(':memory:');
  const collection = new MemoryCollection('orders', Object.fromEntries(numbers.map((n) => [legacy(n), order(n)])));
  const deps: RunDependencies = {
    registry: writes.watch(ctx.registry, 'registry', ['writeMany']),
    runs: writes.watch<RunStore>(runs, 'runs', ['createRun', 'updateRun', 'saveCheckpoint', 'saveBeforeImages', 'recordAfterVersions']),
    collection: writes.watch<SourceCollection>(collection, 'source', ['apply']),
    source: 'memory',
    migration: rekey,
    clock: ctx.clock.read,
  };
  return {
    deps,
    collection,
    registry: ctx.registry,
    runs,
    close: async () => {
      await runs.close();
      await ctx.close();
    },
  };
}

const options = { batchSize: BATCH, waves: WAVES, actor: 'crash-steps' } as const;

async function documentsOf(collection: MemoryCollection): Promise<[string, JsonObject][]> {
  const [partition] = await collection.partitions(1);
  const page = await collection.scan(partition as never, null, 10_000);
  return page.documents.map((d) => [d.key, d.body]);
}

/** The end state, with run ids named by their role. */
async function snapshot({ collection, registry, runs }: Setup): Promise<unknown> {
  const all = await runs.listRuns(rekey.id);
  assert.equal(all.length, 1, 'one run');
  const run = all[0] as RunRecord;
  const role = (value: string | null): string | null => (value === run.id ? '<run>' : value);
  const resolved = await registry.resolveMany(
    ORDER,
    numbers.map((n) => ({ scheme: 'v1', value: legacy(n) })),
  );
  const events: Record<string, number> = {};
  for (const event of await allEvents(registry, ORDER)) events[event.type] = (events[event.type] ?? 0) + 1;
  return {
    documents: await documentsOf(collection),
    identifiers: resolved.map((r) => {
      assert.ok(r.ok);
      const { binding, identifiers } = r.result;
      return {
        binding: binding && { key: binding.key, version: binding.version, migration: role(binding.migration) },
        identifiers: identifiers.map((i) => ({ scheme: i.scheme, value: i.value, migration: role(i.migration) })),
      };
    }),
    entities: new Set(resolved.map((r) => r.ok && r.result.entity)).size,
    events,
    verified: (await registry.verify()).ok,
    status: run.status,
    waves: ((run.details['waves'] as unknown as WaveRecord[] | undefined) ?? []).map((w) => [w.wave, w.gate.ok]),
  };
}

// The uninterrupted run: its end state and the writes it makes, in order.
const baseline = new Writes();
const reference = await setUp(baseline);
await runMigration(reference.deps, options);
const expected = await snapshot(reference);
const writes = [...baseline.log];
await reference.close();

describe('a run stopped before each of its writes and resumed', () => {
  it(`the uninterrupted run makes ${writes.length} writes and migrates every document`, () => {
    const { documents, entities, verified, status } = expected as { documents: [string, JsonObject][]; entities: number; verified: boolean; status: string };
    assert.deepEqual(
      documents.map(([key]) => key),
      numbers.map((n) => typeId(n)).sort(),
    );
    for (const [, body] of documents) assert.deepEqual(body[MARKER_FIELD], { migrations: [rekey.id] });
    assert.deepEqual([entities, verified, status], [N, true, 'completed']);
  });

  writes.forEach((write, index) => {
    const k = index + 1;
    it(`stopped before write ${k} (${write}, after ${writes[index - 1] ?? 'nothing'}): resumes to the same end and rolls back fully`, async () => {
      const crashing = new Writes();
      crashing.crashAt = k;
      const setup = await setUp(crashing);
      try {
        await assert.rejects(runMigration(setup.deps, options), Crash);
        crashing.crashAt = null;
        const run = await runMigration(setup.deps, options);
        assert.equal(run.status, 'completed');
        assert.deepEqual(await snapshot(setup), expected);
        // A crash between a write and the record of its version leaves an image without one: rollback
        // recognises the run's own write by its content, so every document still comes back.
        const report = await rollbackRun(setup.deps, run.id);
        assert.deepEqual([report.restored, report.untouched, report.conflicts.length, report.digestsEqual], [N, 0, 0, true]);
        assert.deepEqual(
          (await documentsOf(setup.collection)).map(([key]) => key),
          numbers.map((n) => legacy(n)),
        );
      } finally {
        await setup.close();
      }
    });
  });
});
