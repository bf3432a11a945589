import { StableIdError } from '../model/errors.js';
import { openRegistry } from '../open.js';
import { loadMigration } from './load.js';
import { type PartitionJob, runPartition } from './partition-runner.js';
import { migrationFormats } from './plan.js';
import { batchContext, runSettings } from './runner.js';
import { openRunStore } from './runs/index.js';
import { openSource } from './source/index.js';
import type { Partition } from './source/source.js';
import { WORKER_ENV, type WorkerMessage, type WorkerSpec } from './workers.js';

/*
 * A migration worker: a child process the runner forks to migrate its share
 * of a wave's key ranges. It opens the same registry, run store and source,
 * writes with the runner's fence, checkpoints each partition, and reports
 * each batch to the runner over IPC.
 */

const send = (message: WorkerMessage): Promise<void> =>
  new Promise((resolve) => {
    if (!process.send) resolve();
    else process.send(message, () => resolve());
  });

async function main(): Promise<void> {
  const { spec, partitions } = JSON.parse(process.env[WORKER_ENV] ?? '{}') as { spec: WorkerSpec; partitions: Partition[] };
  const migration = await loadMigration(spec.module);
  const registry = openRegistry(spec.registry, { actor: spec.actor });
  const runs = openRunStore(spec.registry);
  const source = openSource(spec.source);
  try {
    const collection = await source.collection(migration.collection);
    const formats = await migrationFormats(registry, migration);
    const start = await runs.getRun(spec.run);
    if (!start) throw new StableIdError('RUN_NOT_FOUND', `no migration run ${spec.run}`, { run: spec.run });
    const deps = { registry, runs, collection, migration, source: source.description };
    const checkpoints = new Map((await runs.checkpoints(spec.run, spec.wave)).map((c) => [c.partition, c]));
    const job: PartitionJob = {
      runs,
      run: spec.run,
      wave: spec.wave,
      collection,
      context: batchContext(deps, formats, start, spec.wave, () => spec.fence, async () => {
        if (!(await runs.renewLease(spec.lease, spec.leaseMs, new Date()))) {
          throw new StableIdError('LEASE_LOST', `the lease on migration "${spec.lease.migration}" was lost to a newer runner; this worker stopped writing`, { migration: spec.lease.migration });
        }
      }),
      current: async () => {
        const run = await runs.getRun(spec.run);
        return run && run.status !== 'paused' && run.status !== 'aborted' ? run : null;
      },
      // Each worker keeps to its share of the run's maximum rate.
      pace: (run) => {
        const settings = runSettings(run);
        return { ...settings, maxRate: settings.maxRate === null ? null : settings.maxRate / spec.workers };
      },
      check: () => undefined,
      onBatch: (counts, failures) => send({ type: 'batch', counts, failures }),
    };
    for (const partition of partitions) {
      if (!(await runPartition(job, partition, checkpoints.get(partition.id)))) {
        await send({ type: 'stopped' });
        return;
      }
    }
  } finally {
    await registry.close();
    await runs.close();
    await source.close();
  }
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    const failure = error instanceof StableIdError ? error : new StableIdError('INTERNAL', error instanceof Error ? error.message : String(error));
    await send({ type: 'error', code: failure.code, message: failure.message, context: { ...failure.context } });
    process.exit(1);
  },
);
