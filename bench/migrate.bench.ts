import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchCounts } from '../src/migrate/batch.js';
import { type RunOptions, runMigration } from '../src/migrate/runner.js';
import { SqliteRunStore } from '../src/migrate/runs/sqlite-run-store.js';
import { PostgresSource, SqliteSource } from '../src/migrate/source/index.js';
import type { SourceCollection } from '../src/migrate/source/source.js';
import { Registry } from '../src/registry/registry.js';
import { SqliteStore } from '../src/store/sqlite/index.js';
import { type Bench, type BenchResult, formatNumber, median } from './bench.js';
import { handWrittenPostgres, handWrittenSqlite, setBasedPostgres, setBasedSqlite } from './migrate-baselines.js';
import {
  COLLECTION,
  MAX_ORDERS,
  checkOutcome,
  copySqliteOrders,
  defineOrders,
  postgresOrders,
  postgresOutcome,
  rekeyOrders,
  sqliteOrdersTemplate,
  sqliteOutcome,
} from './migrate-fixtures.js';

/** The PostgreSQL the bench migrates in, in schemas of its own that it drops afterwards; without one, SQLite only. */
const POSTGRES_URL = process.env['STABLEID_BENCH_POSTGRES_URL'] ?? process.env['STABLEID_TEST_POSTGRES_URL'];
const WARM_UP_N = 5_000;
/** The target: stableid at half the hand-written script's rate or better. */
const TARGET = 0.5;

/**
 * How stableid runs in the bench. One wave (`100`): the waves exist to stop
 * early on a bad gate, and every extra wave costs one more scan of the whole
 * collection and one more gate (a full digest through the registry), so the
 * one-wave figure is the cost of the migration itself; the default waves
 * (1,10,50,100) are measured once and logged beside it
 * (BENCH_MIGRATE_DEFAULT_WAVES=0 skips that). The batch size is fixed at
 * 5,000 (the most the adaptive size ever takes): at 100,000 orders on SQLite
 * it ran 2,905 docs/s against 2,488 for a fixed 1,000 and 2,325 for the
 * adaptive size (500 ms a batch) — within this machine's noise, but never
 * slower; the registry writes dominate each batch whatever its size.
 * BENCH_MIGRATE_BATCH=adaptive or =<n> changes it.
 */
const ONE_WAVE: readonly number[] = [100];
const DEFAULT_WAVES: readonly number[] = [1, 10, 50, 100];

/**
 * The migration the issue asks to measure, on N orders (BENCH_MIGRATE_N,
 * default 1,000,000) in each source: re-key by a derived TypeID, add it as a
 * new identifier, keep before-images, take the digests and pass the gates —
 * the whole `runMigration` (plan, registration of every legacy number into
 * a fresh registry file, digests, waves, gates), in documents per second.
 * Beside it, on the same fresh data in the same run: the hand-written
 * batched script with the store's own client, and one set-based SQL
 * statement (the ceiling); see migrate-baselines.ts. Each figure starts
 * from its own fresh copy of the data; loading it is not measured. Three
 * measured runs per figure up to 100,000 orders, one above, where
 * stableid's run takes minutes (BENCH_MIGRATE_RUNS overrides).
 *
 * SQLite always (the embedded source in a temporary file); PostgreSQL too
 * when STABLEID_BENCH_POSTGRES_URL (or STABLEID_TEST_POSTGRES_URL) names
 * one. The registry and run store are a SQLite file for both sources.
 */
const bench: Bench = {
  name: 'migrate',
  async run(log) {
    const n = size();
    const runs = runCount(n);
    const batch = batchSetting();
    const dir = mkdtempSync(join(tmpdir(), 'stableid-bench-migrate-'));
    try {
      log(`  ${formatNumber(n)} orders, ${runs} measured run(s) per figure, batch ${batch.label}, waves ${ONE_WAVE.join(',')}; warm-up with ${formatNumber(Math.min(n, WARM_UP_N))}`);
      if (!POSTGRES_URL) log('  PostgreSQL skipped: set STABLEID_BENCH_POSTGRES_URL=postgres://user@host:5432/db to measure it too');
      const sqlite = new SqliteContenders(dir);
      const postgres = POSTGRES_URL ? new PostgresContenders(POSTGRES_URL, dir) : null;
      const sources = [sqlite, ...(postgres ? [postgres] : [])];

      for (const source of sources) {
        const warm = Math.min(n, WARM_UP_N);
        await source.prepare(warm);
        await source.ours(warm, { waves: ONE_WAVE, ...batch.options });
        await source.handWritten(warm);
        await source.setBased(warm);
      }
      const results: BenchResult[] = [];
      for (const source of sources) {
        await source.prepare(n);
        const rates = { ours: [] as number[], handWritten: [] as number[], setBased: [] as number[] };
        const perSecond = (ms: number): number => (n * 1000) / ms;
        for (let run = 1; run <= runs; run++) {
          const ours = await source.ours(n, { waves: ONE_WAVE, ...batch.options });
          rates.ours.push(perSecond(ours.ms));
          rates.handWritten.push(perSecond(await source.handWritten(n)));
          rates.setBased.push(perSecond(await source.setBased(n)));
          log(
            `  ${source.name} run ${run}/${runs}: stableid ${formatNumber(rates.ours.at(-1) ?? 0)} docs/s (${ours.phases}), ` +
              `hand-written ${formatNumber(rates.handWritten.at(-1) ?? 0)} docs/s, set-based ${formatNumber(rates.setBased.at(-1) ?? 0)} docs/s`,
          );
        }
        if (process.env['BENCH_MIGRATE_DEFAULT_WAVES'] !== '0') {
          const waves = await source.ours(n, { waves: DEFAULT_WAVES, ...batch.options });
          log(`  ${source.name} default waves ${DEFAULT_WAVES.join(',')} (1 run, not in the table): stableid ${formatNumber(perSecond(waves.ms))} docs/s (${waves.phases})`);
        }
        results.push(...rows(source.name, rates));
      }
      return results;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;

function size(): number {
  const raw = process.env['BENCH_MIGRATE_N'] ?? '1000000';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_ORDERS) throw new Error(`BENCH_MIGRATE_N must be an integer from 1 to ${MAX_ORDERS}, got ${JSON.stringify(raw)}`);
  return n;
}

function runCount(n: number): number {
  const raw = process.env['BENCH_MIGRATE_RUNS'];
  if (raw === undefined) return n > 100_000 ? 1 : 3;
  const runs = Number(raw);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`BENCH_MIGRATE_RUNS must be a positive integer, got ${JSON.stringify(raw)}`);
  return runs;
}

function batchSetting(): { label: string; options: Pick<RunOptions, 'batchSize'> } {
  const raw = process.env['BENCH_MIGRATE_BATCH'] ?? '5000';
  if (raw === 'adaptive') return { label: 'adaptive (500 ms)', options: {} };
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 1) throw new Error(`BENCH_MIGRATE_BATCH must be "adaptive" or a positive integer, got ${JSON.stringify(raw)}`);
  return { label: `fixed ${formatNumber(size)}`, options: { batchSize: size } };
}

function rows(source: string, rates: { ours: number[]; handWritten: number[]; setBased: number[] }): BenchResult[] {
  const ours = median(rates.ours);
  const handWritten = median(rates.handWritten);
  const setBased = median(rates.setBased);
  const share = ours / handWritten;
  return [
    {
      name: `${source} migrate`,
      value: ours,
      unit: 'docs/s',
      runs: rates.ours,
      baseline: { name: 'hand-written batches', value: handWritten, unit: 'docs/s' },
      verdict: `target 50% of hand-written: ${share >= TARGET ? 'PASS' : 'FAIL'} (${Math.round(share * 100)}%)`,
    },
    {
      name: `${source} hand-written`,
      value: handWritten,
      unit: 'docs/s',
      runs: rates.handWritten,
      baseline: { name: 'one set-based statement (ceiling)', value: setBased, unit: 'docs/s' },
      verdict: `stableid at ${Math.round((ours / setBased) * 100)}% of the ceiling`,
    },
  ];
}

/** One measured run of stableid: its time, and where the time went. */
interface OursRun {
  readonly ms: number;
  readonly phases: string;
}

/** The three contenders on one kind of source, each on fresh data of its own. */
interface Contenders {
  readonly name: string;
  /** Makes whatever each run copies its fresh data from. */
  prepare(n: number): Promise<void>;
  ours(n: number, options: RunOptions): Promise<OursRun>;
  handWritten(n: number): Promise<number>;
  setBased(n: number): Promise<number>;
}

class SqliteContenders implements Contenders {
  readonly name = 'sqlite';
  readonly #dir: string;
  #template = '';
  #runs = 0;

  constructor(dir: string) {
    this.#dir = dir;
  }

  async prepare(n: number): Promise<void> {
    if (this.#template) rmSync(this.#template, { force: true });
    this.#template = join(this.#dir, `orders-${n}.db`);
    await sqliteOrdersTemplate(this.#template, n);
  }

  async ours(n: number, options: RunOptions): Promise<OursRun> {
    return this.#withCopy(n, 'stableid', async (path, registry) => {
      const source = SqliteSource.open(path);
      try {
        return await migrate(await source.collection(COLLECTION), source.description, registry, n, options);
      } finally {
        await source.close();
      }
    });
  }

  handWritten(n: number): Promise<number> {
    return this.#withCopy(n, 'hand-written script', async (path) => handWrittenSqlite(path));
  }

  setBased(n: number): Promise<number> {
    return this.#withCopy(n, 'set-based UPDATE', async (path) => setBasedSqlite(path));
  }

  /** Runs `fn` on a fresh copy of the orders (with a path for a registry beside it), checks what it left, and removes both. */
  async #withCopy<T>(n: number, what: string, fn: (path: string, registry: string) => Promise<T>): Promise<T> {
    const run = (this.#runs += 1);
    const path = join(this.#dir, `source-${run}.db`);
    const registry = join(this.#dir, `registry-${run}.db`);
    copySqliteOrders(this.#template, path);
    try {
      const result = await fn(path, registry);
      checkOutcome(`${what} on sqlite`, n, sqliteOutcome(path));
      return result;
    } finally {
      removeDatabase(path);
      removeDatabase(registry);
    }
  }
}

class PostgresContenders implements Contenders {
  readonly name = 'postgres';
  readonly #url: string;
  readonly #dir: string;
  #runs = 0;

  constructor(url: string, dir: string) {
    this.#url = url;
    this.#dir = dir;
  }

  /** Each run loads its own schema: PostgreSQL has no cheap copy of a table that leaves it as a loaded one would be. */
  async prepare(): Promise<void> {}

  async ours(n: number, options: RunOptions): Promise<OursRun> {
    return this.#withSchema(n, 'stableid', async (orders) => {
      const source = PostgresSource.open(this.#url, { schema: orders.schema });
      const registry = join(this.#dir, `registry-${(this.#runs += 1)}.db`);
      try {
        return await migrate(await source.collection(COLLECTION), source.description, registry, n, options);
      } finally {
        await source.close();
        removeDatabase(registry);
      }
    });
  }

  handWritten(n: number): Promise<number> {
    return this.#withSchema(n, 'hand-written script', (orders) => handWrittenPostgres(this.#url, orders));
  }

  setBased(n: number): Promise<number> {
    return this.#withSchema(n, 'set-based UPDATE', (orders) => setBasedPostgres(this.#url, orders));
  }

  async #withSchema<T>(n: number, what: string, fn: (orders: Awaited<ReturnType<typeof postgresOrders>>) => Promise<T>): Promise<T> {
    const orders = await postgresOrders(this.#url, n);
    try {
      const result = await fn(orders);
      checkOutcome(`${what} on postgres`, n, await postgresOutcome(this.#url, orders));
      return result;
    } finally {
      await orders.drop();
    }
  }
}

function removeDatabase(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

/**
 * stableid's whole run on the collection, into a fresh registry file (with
 * the run store in the same file): the namespace is defined first, not
 * measured; then `runMigration` is timed from call to return.
 */
async function migrate(collection: SourceCollection, description: string, registryPath: string, n: number, options: RunOptions): Promise<OursRun> {
  const registry = new Registry(SqliteStore.open(registryPath));
  const runs = SqliteRunStore.open(registryPath);
  try {
    await defineOrders(registry);
    let firstBatch: number | null = null;
    let lastBatch = 0;
    const startedAt = Date.now();
    const start = performance.now();
    const run = await runMigration(
      { registry, runs, collection, source: description, migration: rekeyOrders },
      {
        ...options,
        onProgress: () => {
          firstBatch ??= performance.now();
          lastBatch = performance.now();
        },
      },
    );
    const end = performance.now();
    const waves = (run.details['waves'] ?? []) as unknown as { counts: BatchCounts }[];
    const written = waves.reduce((sum, wave) => sum + wave.counts.written, 0);
    if (run.status !== 'completed' || written !== n) throw new Error(`stableid's run ended ${run.status} with ${written} of ${n} written: the bench measures nothing`);
    // The run record's instants: after the plan (createdAt) and after registration (registeredAt); the rest from the progress calls.
    const planned = Date.parse(run.createdAt) - startedAt;
    const registered = Date.parse(String(run.details['registeredAt'])) - Date.parse(run.createdAt);
    const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
    const phases = [
      `plan ${seconds(planned)}`,
      `register ${seconds(registered)}`,
      `digests + 1st batch ${seconds((firstBatch ?? end) - start - planned - registered)}`,
      `${waves.length > 1 ? 'waves and gates' : 'batches'} ${seconds(lastBatch - (firstBatch ?? lastBatch))}`,
      `${waves.length > 1 ? 'last gate' : 'gate'} ${seconds(end - lastBatch)}`,
    ].join(', ');
    return { ms: end - start, phases };
  } finally {
    await runs.close();
    await registry.close();
  }
}
