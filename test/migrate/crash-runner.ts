import { setTimeout as sleep } from 'node:timers/promises';
import { StableIdError } from '../../src/model/errors.js';
import { runMigration } from '../../src/migrate/runner.js';
import { openRunStore } from '../../src/migrate/runs/index.js';
import { openSource } from '../../src/migrate/source/index.js';
import { openRegistry } from '../../src/open.js';
import { rekey } from './fixtures.js';

/**
 * One migration runner as a process of its own, for the crash test:
 * `crash-runner.ts <registry.db> <source> [batchSize]`. It opens the
 * registry and the run store (one file), and the source (a SQLite file or a
 * source URL, as `--source` takes), says
 * "ready", and runs (or resumes) the `rekey` migration in waves 10, 50, 100,
 * printing `progress <wave> <done>` after each checkpointed batch (which is
 * what the test aims its kills by). On success it prints the final run as
 * one JSON line and exits 0.
 *
 * A killed runner leaves its lease behind until it expires, so the lease is
 * short (CRASH_LEASE_MS, default 500 ms) and a LEASE_HELD start is tried
 * again every 100 ms for up to CRASH_LEASE_WAIT_MS (default 10 s), then
 * exits 4. Any other failure exits 1 with the error on stderr.
 */
const ACTOR = 'crash-runner';
const WAVES = [10, 50, 100] as const;

const [registryPath, sourcePath, batchArgument] = process.argv.slice(2);
if (!registryPath || !sourcePath) {
  process.stderr.write('usage: crash-runner.ts <registry.db> <source> [batchSize]\n');
  process.exit(2);
}
const batchSize = Number(batchArgument ?? 7);
const leaseMs = Number(process.env['CRASH_LEASE_MS'] ?? 500);
const leaseWaitMs = Number(process.env['CRASH_LEASE_WAIT_MS'] ?? 10_000);

const registry = openRegistry(registryPath, { actor: ACTOR });
const runs = openRunStore(registryPath);
const source = openSource(sourcePath);
let code = 0;
try {
  const collection = await source.collection(rekey.collection);
  const deps = { registry, runs, collection, source: source.description, migration: rekey };
  process.stdout.write('ready\n');
  const giveUpAt = Date.now() + leaseWaitMs;
  for (;;) {
    try {
      const run = await runMigration(deps, {
        actor: ACTOR,
        batchSize,
        waves: [...WAVES],
        leaseMs,
        onProgress: (progress) => process.stdout.write(`progress ${progress.wave} ${progress.done}\n`),
      });
      process.stdout.write(`${JSON.stringify({ run: run.id, status: run.status })}\n`);
      break;
    } catch (error) {
      if (!(error instanceof StableIdError) || error.code !== 'LEASE_HELD' || Date.now() >= giveUpAt) throw error;
      await sleep(100);
    }
  }
} catch (error) {
  code = error instanceof StableIdError && error.code === 'LEASE_HELD' ? 4 : 1;
  process.stderr.write(`${error instanceof StableIdError ? `${error.code}: ` : ''}${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
} finally {
  await source.close();
  await runs.close();
  await registry.close();
}
process.exit(code);
