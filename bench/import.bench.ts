import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { importFile } from '../src/import/import-file.js';
import { openFileStream } from '../src/import/file-stream.js';
import { splitLines } from '../src/import/lines.js';
import { Registry } from '../src/registry/registry.js';
import { PostgresStore } from '../src/store/postgres/index.js';
import { SqliteStore } from '../src/store/sqlite/index.js';
import type { Store } from '../src/store/store.js';
import { type Bench, type BenchResult, formatNumber, median, timed } from './bench.js';
import { type OrderFiles, writeOrderFiles } from './order-files.js';
import { postgresFloorMs, sqliteFloorMs } from './storage-floor.js';

const legacyNumber = (i: number): string => `ORD-${String(i).padStart(6, '0')}`;

/** The floors the import must hold on an ordinary machine, in identifiers per second. */
const FLOOR = { sqlite: 50_000, postgres: 30_000 } as const;
/** The PostgreSQL the bench imports into, in a schema of its own that it drops afterwards; without one, SQLite only. */
const POSTGRES_URL = process.env['STABLEID_BENCH_POSTGRES_URL'] ?? process.env['STABLEID_TEST_POSTGRES_URL'];
const RUNS = 3;
const WARM_UP_N = 20_000;

/**
 * Bulk import of legacy order numbers: N identifiers `ORD-000001…` with
 * bindings registered into a fresh registry (scheme v1, a pattern), then each
 * aliased into a TypeID scheme v2 (prefix ord) — into a SQLite file, and into
 * PostgreSQL when STABLEID_BENCH_POSTGRES_URL (or STABLEID_TEST_POSTGRES_URL)
 * names one. Beside SQLite, the baseline a team would otherwise write: a
 * plain mapping table filled from the same file with one prepared INSERT in
 * one transaction; beside PostgreSQL, the SQLite figure of the same run.
 */
const bench: Bench = {
  name: 'import',
  async run(log) {
    const n = size();
    const dir = mkdtempSync(join(tmpdir(), 'stableid-bench-'));
    try {
      const warm = writeOrderFiles(dir, 'warm', Math.min(n, WARM_UP_N), legacyNumber);
      const full = n <= WARM_UP_N ? warm : writeOrderFiles(dir, 'full', n, legacyNumber);
      log(`  ${formatNumber(n)} identifiers; warm-up with ${formatNumber(warm.n)}`);
      if (!POSTGRES_URL) log('  PostgreSQL skipped: set STABLEID_BENCH_POSTGRES_URL=postgres://user@host:5432/db to measure it too');
      await registryRun(() => sqliteStore(join(dir, 'warm.db')), warm);
      baselineRun(join(dir, 'warm-baseline.db'), warm);
      if (POSTGRES_URL) await registryRun(postgresStore(POSTGRES_URL), warm);

      const runs = {
        register: [] as number[],
        alias: [] as number[],
        both: [] as number[],
        baseline: [] as number[],
        rowsOnly: [] as number[],
        pgRegister: [] as number[],
        pgAlias: [] as number[],
        pgBoth: [] as number[],
        pgRowsOnly: [] as number[],
      };
      // Both passes write 2 identifiers per order: the rate of the two together, and of their rows alone.
      const perSecond = (ms: number): number => (2 * full.n * 1000) / ms;
      for (let run = 1; run <= RUNS; run++) {
        const file = join(dir, `run-${run}.db`);
        const rates = await registryRun(() => sqliteStore(file), full);
        runs.register.push(rates.register);
        runs.alias.push(rates.alias);
        runs.both.push(perSecond(rates.ms));
        runs.baseline.push(await baselineRun(join(dir, `run-${run}-baseline.db`), full));
        runs.rowsOnly.push(perSecond(sqliteFloorMs(file, join(dir, `run-${run}-rows.db`))));
        let line =
          `  run ${run}/${RUNS}: sqlite register ${formatNumber(rates.register)} ids/s, alias ${formatNumber(rates.alias)} ids/s, ` +
          `rows alone ${formatNumber(runs.rowsOnly.at(-1) ?? 0)} ids/s, baseline ${formatNumber(runs.baseline.at(-1) ?? 0)} rows/s`;
        if (POSTGRES_URL) {
          const pgRates = await registryRun(postgresStore(POSTGRES_URL), full);
          runs.pgRegister.push(pgRates.register);
          runs.pgAlias.push(pgRates.alias);
          runs.pgBoth.push(perSecond(pgRates.ms));
          runs.pgRowsOnly.push(perSecond(await postgresFloorMs(file, POSTGRES_URL)));
          line += `; postgres register ${formatNumber(pgRates.register)} ids/s, alias ${formatNumber(pgRates.alias)} ids/s, rows alone ${formatNumber(runs.pgRowsOnly.at(-1) ?? 0)} ids/s`;
        }
        log(line);
      }
      const mapping = { name: 'mapping table', value: median(runs.baseline), unit: 'rows/s' };
      const results = [
        result('register', FLOOR.sqlite, runs.register, mapping),
        result('alias', FLOOR.sqlite, runs.alias, mapping),
        result('both passes', FLOOR.sqlite, runs.both, { name: 'same rows, no logic', value: median(runs.rowsOnly), unit: 'ids/s' }),
      ];
      if (POSTGRES_URL) {
        results.push(
          result('postgres register', FLOOR.postgres, runs.pgRegister, { name: 'sqlite register', value: median(runs.register), unit: 'ids/s' }),
          result('postgres alias', FLOOR.postgres, runs.pgAlias, { name: 'sqlite alias', value: median(runs.alias), unit: 'ids/s' }),
          result('postgres both passes', FLOOR.postgres, runs.pgBoth, { name: 'same rows COPY, no logic', value: median(runs.pgRowsOnly), unit: 'ids/s' }),
        );
      }
      return results;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;

function size(): number {
  const raw = process.env['BENCH_N'] ?? '200000';
  const n = Number(raw);
  // ORD-\d{6} numbers at most 999,999 orders.
  if (!Number.isInteger(n) || n < 1 || n > 999_999) throw new Error(`BENCH_N must be an integer from 1 to 999999, got ${JSON.stringify(raw)}`);
  return n;
}

function result(name: string, floor: number, runs: number[], baseline: BenchResult['baseline']): BenchResult {
  const value = median(runs);
  const verdict = `floor ${formatNumber(floor)} ids/s: ${value >= floor ? 'PASS' : 'FAIL'}`;
  return { name, value, unit: 'ids/s', runs, ...(baseline ? { baseline } : {}), verdict };
}

/** A store to import into, and what to clean up once the registry is closed. */
interface BenchStore {
  readonly store: Store;
  readonly dispose: () => Promise<void>;
}

const sqliteStore = (path: string): BenchStore => ({ store: SqliteStore.open(path), dispose: async () => undefined });

/** Each call opens a store in a fresh schema, dropped by dispose. */
function postgresStore(url: string): () => BenchStore {
  return () => {
    const schema = `bench_${process.pid}_${Date.now()}`;
    return {
      store: PostgresStore.open(url, { schema }),
      dispose: async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await client.end();
        }
      },
    };
  };
}

/** Both passes into a fresh registry; identifiers per second of each. */
async function registryRun(open: () => BenchStore, files: OrderFiles): Promise<{ register: number; alias: number; ms: number }> {
  const { store, dispose } = open();
  const registry = new Registry(store);
  try {
    await registry.createNamespace({ name: 'order', owner: 'orders-team' });
    await registry.addScheme('order', 'v1', { kind: 'pattern', pattern: 'ORD-\\d{6}', maxLength: 10 });
    await registry.addScheme('order', 'v2', { kind: 'typeid', prefix: 'ord' });
    const register = await timed(() => importFile(registry, { path: files.register }));
    const alias = await timed(() => importFile(registry, { path: files.alias }));
    for (const [pass, { result }] of [['register', register], ['alias', alias]] as const) {
      if (result.written !== files.n || result.failed !== 0) {
        throw new Error(`${pass} pass wrote ${result.written} of ${files.n} (${result.failed} failed): the bench measures nothing`);
      }
    }
    return { register: (files.n * 1000) / register.ms, alias: (files.n * 1000) / alias.ms, ms: register.ms + alias.ms };
  } finally {
    await registry.close();
    await dispose();
  }
}

/** The hand-written alternative: one mapping table, one prepared INSERT, one transaction; rows per second. */
async function baselineRun(path: string, files: OrderFiles): Promise<number> {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE mapping (legacy TEXT PRIMARY KEY, entity TEXT NOT NULL, store TEXT, collection TEXT, key TEXT)');
    const insert = db.prepare('INSERT INTO mapping (legacy, entity, store, collection, key) VALUES (?, ?, ?, ?, ?)');
    const { ms } = await timed(async () => {
      db.exec('BEGIN');
      const stream = await openFileStream(files.register, 'utf8');
      for await (const lines of splitLines(stream as AsyncIterable<string>)) {
        for (const line of lines) {
          if (!line) continue;
          const row = JSON.parse(line) as { value: string; binding: { store: string; collection: string; key: string } };
          insert.run(row.value, randomUUID(), row.binding.store, row.binding.collection, row.binding.key);
        }
      }
      db.exec('COMMIT');
    });
    return (files.n * 1000) / ms;
  } finally {
    db.close();
  }
}
