import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchCounts } from '../src/migrate/batch.js';
import { type RunOptions, runMigration } from '../src/migrate/runner.js';
import { SqliteRunStore } from '../src/migrate/runs/sqlite-run-store.js';
import { DynamoSource } from '../src/migrate/source/dynamodb/dynamodb-source.js';
import { parseDynamoUrl } from '../src/migrate/source/dynamodb/dynamodb-url.js';
import { PostgresSource, SqliteSource } from '../src/migrate/source/index.js';
import { RedisSource } from '../src/migrate/source/redis/redis-source.js';
import type { SourceCollection } from '../src/migrate/source/source.js';
import { Registry } from '../src/registry/registry.js';
import { SqliteStore } from '../src/store/sqlite/index.js';
import { Redis } from 'ioredis';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDbLocal, LOCAL_AWS_ENV, startDynamoDbLocal } from '../test/sources/dynamodb-local.js';
import { type Bench, type BenchResult, envInteger, formatNumber, median } from './bench.js';
import { handWrittenDynamo, handWrittenPostgres, handWrittenRedis, handWrittenSqlite, setBasedPostgres, setBasedSqlite } from './migrate-baselines.js';
import {
  COLLECTION,
  MAX_ORDERS,
  checkOutcome,
  copySqliteOrders,
  defineOrders,
  dynamoClient,
  dynamoOrders,
  dynamoOutcome,
  postgresOrders,
  postgresOutcome,
  redisOrders,
  redisOutcome,
  rekeyOrders,
  sqliteOrdersTemplate,
  sqliteOutcome,
  withPrefix,
} from './migrate-fixtures.js';

/** The PostgreSQL the bench migrates in, in schemas of its own that it drops afterwards; without one, SQLite only. */
const POSTGRES_URL = process.env['STABLEID_BENCH_POSTGRES_URL'] ?? process.env['STABLEID_TEST_POSTGRES_URL'];
/** The Redis the bench migrates in, under key prefixes of its own that it removes afterwards; skipped when it does not answer. */
const REDIS_URL = process.env['STABLEID_BENCH_REDIS_URL'] ?? process.env['STABLEID_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
/** The DynamoDB the bench migrates in (tables of its own, deleted afterwards); by default a local endpoint it starts: dynalite behind the tests' transaction proxy. */
const DYNAMODB_URL = process.env['STABLEID_BENCH_DYNAMODB_URL'];
/** Which sources to measure (BENCH_MIGRATE_SOURCES=sqlite,redis,…); all by default, PostgreSQL and Redis when they can be reached. */
const SOURCES = (process.env['BENCH_MIGRATE_SOURCES'] ?? 'sqlite,postgres,redis,dynamodb').split(',').map((name) => name.trim());
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
 * The migration the issue asks to measure, on N orders in each source
 * (BENCH_MIGRATE_N, default 1,000,000, for SQLite and PostgreSQL;
 * BENCH_MIGRATE_REDIS_N, default the smaller of that and 100,000, for
 * Redis; BENCH_MIGRATE_DYNAMODB_N, default the smaller of that and 10,000,
 * for DynamoDB): re-key by a derived TypeID, add it as a new identifier,
 * keep before-images, take the digests and pass the gates — the whole
 * `runMigration` (plan, registration of every legacy number into a fresh
 * registry file, digests, waves, gates), in documents per second. Beside
 * it, on the same fresh data in the same run: the hand-written batched
 * script with the store's own client, and on the SQL stores one set-based
 * SQL statement (the ceiling); see migrate-baselines.ts. Each figure starts
 * from its own fresh copy of the data; loading it is not measured. Three
 * measured runs per figure up to 100,000 orders, one above, where
 * stableid's run takes minutes (BENCH_MIGRATE_RUNS overrides).
 *
 * SQLite always (the embedded source in a temporary file); PostgreSQL when
 * STABLEID_BENCH_POSTGRES_URL (or STABLEID_TEST_POSTGRES_URL) names one;
 * Redis when STABLEID_BENCH_REDIS_URL (or STABLEID_TEST_REDIS_URL, or
 * 127.0.0.1:6379) answers; DynamoDB at STABLEID_BENCH_DYNAMODB_URL, or on a
 * local endpoint the bench starts (dynalite behind the tests' transaction
 * proxy, which runs every write one at a time: its figures compare the two
 * contenders on the same endpoint, not DynamoDB's own speed).
 * BENCH_MIGRATE_SOURCES picks some. The registry and run store are a SQLite
 * file for every source.
 */
const bench: Bench = {
  name: 'migrate',
  async run(log) {
    const batch = batchSetting();
    const dir = mkdtempSync(join(tmpdir(), 'stableid-bench-migrate-'));
    const sources = await contenders(dir, log);
    try {
      log(`  batch ${batch.label}, waves ${ONE_WAVE.join(',')}; warm-up with ${formatNumber(WARM_UP_N)} orders (or fewer) per source`);
      for (const source of sources) {
        const warm = Math.min(source.n, WARM_UP_N);
        await source.prepare(warm);
        await source.ours(warm, { waves: ONE_WAVE, ...batch.options });
        await source.handWritten(warm);
        await source.setBased?.(warm);
      }
      const results: BenchResult[] = [];
      for (const source of sources) {
        const n = source.n;
        const runs = runCount(n);
        log(`  ${source.name}: ${formatNumber(n)} orders, ${runs} measured run(s) per figure`);
        await source.prepare(n);
        const rates = { ours: [] as number[], handWritten: [] as number[], setBased: [] as number[] };
        const perSecond = (ms: number): number => (n * 1000) / ms;
        for (let run = 1; run <= runs; run++) {
          const ours = await source.ours(n, { waves: ONE_WAVE, ...batch.options });
          rates.ours.push(perSecond(ours.ms));
          rates.handWritten.push(perSecond(await source.handWritten(n)));
          if (source.setBased) rates.setBased.push(perSecond(await source.setBased(n)));
          log(
            `  ${source.name} run ${run}/${runs}: stableid ${formatNumber(rates.ours.at(-1) ?? 0)} docs/s (${ours.phases}), ` +
              `hand-written ${formatNumber(rates.handWritten.at(-1) ?? 0)} docs/s` +
              (source.setBased ? `, set-based ${formatNumber(rates.setBased.at(-1) ?? 0)} docs/s` : ''),
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
      for (const source of sources) await source.close?.();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** The contenders of every source to measure, each with its size; a service that cannot be reached is skipped with a line saying so. */
async function contenders(dir: string, log: (line: string) => void): Promise<Contenders[]> {
  const n = size();
  const all: Contenders[] = [];
  if (SOURCES.includes('sqlite')) all.push(new SqliteContenders(dir, n));
  if (SOURCES.includes('postgres')) {
    if (POSTGRES_URL) all.push(new PostgresContenders(POSTGRES_URL, dir, n));
    else log('  PostgreSQL skipped: set STABLEID_BENCH_POSTGRES_URL=postgres://user@host:5432/db to measure it too');
  }
  if (SOURCES.includes('redis')) {
    const unreachable = await redisUnreachable(REDIS_URL);
    if (unreachable === null) all.push(new RedisContenders(REDIS_URL, dir, envInteger('BENCH_MIGRATE_REDIS_N', Math.min(n, 100_000), 1, MAX_ORDERS)));
    else log(`  Redis skipped: ${unreachable} (set STABLEID_BENCH_REDIS_URL=redis://host:port to measure it)`);
  }
  if (SOURCES.includes('dynamodb')) all.push(await DynamoContenders.start(dir, envInteger('BENCH_MIGRATE_DYNAMODB_N', Math.min(n, 10_000), 1, MAX_ORDERS), log));
  return all;
}

async function redisUnreachable(url: string): Promise<string | null> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let cause: Error | undefined;
  redis.on('error', (error: Error) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return `${url.replace(/:[^:@/]*@/, '@')} is unreachable (${(cause ?? (error as Error)).message})`;
  } finally {
    redis.disconnect();
  }
}

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
  const share = ours / handWritten;
  const results: BenchResult[] = [
    {
      name: `${source} migrate`,
      value: ours,
      unit: 'docs/s',
      runs: rates.ours,
      baseline: { name: 'hand-written batches', value: handWritten, unit: 'docs/s' },
      verdict: `target 50% of hand-written: ${share >= TARGET ? 'PASS' : 'FAIL'} (${Math.round(share * 100)}%)`,
    },
  ];
  if (rates.setBased.length > 0) {
    const setBased = median(rates.setBased);
    results.push({
      name: `${source} hand-written`,
      value: handWritten,
      unit: 'docs/s',
      runs: rates.handWritten,
      baseline: { name: 'one set-based statement (ceiling)', value: setBased, unit: 'docs/s' },
      verdict: `stableid at ${Math.round((ours / setBased) * 100)}% of the ceiling`,
    });
  }
  return results;
}

/** One measured run of stableid: its time, and where the time went. */
interface OursRun {
  readonly ms: number;
  readonly phases: string;
}

/** The contenders on one kind of source, each on fresh data of its own. */
interface Contenders {
  readonly name: string;
  /** How many orders the measured runs migrate. */
  readonly n: number;
  /** Makes whatever each run copies its fresh data from. */
  prepare(n: number): Promise<void>;
  ours(n: number, options: RunOptions): Promise<OursRun>;
  handWritten(n: number): Promise<number>;
  /** The ceiling, where the store has one statement for the whole re-key (the SQL stores). */
  setBased?(n: number): Promise<number>;
  /** Stops what the contenders started. */
  close?(): Promise<void>;
}

class SqliteContenders implements Contenders {
  readonly name = 'sqlite';
  readonly n: number;
  readonly #dir: string;
  #template = '';
  #runs = 0;

  constructor(dir: string, n: number) {
    this.#dir = dir;
    this.n = n;
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
  readonly n: number;
  readonly #url: string;
  readonly #dir: string;
  #runs = 0;

  constructor(url: string, dir: string, n: number) {
    this.#url = url;
    this.#dir = dir;
    this.n = n;
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

/** Redis: each run loads its orders under a key prefix of its own, removed afterwards. */
class RedisContenders implements Contenders {
  readonly name = 'redis';
  readonly n: number;
  readonly #url: string;
  readonly #dir: string;
  #runs = 0;

  constructor(url: string, dir: string, n: number) {
    this.#url = url;
    this.#dir = dir;
    this.n = n;
  }

  async prepare(): Promise<void> {}

  ours(n: number, options: RunOptions): Promise<OursRun> {
    return this.#withPrefix(n, 'stableid', async (prefix, registry) => {
      const source = RedisSource.open(withPrefix(this.#url, prefix));
      try {
        return await migrate(await source.collection(COLLECTION), source.description, registry, n, options);
      } finally {
        await source.close();
      }
    });
  }

  handWritten(n: number): Promise<number> {
    return this.#withPrefix(n, 'hand-written script', (prefix) => handWrittenRedis(this.#url, prefix));
  }

  async #withPrefix<T>(n: number, what: string, fn: (prefix: string, registry: string) => Promise<T>): Promise<T> {
    const run = (this.#runs += 1);
    const orders = await redisOrders(this.#url, `bench-migrate-${process.pid}-${run}:`, n);
    const registry = join(this.#dir, `redis-registry-${run}.db`);
    try {
      const result = await fn(orders.prefix, registry);
      checkOutcome(`${what} on redis`, n, await redisOutcome(this.#url, orders.prefix));
      return result;
    } finally {
      await orders.drop();
      removeDatabase(registry);
    }
  }
}

/** DynamoDB: each run loads its orders into a table of its own, deleted afterwards. */
class DynamoContenders implements Contenders {
  readonly name = 'dynamodb';
  readonly n: number;
  readonly #url: string;
  readonly #client: DynamoDBClient;
  readonly #local: DynamoDbLocal | null;
  readonly #dir: string;
  #runs = 0;

  private constructor(url: string, client: DynamoDBClient, local: DynamoDbLocal | null, dir: string, n: number) {
    this.#url = url;
    this.#client = client;
    this.#local = local;
    this.#dir = dir;
    this.n = n;
  }

  /** At STABLEID_BENCH_DYNAMODB_URL, or on a local endpoint started here (with the credentials it takes, unless the environment has some). */
  static async start(dir: string, n: number, log: (line: string) => void): Promise<DynamoContenders> {
    if (DYNAMODB_URL) {
      const target = parseDynamoUrl(DYNAMODB_URL);
      return new DynamoContenders(DYNAMODB_URL, dynamoClient(target.endpoint, target.region), null, dir, n);
    }
    for (const [name, value] of Object.entries(LOCAL_AWS_ENV)) process.env[name] ??= value;
    const local = await startDynamoDbLocal();
    log(`  DynamoDB on a local endpoint (dynalite behind the tests' transaction proxy, every write one at a time) at ${local.endpoint}: set STABLEID_BENCH_DYNAMODB_URL to measure a real one`);
    return new DynamoContenders(local.url(), dynamoClient(local.endpoint, 'local'), local, dir, n);
  }

  async prepare(): Promise<void> {}

  ours(n: number, options: RunOptions): Promise<OursRun> {
    return this.#withTable(n, 'stableid', async (url, registry) => {
      const source = DynamoSource.open(url, { client: this.#client });
      try {
        return await migrate(await source.collection(COLLECTION), source.description, registry, n, options);
      } finally {
        await source.close();
      }
    });
  }

  handWritten(n: number): Promise<number> {
    return this.#withTable(n, 'hand-written script', (_url, _registry, table) => handWrittenDynamo(this.#client, table));
  }

  async close(): Promise<void> {
    this.#client.destroy();
    await this.#local?.stop();
  }

  async #withTable<T>(n: number, what: string, fn: (url: string, registry: string, table: string) => Promise<T>): Promise<T> {
    const run = (this.#runs += 1);
    const prefix = `bench_migrate_${process.pid}_${run}_`;
    const orders = await dynamoOrders(this.#url, this.#client, prefix, n);
    const registry = join(this.#dir, `dynamodb-registry-${run}.db`);
    try {
      const result = await fn(withPrefix(this.#url, prefix), registry, orders.table);
      checkOutcome(`${what} on dynamodb`, n, await dynamoOutcome(this.#client, orders.table));
      return result;
    } finally {
      await orders.drop();
      removeDatabase(registry);
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
