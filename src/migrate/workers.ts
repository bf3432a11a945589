import { fork } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ErrorContext, type ErrorCode, StableIdError } from '../model/errors.js';
import type { BatchCounts } from './batch.js';
import type { Lease } from './runs/run-store.js';
import type { Fence, Partition } from './source/source.js';

/** How a worker process opens what the runner has open: the registry (and run store) reference, the source reference, the module path. */
export interface WorkerReferences {
  readonly registry: string;
  readonly source: string;
  readonly module: string;
}

/** Everything a worker needs to migrate its share of a wave. */
export interface WorkerSpec extends WorkerReferences {
  readonly run: string;
  readonly wave: number;
  /** The runner's fence: a worker writes with the runner's lease token, so a stale runner's workers are refused too. */
  readonly fence: Fence;
  /** The runner's lease, which a worker confirms (renewing it) before each batch's registry writes. */
  readonly lease: Lease;
  readonly leaseMs: number;
  readonly actor: string;
  /** How many workers share the wave (each paces itself to its share of the maximum rate). */
  readonly workers: number;
}

/** What a worker tells the runner, over its IPC channel. */
export type WorkerMessage =
  | { readonly type: 'batch'; readonly counts: BatchCounts; readonly failures: readonly { key: string; reason: string }[] }
  | { readonly type: 'stopped' }
  | { readonly type: 'error'; readonly code: ErrorCode; readonly message: string; readonly context: ErrorContext };

/** The environment variable carrying a worker's spec and partitions, as JSON. */
export const WORKER_ENV = 'STABLEID_MIGRATE_WORKER';

/**
 * Splits the wave's partitions between `workers` child processes (round
 * robin) and waits for all of them. Returns false when any stopped because
 * the run was paused or aborted; throws the first failure of any.
 */
export async function runInWorkers(
  spec: WorkerSpec,
  partitions: readonly Partition[],
  workers: number,
  onBatch: (counts: BatchCounts, failures: readonly { key: string; reason: string }[]) => Promise<void>,
  check: () => void,
): Promise<boolean> {
  const shares = Array.from({ length: workers }, (_, index) => partitions.filter((_, p) => p % workers === index));
  // The worker's own source sits beside this file, as .ts under tsx and as .js when built.
  const entry = fileURLToPath(new URL(`./worker-main${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  let stopped = false;
  let failure: StableIdError | undefined;
  // Batches are recorded one at a time, in arrival order.
  let recording = Promise.resolve();
  await Promise.all(
    shares.map(
      (share) =>
        new Promise<void>((resolve) => {
          const child = fork(entry, [], { env: { ...process.env, [WORKER_ENV]: JSON.stringify({ spec, partitions: share }) }, execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
          child.on('message', (message: WorkerMessage) => {
            if (message.type === 'batch') recording = recording.then(() => onBatch(message.counts, message.failures));
            else if (message.type === 'stopped') stopped = true;
            else failure ??= new StableIdError(message.code, message.message, message.context);
          });
          child.on('exit', (code, signal) => {
            if (code !== 0 && !failure) failure = new StableIdError('INTERNAL', `a migration worker exited with ${signal ?? `code ${String(code)}`}`, { run: spec.run });
            resolve();
          });
        }),
    ),
  );
  await recording;
  if (failure) throw failure;
  check();
  return !stopped;
}
