import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openTokenStore } from '../src/auth/open-token-store.js';
import { type ImportProgress, importFile } from '../src/import/import-file.js';
import { Registry } from '../src/registry/registry.js';
import { SqliteStore } from '../src/store/sqlite/index.js';
import { formatNumber } from './bench.js';
import { writeOrderFiles } from './order-files.js';

/** Bump when what the file holds changes, so that no run reuses an older one. */
const FIXTURE_VERSION = 1;
/** `ORD-\d{7}` numbers at most this many orders. */
export const MAX_ORDERS = 9_999_999;
/** The namespace and schemes of bench/order-files.ts: orders registered in v1 (`ORD-0000001`), aliased into v2 (TypeID `ord_…`). */
export const NAMESPACE = 'order';
export const SCHEMES = { legacy: 'v1', current: 'v2' } as const;

export const orderNumber = (i: number): string => `ORD-${String(i).padStart(7, '0')}`;

/**
 * The path of a SQLite registry holding orders 1…n: each registered as
 * `ORD-<7 digits>` in scheme v1 with a binding, and aliased into scheme v2
 * (TypeID, prefix ord), with the token store `stableid serve` opens beside
 * it. Built once per n into the temp directory and reused by later runs; it
 * is built under a temporary name and renamed when complete, so an
 * interrupted build is never reused.
 */
export async function registryFile(n: number, log: (line: string) => void): Promise<string> {
  if (!Number.isInteger(n) || n < 1 || n > MAX_ORDERS) throw new Error(`the registry holds 1 to ${MAX_ORDERS} orders, not ${n}`);
  const path = join(tmpdir(), `stableid-bench-http-${n}-v${FIXTURE_VERSION}.db`);
  if (existsSync(path)) {
    log(`  reusing ${path}`);
    return path;
  }
  log(`  building ${path} (${formatNumber(n)} orders, 2 identifiers each); later runs reuse it`);
  const work = mkdtempSync(join(tmpdir(), 'stableid-bench-http-build-'));
  try {
    const files = writeOrderFiles(work, 'orders', n, orderNumber);
    const partial = join(work, 'registry.db');
    const registry = new Registry(SqliteStore.open(partial));
    try {
      await registry.createNamespace({ name: NAMESPACE, owner: 'orders-team' });
      await registry.addScheme(NAMESPACE, SCHEMES.legacy, { kind: 'pattern', pattern: 'ORD-\\d{7}', maxLength: 11 });
      await registry.addScheme(NAMESPACE, SCHEMES.current, { kind: 'typeid', prefix: 'ord' });
      for (const [pass, file] of [['register', files.register], ['alias', files.alias]] as const) {
        const started = performance.now();
        const report = await importFile(registry, { path: file, onProgress: progressLog(log, pass, n, started) });
        if (report.written !== n || report.failed !== 0) throw new Error(`${pass} pass wrote ${report.written} of ${n} (${report.failed} failed)`);
        log(`  ${pass}: ${formatNumber(n)} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      }
    } finally {
      await registry.close();
    }
    await openTokenStore(partial).close();
    // Fold the write-ahead log into the file, so that the rename moves all of it.
    const db = new Database(partial);
    try {
      db.pragma('journal_mode = DELETE');
    } finally {
      db.close();
    }
    renameSync(partial, path);
    return path;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A progress line at most every 10% of the pass. */
function progressLog(log: (line: string) => void, pass: string, n: number, started: number): (progress: ImportProgress) => void {
  const step = Math.max(1, Math.ceil(n / 10));
  let next = step;
  return ({ done }) => {
    if (done < next || done >= n) return;
    next = (Math.floor(done / step) + 1) * step;
    const rate = (done * 1000) / (performance.now() - started);
    log(`  ${pass}: ${formatNumber(done)}/${formatNumber(n)} (${formatNumber(rate)} ids/s)`);
  };
}
