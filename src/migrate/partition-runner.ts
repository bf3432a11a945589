import { type BatchContext, type BatchCounts, emptyCounts, migrateBatch } from './batch.js';
import { firstSightings } from './document-walk.js';
import type { Checkpoint, RunRecord, RunStore } from './runs/run-store.js';
import type { Partition, SourceCollection } from './source/source.js';

const MIN_BATCH = 10;
const MAX_BATCH = 5000;
const FIRST_BATCH = 200;

/** How a partition is paced: re-read from the run record before every batch, so `migrate set` takes effect at once. */
export interface Pace {
  readonly batchSize: number | null;
  readonly batchTimeMs: number;
  readonly maxRate: number | null;
}

/** What migrating one partition of one wave needs, in the runner's process or a worker's. */
export interface PartitionJob {
  readonly runs: RunStore;
  readonly run: string;
  readonly wave: number;
  readonly collection: SourceCollection;
  readonly context: BatchContext;
  /** The run record as it is now; null when it was paused or aborted (the partition stops after its batch). */
  readonly current: () => Promise<RunRecord | null>;
  readonly pace: (run: RunRecord) => Pace;
  /** Throws when the runner may no longer write (its lease is gone). */
  readonly check: () => void;
  /** After every batch: what it did, and the documents that failed. */
  readonly onBatch: (counts: BatchCounts, failures: readonly { key: string; reason: string }[]) => Promise<void> | void;
}

/**
 * Migrates one partition of a wave from its checkpoint to its end, a batch
 * at a time, checkpointing after each. Returns false when the run was paused
 * or aborted meanwhile. Where the collection's scans may repeat a key, a
 * key this walk has handled already is passed over (a repeat would only be
 * skipped as migrated, but would count twice).
 */
export async function runPartition(job: PartitionJob, partition: Partition, checkpoint: Checkpoint | undefined): Promise<boolean> {
  if (checkpoint?.done) return true;
  let cursor = checkpoint?.cursor ?? null;
  const counts = { ...emptyCounts(), ...((checkpoint?.counts ?? {}) as Partial<BatchCounts>) };
  let batchSize = FIRST_BATCH;
  const fresh = firstSightings(job.collection);
  for (;;) {
    const run = await job.current();
    if (!run) return false;
    job.check();
    const pace = job.pace(run);
    const size = pace.batchSize ?? batchSize;
    const started = performance.now();
    const page = await job.collection.scan(partition, cursor, size);
    const result = await migrateBatch(job.context, fresh(page.documents));
    for (const name of Object.keys(counts) as (keyof BatchCounts)[]) counts[name] += result[name];
    cursor = page.cursor ?? cursor;
    await job.runs.saveCheckpoint({ run: job.run, wave: job.wave, partition: partition.id, cursor, done: page.cursor === null, counts: { ...counts } });
    await job.onBatch(result, result.failures);
    if (page.cursor === null) return true;
    const elapsed = performance.now() - started;
    // The batch size follows the target batch time (halving or doubling at most per batch), unless fixed.
    if (pace.batchSize === null && elapsed > 0) batchSize = Math.min(MAX_BATCH, Math.max(MIN_BATCH, Math.round(size * Math.min(2, Math.max(0.5, pace.batchTimeMs / elapsed)))));
    if (pace.maxRate !== null && pace.maxRate > 0) {
      const wait = (page.documents.length / pace.maxRate) * 1000 - elapsed;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
