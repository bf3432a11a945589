import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MARKER_FIELD } from '../../src/migrate/marker.js';
import { defineMigration } from '../../src/migrate/migration.js';
import { abortRun, pauseRun, resumeRun, setRunPace } from '../../src/migrate/control.js';
import { rollbackRun } from '../../src/migrate/rollback.js';
import { type RunDependencies, type WaveRecord, continueRun, runMigration } from '../../src/migrate/runner.js';
import type { RunStore } from '../../src/migrate/runs/run-store.js';
import { SqliteRunStore } from '../../src/migrate/runs/sqlite-run-store.js';
import type { JsonObject } from '../../src/migrate/source/source.js';
import { ORDER, type TestRegistry, defineOrder, legacy, openTestRegistry, rejectsWith, typeId } from '../registry/fixtures.js';
import { numberOf, order, rekey } from './fixtures.js';
import { MemoryCollection } from './memory-collection.js';

const N = 60;
const numbers = Array.from({ length: N }, (_, i) => i + 1);
/** The rekey migration, binding into the store named docs. */
const migration = defineMigration({ ...rekey, bindingStore: 'docs' });

describe('migrate run and rollback', () => {
  let ctx: TestRegistry;
  let runs: RunStore;
  let collection: MemoryCollection;
  let deps: RunDependencies;
  beforeEach(async () => {
    ctx = openTestRegistry();
    await defineOrder(ctx.registry);
    runs = SqliteRunStore.open(':memory:');
    collection = new MemoryCollection('orders', Object.fromEntries(numbers.map((n) => [legacy(n), order(n)])));
    deps = { registry: ctx.registry, runs, collection, source: 'memory', migration, clock: ctx.clock.read };
  });
  afterEach(async () => {
    await runs.close();
    await ctx.close();
  });

  const allDocuments = async (): Promise<Map<string, JsonObject>> => {
    const page = await collection.scan((await collection.partitions(1))[0] as never, null, 10_000);
    return new Map(page.documents.map((d) => [d.key, d.body]));
  };

  it('migrates every document in waves, re-keyed and marked, with bindings and new identifiers in the registry', async () => {
    const run = await runMigration(deps, { batchSize: 7 });
    assert.equal(run.status, 'completed');
    const waves = run.details['waves'] as unknown as WaveRecord[];
    assert.deepEqual(
      waves.map((w) => [w.wave, w.percent, w.gate.ok]),
      [
        [1, 1, true],
        [2, 10, true],
        [3, 50, true],
        [4, 100, true],
      ],
    );
    assert.equal(
      waves.reduce((sum, w) => sum + w.counts.written, 0),
      N,
    );
    const documents = await allDocuments();
    assert.equal(documents.size, N);
    for (const n of numbers) {
      const document = documents.get(typeId(n));
      assert.ok(document, `document ${n} lives under its TypeID`);
      assert.deepEqual(document[MARKER_FIELD], { migrations: ['orders-v2'] });
      assert.deepEqual(document['total'], { amount: n * 10, currency: 'EUR' });
    }
    const resolved = await ctx.registry.resolve(ORDER, { scheme: 'v1', value: legacy(7) });
    assert.deepEqual([resolved.binding?.store, resolved.binding?.key, resolved.binding?.migration], ['docs', typeId(7), run.id]);
    const translated = await ctx.registry.translate(ORDER, { scheme: 'v1', value: legacy(7) }, 'v2');
    assert.deepEqual([translated.to.value, translated.to.migration], [typeId(7), run.id]);
    assert.equal((await ctx.registry.verify()).ok, true);
  });

  it('changes nothing when a finished migration runs again', async () => {
    await runMigration(deps, { batchSize: 25 });
    const documents = await allDocuments();
    const events = (await ctx.registry.history(ORDER, 0, 10_000)).length;
    const again = await runMigration(deps, { batchSize: 25 });
    assert.equal(again.status, 'completed');
    assert.deepEqual(await allDocuments(), documents);
    assert.equal((await ctx.registry.history(ORDER, 0, 10_000)).length, events);
  });

  it('stops at each manual gate until continued, and refuses a second start meanwhile', async () => {
    const gated = await runMigration(deps, { gate: 'manual', waves: [10, 100], batchSize: 50 });
    assert.equal(gated.status, 'gated');
    const written = [...(await allDocuments()).values()].filter((d) => d[MARKER_FIELD] !== undefined).length;
    assert.ok(written > 0 && written < N, `the first wave moved some documents, not all (${written})`);
    await rejectsWith(runMigration(deps), 'STATE_CONFLICT');
    const done = await continueRun(deps, gated.id);
    assert.equal(done.status, 'completed');
    assert.equal([...(await allDocuments()).keys()].filter((key) => key.startsWith('ORD-')).length, 0);
  });

  it('runs hooks around each wave and on success, with the run status as JSON on stdin; a failing afterWave hook fails the gate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stableid-hooks-'));
    try {
      const log = join(dir, 'hooks.log');
      const record = `cat >> ${log}`;
      const run = await runMigration(
        { ...deps, migration: defineMigration({ ...migration, hooks: { beforeWave: record, afterWave: record } }) },
        { waves: [50, 100], batchSize: 20, hooks: { success: `${record}; echo "$STABLEID_HOOK $STABLEID_RUN" >> ${log}` } },
      );
      const lines = readFileSync(log, 'utf8').trim().split('\n');
      const events = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { event: string; wave: number; run: { id: string; status: string } });
      assert.deepEqual(
        events.map((e) => `${e.event}:${e.wave}`),
        ['beforeWave:1', 'afterWave:1', 'beforeWave:2', 'afterWave:2', 'success:2'],
      );
      assert.ok(events.every((e) => e.run.id === run.id));
      assert.equal(lines.at(-1), `success ${run.id}`);

      const failing = { ...deps, collection: new MemoryCollection('orders', Object.fromEntries([1, 2, 3].map((n) => [legacy(n), order(n)]))) };
      const error = await rejectsWith(runMigration(failing, { waves: [100], hooks: { afterWave: 'exit 3', failure: `echo failed >> ${log}` } }), 'GATE_FAILED');
      assert.match(error.message, /afterWave hook failed/);
      assert.equal((await runs.listRuns('orders-v2'))[0]?.status, 'failed');
      assert.equal(readFileSync(log, 'utf8').trim().split('\n').at(-1), 'failed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pauses at the next batch, resumes from its checkpoints, and takes new settings while running', async () => {
    let batches = 0;
    let runId = '';
    const paused = await runMigration(deps, {
      waves: [100],
      batchSize: 10,
      onProgress: (p) => {
        runId = p.run;
        batches += 1;
        if (batches === 2) void pauseRun(runs, p.run);
      },
    });
    assert.equal(paused.status, 'paused');
    const moved = [...(await allDocuments()).keys()].filter((key) => key.startsWith('ord_')).length;
    assert.ok(moved > 0 && moved < N, `some documents moved before the pause (${moved})`);
    await setRunPace(runs, runId, { batchSize: 25, maxRate: 100_000 });
    await resumeRun(runs, runId);
    const sizes: number[] = [];
    let seen = 0;
    const done = await runMigration(deps, {
      onProgress: (p) => {
        sizes.push(p.done - seen);
        seen = p.done;
      },
    });
    assert.equal(done.id, runId, 'the paused run was resumed, not a new one started');
    assert.equal(done.status, 'completed');
    assert.ok(sizes.slice(1, -1).every((size) => size === 25), `batches follow the new size: ${sizes.join(',')}`);
    assert.equal([...(await allDocuments()).keys()].filter((key) => key.startsWith('ord_')).length, N);
  });

  it('gives up an aborted run for good: the next run is a new one, and leaves what the aborted one moved alone', async () => {
    let aborted = '';
    const stopped = await runMigration(deps, {
      waves: [100],
      batchSize: 10,
      onProgress: (p) => {
        if (!aborted) {
          aborted = p.run;
          void abortRun(runs, p.run);
        }
      },
    });
    assert.equal(stopped.status, 'aborted');
    await rejectsWith(resumeRun(runs, aborted), 'STATE_CONFLICT');
    const next = await runMigration(deps, { batchSize: 30 });
    assert.notEqual(next.id, aborted);
    assert.equal(next.status, 'completed');
    assert.ok(((next.details['plan'] as { alreadyMigrated: number }).alreadyMigrated ?? 0) > 0);
  });

  it('refuses to run while another runner holds the lease', async () => {
    await runs.acquireLease('orders-v2', 'someone-else', 60_000, new Date());
    await rejectsWith(runMigration(deps), 'LEASE_HELD');
  });

  it('refuses a migration whose plan has problems, writing nothing', async () => {
    collection.put('broken', { total: 1 });
    const error = await rejectsWith(runMigration(deps), 'MIGRATION_INVALID');
    assert.match(error.message, /missing-identifier/);
    assert.equal((await allDocuments()).has(legacy(1)), true);
  });

  it('loses no update the application makes during the run', async () => {
    let writes = 0;
    const lastNote = new Map<number, string>();
    const edit = (): void => {
      // The application edits a few documents, moved or not yet.
      for (let i = 0; i < 3; i++) {
          const n = ((writes * 7) % N) + 1;
          writes += 1;
          for (const key of [legacy(n), typeId(n)]) {
            const current = collection.peek(key);
            if (!current) continue;
            const note = `app write ${writes}`;
            collection.put(key, { ...current, note });
            lastNote.set(n, note);
          }
      }
    };
    // Between the engine's read and its write of every other batch, and between batches.
    let applies = 0;
    const raced = new Set<string>();
    collection.beforeApply = (ops) => {
      if ((applies += 1) % 2 !== 0) return;
      edit();
      // And one of the very documents the engine is about to write.
      const target = ops.find((op) => op.kind !== 'insert' && !raced.has(op.key));
      const current = target && collection.peek(target.key);
      if (!target || !current) return;
      raced.add(target.key);
      writes += 1;
      const note = `app write ${writes}`;
      collection.put(target.key, { ...current, note });
      lastNote.set(numberOf(current), note);
    };
    const run = await runMigration(deps, { batchSize: 5, onProgress: edit });
    collection.beforeApply = undefined;
    assert.equal(run.status, 'completed');
    const documents = await allDocuments();
    assert.equal(documents.size, N);
    assert.ok(lastNote.size > 0, 'the application wrote during the run');
    const conflicts = (run.details['waves'] as unknown as WaveRecord[]).reduce((sum, w) => sum + w.counts.conflicts, 0);
    assert.ok(conflicts > 0, 'some application writes landed between the engine reading a document and writing it');
    for (const [n, note] of lastNote) assert.equal(documents.get(typeId(n))?.['note'], note, `the last write to order ${n} survives`);
    for (const document of documents.values()) assert.deepEqual(document[MARKER_FIELD], { migrations: ['orders-v2'] });
  });

  it('rolls back a completed run: documents, keys and bindings as before, digests equal, added identifiers kept', async () => {
    const before = await allDocuments();
    const run = await runMigration(deps, { batchSize: 9 });
    const report = await rollbackRun(deps, run.id);
    assert.deepEqual([report.restored, report.conflicts.length, report.digestsEqual], [N, 0, true]);
    assert.deepEqual(await allDocuments(), before);
    const resolved = await ctx.registry.resolve(ORDER, { scheme: 'v1', value: legacy(3) });
    assert.equal(resolved.binding?.key, legacy(3));
    assert.equal((await ctx.registry.translate(ORDER, { scheme: 'v1', value: legacy(3) }, 'v2')).to.state, 'active');
    assert.equal((await runs.getRun(run.id))?.status, 'rolled-back');
    assert.equal((await ctx.registry.verify()).ok, true);
    // History keeps both: the run's binding and the one rollback restored.
    assert.ok((await ctx.registry.history(ORDER, 0, 10_000)).filter((e) => e.type === 'binding.changed').length >= 2 * N);
  });

  it('never overwrites what the application changed after the run: such documents are conflicts', async () => {
    const run = await runMigration(deps, { batchSize: 20 });
    const changed = collection.peek(typeId(5)) as JsonObject;
    collection.put(typeId(5), { ...changed, note: 'edited after the run' });
    const report = await rollbackRun(deps, run.id, { retract: true });
    assert.deepEqual(
      report.conflicts.map((c) => c.key),
      [legacy(5)],
    );
    assert.equal(report.digestsEqual, false);
    assert.equal(collection.peek(typeId(5))?.['note'], 'edited after the run');
    assert.equal((await ctx.registry.translate(ORDER, { scheme: 'v1', value: legacy(3) }, 'v2')).to.state, 'archived');
  });
});
