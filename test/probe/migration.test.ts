import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { defineMigration } from '../../src/migrate/migration.js';
import { type RunDependencies, type WaveRecord, continueRun, runMigration } from '../../src/migrate/runner.js';
import type { RunStore } from '../../src/migrate/runs/run-store.js';
import { SqliteRunStore } from '../../src/migrate/runs/sqlite-run-store.js';
import { PROBE_GATE, RegistryTarget, probeGateCheck, probeGateSpec, recordProbe, replayProbe, writeProbeFile } from '../../src/probe/index.js';
import { ORDER, type TestRegistry, defineOrder, legacy, openTestRegistry, rejectsWith } from '../registry/fixtures.js';
import { order, rekey } from '../migrate/fixtures.js';
import { MemoryCollection } from '../migrate/memory-collection.js';
import { remap, scratchDir } from './fixtures.js';

const N = 30;
const numbers = Array.from({ length: N }, (_, i) => i + 1);
const migration = defineMigration({ ...rekey, bindingStore: 'docs' });
/** An order the registry knows that the migrated collection does not hold: breaking it leaves the run's own gate content. */
const OUTSIDE = 999;

describe('probe and migrations', () => {
  let ctx: TestRegistry;
  let runs: RunStore;
  let deps: RunDependencies;
  let file: string;
  const files = scratchDir();

  beforeEach(async () => {
    ctx = openTestRegistry();
    await defineOrder(ctx.registry);
    await ctx.registry.writeMany(
      [...numbers, OUTSIDE].map((n) => ({ request: { op: 'register' as const, namespace: ORDER, scheme: 'v1', value: legacy(n), binding: { store: 'docs', collection: 'orders', key: legacy(n) } } })),
    );
    runs = SqliteRunStore.open(':memory:');
    const collection = new MemoryCollection('orders', Object.fromEntries(numbers.map((n) => [legacy(n), order(n)])));
    deps = { registry: ctx.registry, runs, collection, source: 'memory', migration, clock: ctx.clock.read, gateChecks: { [PROBE_GATE]: probeGateCheck } };
    file = files.file(`probe-${Math.random().toString(36).slice(2)}.ndjson`);
    await writeProbeFile(file, await recordProbe(ctx.registry, { seed: 'migration', size: 100 }));
  });
  afterEach(async () => {
    await runs.close();
    await ctx.close();
  });

  it('a probe recorded before a migration passes after it', async () => {
    const before = await recordProbe(ctx.registry, { seed: 'migration', size: 100 });
    assert.equal(before.records.length, N + 1);
    const run = await runMigration(deps, { batchSize: 7 });
    assert.equal(run.status, 'completed');
    const moved = await ctx.registry.resolve(ORDER, { value: legacy(5) });
    assert.equal(moved.binding?.migration, run.id, 'the records did move');
    const report = await replayProbe(before, [new RegistryTarget(ctx.registry)]);
    assert.equal(report.ok, true, JSON.stringify(report.targets[0]?.failures));
    assert.equal(report.targets[0]?.passed, N + 1);
  });

  it('a probe recorded before a migration fails after it, naming the identifiers, when a mapping is broken on purpose', async () => {
    const before = await recordProbe(ctx.registry, { seed: 'migration', size: 100 });
    await runMigration(deps, { batchSize: 7 });
    await remap(ctx.registry, ORDER, legacy(5));
    await ctx.registry.erase({ namespace: ORDER, identifier: { value: legacy(OUTSIDE) } }, { reason: 'test: lose one' });
    const report = await replayProbe(before, [new RegistryTarget(ctx.registry)]);
    assert.equal(report.ok, false);
    const [target] = report.targets;
    assert.deepEqual(
      target?.failures.map((f) => [f.kind, f.value]),
      [
        ['changed', legacy(5)],
        ['missing', legacy(OUTSIDE)],
      ],
    );
    assert.deepEqual([target?.passed, target?.missing, target?.changed], [N - 1, 1, 1]);
  });

  it('with the probe gate, a run passes every gate while the probe holds', async () => {
    const run = await runMigration(deps, { batchSize: 7, waves: [10, 100], checks: [probeGateSpec(file)] });
    assert.equal(run.status, 'completed');
    const waves = run.details['waves'] as unknown as WaveRecord[];
    assert.deepEqual(
      waves.map((w) => [w.gate.ok, w.gate.checks?.map((c) => [c.kind, c.ok])]),
      [
        [true, [['probe', true]]],
        [true, [['probe', true]]],
      ],
    );
    assert.equal(waves[0]?.gate.checks?.[0]?.details?.['passed'], N + 1);
  });

  it('the probe gate fails the run, naming the identifiers, when the probe does', async () => {
    await remap(ctx.registry, ORDER, legacy(OUTSIDE));
    const error = await rejectsWith(runMigration(deps, { batchSize: 7, waves: [10, 100], checks: [probeGateSpec(file)] }), 'GATE_FAILED');
    assert.match(error.message, /gate of wave 1/);
    assert.match(error.message, new RegExp(`${ORDER}/v1 ${legacy(OUTSIDE)} resolves to ent_\\d+, recorded ent_\\d+`));
    const [run] = await runs.listRuns(migration.id);
    assert.equal(run?.status, 'failed');
    const [wave] = run?.details['waves'] as unknown as WaveRecord[];
    assert.equal(wave?.gate.ok, false);
    assert.deepEqual(
      ((wave?.gate.checks?.[0]?.details?.['failures'] ?? []) as { value: string; kind: string }[]).map((f) => [f.kind, f.value]),
      [['changed', legacy(OUTSIDE)]],
    );
  });

  it('a run keeps its probe gate in its settings: a continued run still replays it', async () => {
    const gated = await runMigration(deps, { batchSize: 7, waves: [10, 100], gate: 'manual', checks: [probeGateSpec(file)] });
    assert.equal(gated.status, 'gated');
    await ctx.registry.erase({ namespace: ORDER, identifier: { value: legacy(OUTSIDE) } }, { reason: 'test: lose one' });
    const error = await rejectsWith(continueRun(deps, gated.id), 'GATE_FAILED');
    assert.match(error.message, /gate of wave 2/);
    assert.match(error.message, new RegExp(`${legacy(OUTSIDE)} no longer recognized \\(IDENTIFIER_NOT_FOUND`));
  });

  it('refuses, before anything runs, a gate check the runner does not provide', async () => {
    const { gateChecks: _, ...plain } = deps;
    await rejectsWith(runMigration(plain, { checks: [probeGateSpec(file)] }), 'INVALID_ARGUMENT');
    assert.deepEqual(await runs.listRuns(migration.id), []);
  });
});
