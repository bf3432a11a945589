import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WaveRecord } from '../../src/migrate/runner.js';
import type { RunRecord } from '../../src/migrate/runs/run-store.js';
import { SqliteRunStore } from '../../src/migrate/runs/sqlite-run-store.js';
import { parseServiceManifest, type ServiceManifest } from '../../src/reports/service-manifest.js';
import { SqliteUsageStore } from '../../src/usage/sqlite-usage-store.js';
import { parseUsageReport } from '../../src/usage/usage-report.js';
import type { UsageStore } from '../../src/usage/usage-store.js';
import { Registry } from '../../src/registry/registry.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ORDER, SKU, TestClock, binding, defineOrder, defineSku, legacy, typeId } from '../registry/fixtures.js';

const DAY = 24 * 60 * 60 * 1000;

/** The instant the matrix judges sunsets at, and its usage window ends on. */
export const MATRIX_AT = new Date('2025-04-15T00:00:00.000Z');

export interface ReportFixture {
  readonly registry: Registry;
  readonly clock: TestClock;
  /** The SQLite file the registry, its run records and its usage reports share. */
  readonly path: string;
  readonly runs: SqliteRunStore;
  readonly usage: UsageStore;
  readonly manifests: readonly ServiceManifest[];
  /** Closes every store and removes the file. */
  readonly close: () => Promise<void>;
  /** Closes every store and keeps the file, for a CLI run against it; returns the directory to remove. */
  readonly release: () => Promise<string>;
}

/**
 * A registry whose history spans the first months of 2025, with a
 * deterministic clock (one event per second, days skipped on purpose):
 *
 * - order (v1 ORD-\d{6}, v2 TypeID ord, v3 ULID, v4 UUID), defined 2025-01-01:
 *   ORD-000001 (orders/1) aliased to typeId(1) in v2; ORD-000002 (orders/2);
 *   ORD-000003 bound to orders/2 as well (a second entity on one record); typeId(4) (orders/4).
 *   2025-01-11 ORD-000002 deprecated, sunset 2025-04-30; 2025-01-31 v1 deprecated (sunset
 *   2025-03-31, replacement v2) and v3 deprecated (sunset 2025-02-15); 2025-02-20 v3 archived,
 *   ORD-000003 archived.
 * - sku (legacy integer, catalog pattern): 7 in legacy, 8 in catalog; 2025-02-20 legacy
 *   deprecated, sunset 2025-12-31, replacement catalog.
 *
 * Runs: order-v2 completed in two waves; order-v3-keys in its second of four waves;
 * sku-catalog failed at its first gate; order-shards recorded, not started.
 *
 * Usage (window ending 2025-04-15): billing's own lookups of order/v1 after the v1 sunset
 * and of order/v2; checkout's shim saw partner-x send order/v1 before the sunset and
 * mobile-app and checkout itself use order/v2; search used sku/legacy (no manifest).
 *
 * Manifests: billing, checkout and reports (which declares an archived scheme, an unknown
 * scheme and an unknown namespace, and never reports usage).
 */
export async function openReportFixture(): Promise<ReportFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'stableid-reports-'));
  const path = join(dir, 'registry.db');
  const clock = new TestClock();
  let counter = 0;
  const registry = new Registry(SqliteStore.open(path), { clock: clock.read, actor: 'test', newEntityId: () => `ent_${String((counter += 1)).padStart(6, '0')}` });
  await defineOrder(registry);
  await defineSku(registry);
  await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('1') });
  await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1), migration: 'order-v2' });
  await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(2), binding: binding('2') });
  await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(3), binding: binding('2') });
  await registry.register({ namespace: ORDER, scheme: 'v2', value: typeId(4), binding: binding('4') });
  await registry.register({ namespace: SKU, scheme: 'legacy', value: '7' });
  await registry.register({ namespace: SKU, scheme: 'catalog', value: '8' });
  clock.advance(10 * DAY);
  await registry.deprecate({ namespace: ORDER, identifier: { value: legacy(2) }, sunset: '2025-04-30' });
  clock.advance(20 * DAY);
  await registry.deprecateScheme(ORDER, 'v1', '2025-03-31', 'v2');
  await registry.deprecateScheme(ORDER, 'v3', '2025-02-15', 'v2');
  clock.advance(20 * DAY);
  await registry.archiveScheme(ORDER, 'v3');
  await registry.archive({ namespace: ORDER, identifier: { value: legacy(3) } });
  await registry.deprecateScheme(SKU, 'legacy', '2025-12-31', 'catalog');

  const runs = SqliteRunStore.open(path);
  for (const run of RUNS) await runs.createRun(run);

  const usage = SqliteUsageStore.open(path);
  for (const [input, receivedAt] of USAGE_REPORTS) {
    await usage.record(parseUsageReport(input, receivedAt), { at: receivedAt, actor: 'usage-bot' });
  }
  const release = async (): Promise<string> => {
    await usage.close();
    await runs.close();
    await registry.close();
    return dir;
  };
  return {
    registry,
    clock,
    path,
    runs,
    usage,
    manifests: MANIFESTS.map((manifest, index) => parseServiceManifest(manifest, `manifest-${index}.json`)),
    release,
    close: async () => {
      rmSync(await release(), { recursive: true, force: true });
    },
  };
}

const wave = (number: number, percent: number, finishedAt: string, ok = true, written = 10, failed = 0): WaveRecord =>
  ({
    wave: number,
    percent,
    counts: { seen: written + failed, written, skipped: 0, conflicts: 0, failed },
    digest: { count: 0, root: '', ranges: [] },
    gate: { ok, reasons: ok ? [] : ['2 identifiers missing after the wave'], duplicated: [], missing: [] },
    finishedAt,
  }) as unknown as WaveRecord;

const run = (fields: Partial<RunRecord> & Pick<RunRecord, 'id' | 'migration' | 'namespace' | 'status' | 'waves' | 'wave' | 'createdAt' | 'updatedAt'>, waves: WaveRecord[], extra: Record<string, unknown> = {}): RunRecord => ({
  collection: fields.namespace === ORDER ? 'orders' : 'skus',
  source: 'sqlite:/data/app.db',
  actor: 'alice',
  ...fields,
  details: JSON.parse(JSON.stringify({ waves, ...extra })),
});

export const RUNS: readonly RunRecord[] = [
  run(
    { id: 'run_0001', migration: 'order-v2', namespace: ORDER, status: 'completed', waves: [10, 100], wave: 1, createdAt: '2025-02-01T10:00:00.000Z', updatedAt: '2025-02-02T09:00:00.000Z' },
    [wave(1, 10, '2025-02-01T10:05:00.000Z'), wave(2, 100, '2025-02-02T09:00:00.000Z', true, 90)],
    { finishedAt: '2025-02-02T09:00:00.000Z' },
  ),
  run(
    { id: 'run_0002', migration: 'order-v3-keys', namespace: ORDER, status: 'running', waves: [1, 10, 50, 100], wave: 1, createdAt: '2025-03-03T08:00:00.000Z', updatedAt: '2025-03-04T08:00:00.000Z' },
    [wave(1, 1, '2025-03-03T08:30:00.000Z', true, 1)],
  ),
  run(
    { id: 'run_0003', migration: 'sku-catalog', namespace: SKU, status: 'failed', waves: [50, 100], wave: 0, createdAt: '2025-03-05T07:00:00.000Z', updatedAt: '2025-03-05T07:10:00.000Z' },
    [wave(1, 50, '2025-03-05T07:10:00.000Z', false, 3, 2)],
    { failure: { code: 'GATE_FAILED', wave: 1, reasons: ['2 identifiers missing after the wave'] } },
  ),
  run({ id: 'run_0004', migration: 'order-shards', namespace: ORDER, status: 'pending', waves: [100], wave: 0, createdAt: '2025-03-10T12:00:00.000Z', updatedAt: '2025-03-10T12:00:00.000Z' }, []),
];

const USAGE_REPORTS: readonly [unknown, Date][] = [
  [
    {
      reportId: 'billing-0001',
      service: 'billing',
      serviceVersion: '4.1.0',
      at: '2025-04-02T06:00:00.000Z',
      counts: [
        { namespace: ORDER, scheme: 'v1', requests: 120, deprecated: 120 },
        { namespace: ORDER, scheme: 'v2', requests: 3400 },
      ],
    },
    new Date('2025-04-02T06:00:01.000Z'),
  ],
  [
    {
      reportId: 'checkout-0001',
      service: 'checkout',
      at: '2025-03-15T12:00:00.000Z',
      counts: [{ namespace: ORDER, scheme: 'v1', caller: 'partner-x', requests: 15, deprecated: 15 }],
    },
    new Date('2025-03-15T12:00:00.000Z'),
  ],
  [
    {
      reportId: 'checkout-0002',
      service: 'checkout',
      at: '2025-04-10T12:00:00.000Z',
      counts: [
        { namespace: ORDER, scheme: 'v2', caller: 'mobile-app', requests: 40 },
        { namespace: ORDER, scheme: 'v2', requests: 500 },
      ],
    },
    new Date('2025-04-10T12:00:00.000Z'),
  ],
  [{ reportId: 'search-0001', service: 'search', at: '2025-04-12T00:00:00.000Z', counts: [{ namespace: SKU, scheme: 'legacy', requests: 30, deprecated: 0 }] }, new Date('2025-04-12T00:00:00.000Z')],
  // Outside a 90-day window ending 2025-04-15: not shown.
  [{ reportId: 'search-0000', service: 'search', at: '2025-01-10T00:00:00.000Z', counts: [{ namespace: SKU, scheme: 'catalog', requests: 1 }] }, new Date('2025-01-10T00:00:00.000Z')],
];

export const MANIFESTS: readonly unknown[] = [
  {
    manifestVersion: 1,
    service: 'billing',
    version: '4.1.0',
    owner: 'team-billing',
    namespaces: { order: { accepts: ['v1', 'v2'], emits: ['v2'], limitations: ['Invoices issued before 2024 print v1 numbers'] } },
  },
  {
    service: 'checkout',
    version: '2.3.1',
    owner: 'team-checkout',
    namespaces: { order: { accepts: ['v1', 'v2', 'v4'], emits: ['v2'], limitations: ['v1 is accepted on /orders/legacy only'] } },
    limitations: ['Refuses values holding "<", ">" or "&" (legacy <form> handling)'],
  },
  {
    service: 'reports',
    namespaces: { order: { accepts: ['v3', 'v9'] }, invoice: { accepts: ['v1'] } },
  },
];

/**
 * Compares `actual` with the expected file of that name; with
 * STABLEID_UPDATE_EXPECTED=1 (re)writes the file instead. The files are
 * kept under test/reports/expected/ and reviewed like code.
 */
export function assertExpected(name: string, actual: string): void {
  const path = join(fileURLToPath(new URL('./expected/', import.meta.url)), name);
  if (process.env['STABLEID_UPDATE_EXPECTED'] === '1') {
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) assert.fail(`expected file ${path} is missing: run with STABLEID_UPDATE_EXPECTED=1 to write it, then review it`);
  assert.equal(actual, readFileSync(path, 'utf8'), `output differs from ${path} (STABLEID_UPDATE_EXPECTED=1 rewrites it)`);
}
