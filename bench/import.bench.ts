import { randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { TypeID } from 'typeid-js';
import { importFile } from '../src/import/import-file.js';
import { openFileStream } from '../src/import/file-stream.js';
import { splitLines } from '../src/import/lines.js';
import { Registry } from '../src/registry/registry.js';
import { SqliteStore } from '../src/store/sqlite/index.js';
import { type Bench, type BenchResult, formatNumber, median, timed } from './bench.js';

/** The floor the import must hold on an ordinary machine, in identifiers per second. */
const FLOOR = 50_000;
const RUNS = 3;
const WARM_UP_N = 20_000;

/**
 * Bulk import of legacy order numbers: N identifiers `ORD-000001…` with
 * bindings registered into a fresh SQLite file registry (scheme v1, a
 * pattern), then each aliased into a TypeID scheme v2 (prefix ord). Beside
 * it, the baseline a team would otherwise write: a plain mapping table filled
 * from the same file with one prepared INSERT in one transaction.
 */
const bench: Bench = {
  name: 'import',
  async run(log) {
    const n = size();
    const dir = mkdtempSync(join(tmpdir(), 'stableid-bench-'));
    try {
      const warm = fixtures(dir, 'warm', Math.min(n, WARM_UP_N));
      const full = n <= WARM_UP_N ? warm : fixtures(dir, 'full', n);
      log(`  ${formatNumber(n)} identifiers; warm-up with ${formatNumber(warm.n)}`);
      await registryRun(join(dir, 'warm.db'), warm);
      baselineRun(join(dir, 'warm-baseline.db'), warm);

      const register: number[] = [];
      const alias: number[] = [];
      const baseline: number[] = [];
      for (let run = 1; run <= RUNS; run++) {
        const rates = await registryRun(join(dir, `run-${run}.db`), full);
        register.push(rates.register);
        alias.push(rates.alias);
        baseline.push(await baselineRun(join(dir, `run-${run}-baseline.db`), full));
        log(
          `  run ${run}/${RUNS}: register ${formatNumber(rates.register)} ids/s, alias ${formatNumber(rates.alias)} ids/s, ` +
            `baseline ${formatNumber(baseline.at(-1) ?? 0)} rows/s`,
        );
      }
      const mapping = { name: 'mapping table', value: median(baseline), unit: 'rows/s' };
      return [result('register', register, mapping), result('alias', alias, mapping)];
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

function result(name: string, runs: number[], baseline: BenchResult['baseline']): BenchResult {
  const value = median(runs);
  const verdict = `floor ${formatNumber(FLOOR)} ids/s: ${value >= FLOOR ? 'PASS' : 'FAIL'}`;
  return { name, value, unit: 'ids/s', runs, ...(baseline ? { baseline } : {}), verdict };
}

interface Fixtures {
  readonly n: number;
  readonly register: string;
  readonly alias: string;
}

/** Writes the two NDJSON files for `n` orders, a batch of lines at a time. */
function fixtures(dir: string, name: string, n: number): Fixtures {
  const files = { n, register: join(dir, `${name}-register.ndjson`), alias: join(dir, `${name}-alias.ndjson`) };
  const register = openSync(files.register, 'w');
  const alias = openSync(files.alias, 'w');
  try {
    for (let from = 1; from <= n; from += 10_000) {
      const registerLines: string[] = [];
      const aliasLines: string[] = [];
      for (let i = from; i < Math.min(from + 10_000, n + 1); i++) {
        const legacy = `ORD-${String(i).padStart(6, '0')}`;
        registerLines.push(
          JSON.stringify({ op: 'register', namespace: 'order', scheme: 'v1', value: legacy, binding: { store: 'legacy-pg', collection: 'orders', key: String(i) } }),
        );
        aliasLines.push(JSON.stringify({ op: 'alias', namespace: 'order', from: { scheme: 'v1', value: legacy }, scheme: 'v2', value: orderTypeId(i), migration: 'm1' }));
      }
      writeSync(register, `${registerLines.join('\n')}\n`);
      writeSync(alias, `${aliasLines.join('\n')}\n`);
    }
  } finally {
    closeSync(register);
    closeSync(alias);
  }
  return files;
}

/** A deterministic TypeID: a UUIDv7 whose timestamp and random bits come from a counter. */
function orderTypeId(i: number): string {
  const time = (1_700_000_000_000 + i).toString(16).padStart(12, '0');
  const counter = i.toString(16).padStart(15, '0');
  const uuid = `${time.slice(0, 8)}-${time.slice(8)}-7000-8${counter.slice(0, 3)}-${counter.slice(3)}`;
  return TypeID.fromUUID('ord', uuid).toString();
}

/** Both passes into a fresh registry file; identifiers per second of each. */
async function registryRun(path: string, files: Fixtures): Promise<{ register: number; alias: number }> {
  const registry = new Registry(SqliteStore.open(path));
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
    return { register: (files.n * 1000) / register.ms, alias: (files.n * 1000) / alias.ms };
  } finally {
    await registry.close();
  }
}

/** The hand-written alternative: one mapping table, one prepared INSERT, one transaction; rows per second. */
async function baselineRun(path: string, files: Fixtures): Promise<number> {
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
