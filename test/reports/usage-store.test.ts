import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openUsageStore } from '../../src/usage/open-usage-store.js';
import { PostgresUsageStore } from '../../src/usage/postgres-usage-store.js';
import { SqliteUsageStore } from '../../src/usage/sqlite-usage-store.js';
import { parseUsageReport } from '../../src/usage/usage-report.js';
import { REPORT_ID_RETENTION_DAYS, type UsageStore } from '../../src/usage/usage-store.js';
import { postgresSkip } from '../conformance/postgres-env.js';
import { type RawPlace, postgresPlace, sqlitePlace } from '../conformance/raw-place.js';

interface UsageStoreKind {
  readonly name: string;
  readonly skip: string | false;
  place(): RawPlace;
  open(place: RawPlace): UsageStore;
}

const open = (place: RawPlace): UsageStore => {
  const { target } = place;
  return place.own(target.kind === 'sqlite' ? SqliteUsageStore.open(target.path) : PostgresUsageStore.open(target.url, { schema: target.schema }));
};

/** Every kind of usage store; a new backend is one more entry. */
const KINDS: UsageStoreKind[] = [
  { name: 'sqlite', skip: false, place: () => sqlitePlace('stableid-usage-'), open },
  { name: 'postgres', skip: await postgresSkip(), place: () => postgresPlace(), open },
];

const NOW = new Date('2025-04-15T12:00:00.000Z');
const later = (days: number): Date => new Date(NOW.getTime() + days * 24 * 60 * 60 * 1000);
const code = (expected: string, rule?: string) => (error: unknown) => {
  const e = error as { code?: unknown; context?: Record<string, unknown> };
  return e.code === expected && (rule === undefined || e.context?.['rule'] === rule);
};

const report = (id: string, counts: unknown[], at = '2025-04-15T10:00:00.000Z', service = 'billing') => parseUsageReport({ reportId: id, service, at, counts }, new Date(Date.parse(at) + 1000));

for (const kind of KINDS) {
  describe(`${kind.name} usage store`, { skip: kind.skip }, () => {
    let place: RawPlace;
    let store: UsageStore;
    beforeEach(() => {
      place = kind.place();
      store = kind.open(place);
    });
    afterEach(async () => place.dispose());

    it('adds reports up per service, caller, namespace, scheme and day', async () => {
      assert.deepEqual(await store.totals(), []);
      await store.record(report('report-0001', [{ namespace: 'order', scheme: 'v1', requests: 3, deprecated: 2 }, { namespace: 'order', scheme: 'v2', caller: 'partner', requests: 1 }]), { at: NOW, actor: 'bot' });
      await store.record(report('report-0002', [{ namespace: 'order', scheme: 'v1', requests: 4 }], '2025-04-14T23:59:59.000Z'), { at: NOW, actor: 'bot' });
      await store.record(report('report-0003', [{ namespace: 'order', scheme: 'v1', requests: 5, deprecated: 5 }], '2025-04-15T11:00:00.000Z', 'checkout'), { at: NOW, actor: 'bot' });
      assert.deepEqual(await store.totals(), [
        { service: 'billing', caller: 'billing', namespace: 'order', scheme: 'v1', requests: 7, deprecated: 2, firstDay: '2025-04-14', lastDay: '2025-04-15', lastSeen: '2025-04-15T10:00:00.000Z' },
        { service: 'checkout', caller: 'checkout', namespace: 'order', scheme: 'v1', requests: 5, deprecated: 5, firstDay: '2025-04-15', lastDay: '2025-04-15', lastSeen: '2025-04-15T11:00:00.000Z' },
        { service: 'billing', caller: 'partner', namespace: 'order', scheme: 'v2', requests: 1, deprecated: 0, firstDay: '2025-04-15', lastDay: '2025-04-15', lastSeen: '2025-04-15T10:00:00.000Z' },
      ]);
      assert.deepEqual((await store.totals({ from: '2025-04-15' })).map((t) => [t.service, t.scheme, t.requests]), [['billing', 'v1', 3], ['checkout', 'v1', 5], ['billing', 'v2', 1]]);
      assert.deepEqual((await store.totals({ to: '2025-04-14' })).map((t) => [t.service, t.scheme, t.requests]), [['billing', 'v1', 4]]);
      await assert.rejects(store.totals({ from: '15.4.2025' }), code('INVALID_ARGUMENT'));
    });

    it('counts a retried report once, and refuses its id for another report without writing anything', async () => {
      const first = report('report-0001', [{ namespace: 'order', scheme: 'v1', requests: 3 }]);
      assert.deepEqual(await store.record(first, { at: NOW, actor: 'bot' }), { report: 'report-0001', recorded: true, counts: 1 });
      assert.deepEqual(await store.record(first, { at: later(1), actor: 'bot' }), { report: 'report-0001', recorded: false, counts: 1 });
      const other = report('report-0001', [{ namespace: 'order', scheme: 'v1', requests: 3 }, { namespace: 'order', scheme: 'v2', requests: 9 }]);
      await assert.rejects(store.record(other, { at: NOW, actor: 'bot' }), code('INVALID_ARGUMENT', 'usage.report-reused'));
      assert.deepEqual((await store.totals()).map((t) => [t.scheme, t.requests]), [['v1', 3]]);
    });

    it('counts a report received by two replicas at once exactly once', async () => {
      const second = kind.open(place);
      const same = report('report-race', [{ namespace: 'order', scheme: 'v1', requests: 2 }]);
      const outcomes = await Promise.all([store.record(same, { at: NOW, actor: 'a' }), second.record(same, { at: NOW, actor: 'b' })]);
      assert.deepEqual(outcomes.map((o) => o.recorded).sort(), [false, true]);
      assert.deepEqual((await store.totals()).map((t) => t.requests), [2]);
    });

    it(`forgets report ids after ${REPORT_ID_RETENTION_DAYS} days, longer than a report may be late`, async () => {
      await store.record(report('report-old1', [{ namespace: 'order', scheme: 'v1', requests: 1 }]), { at: NOW, actor: 'bot' });
      await store.record(report('report-new1', [{ namespace: 'order', scheme: 'v1', requests: 1 }], '2025-05-20T00:00:00.000Z'), { at: later(REPORT_ID_RETENTION_DAYS + 1), actor: 'bot' });
      const rows = await place.query('SELECT id FROM usage_reports ORDER BY id');
      assert.deepEqual(rows.map((row) => row['id']), ['report-new1']);
      assert.throws(() => parseUsageReport({ reportId: 'report-old1', service: 'billing', at: '2025-04-15T10:00:00.000Z', counts: [{ namespace: 'order', scheme: 'v1', requests: 1 }] }, later(REPORT_ID_RETENTION_DAYS + 1)), code('INVALID_ARGUMENT'), 'such a retry is too late to be taken');
    });

    it('keeps its schema version in a table of its own and opens again', async () => {
      // PostgreSQL creates the tables on first use.
      assert.deepEqual(await store.totals(), []);
      const versions = await place.query('SELECT version, name FROM usage_schema');
      assert.deepEqual(versions.map((row) => Number(row['version'])), [1]);
      await store.close();
      const again = kind.open(place);
      assert.deepEqual(await again.totals(), []);
      await store.close();
      await assert.rejects(store.totals(), code('STORE_UNAVAILABLE'));
    });

    it('is opened beside the registry by reference', async () => {
      const beside = place.own(openUsageStore(place.reference));
      await beside.record(report('report-ref1', [{ namespace: 'order', scheme: 'v1', requests: 1 }]), { at: NOW, actor: 'bot' });
      assert.deepEqual((await store.totals()).map((t) => t.requests), [1]);
    });
  });
}

describe('usage reports', () => {
  const valid = { reportId: 'report-0001', service: 'billing', at: '2025-04-15T10:00:00Z', counts: [{ namespace: 'order', scheme: 'v1', requests: 1 }] };

  it('read a valid report with defaults', () => {
    assert.deepEqual(parseUsageReport(valid, NOW), {
      id: 'report-0001',
      service: 'billing',
      serviceVersion: null,
      at: '2025-04-15T10:00:00.000Z',
      counts: [{ namespace: 'order', scheme: 'v1', caller: 'billing', requests: 1, deprecated: 0 }],
    });
  });

  it('refuse what is malformed, naming the field', () => {
    const row = valid.counts[0];
    const cases: [unknown, string][] = [
      [null, 'body'],
      [{ ...valid, extra: true }, 'extra'],
      [{ ...valid, reportId: 'short' }, 'reportId'],
      [{ ...valid, reportId: 'has space 123' }, 'reportId'],
      [{ ...valid, service: '' }, 'service'],
      [{ ...valid, service: 'x\u0000y' }, 'service'],
      [{ ...valid, serviceVersion: 7 }, 'serviceVersion'],
      [{ ...valid, at: 'yesterday' }, 'at'],
      [{ ...valid, at: '2025-03-01T00:00:00Z' }, 'at'],
      [{ ...valid, at: '2025-04-17T00:00:00Z' }, 'at'],
      [{ ...valid, counts: [] }, 'counts'],
      [{ ...valid, counts: {} }, 'counts'],
      [{ ...valid, counts: [row, row] }, 'counts[1]'],
      [{ ...valid, counts: [{ ...row, namespace: 'Order' }] }, 'counts[0].namespace'],
      [{ ...valid, counts: [{ ...row, scheme: 1 }] }, 'counts[0].scheme'],
      [{ ...valid, counts: [{ ...row, requests: 0 }] }, 'counts[0].requests'],
      [{ ...valid, counts: [{ ...row, requests: 1.5 }] }, 'counts[0].requests'],
      [{ ...valid, counts: [{ ...row, deprecated: 2 }] }, 'counts[0].deprecated'],
      [{ ...valid, counts: [{ ...row, caller: ' x' }] }, 'counts[0].caller'],
      [{ ...valid, counts: [{ ...row, other: 1 }] }, 'counts[0].other'],
    ];
    for (const [input, field] of cases) {
      assert.throws(() => parseUsageReport(input, NOW), (error: { code?: string; context?: { field?: string } }) => error.code === 'INVALID_ARGUMENT' && error.context?.field === field, JSON.stringify(input));
    }
    assert.throws(() => parseUsageReport({ ...valid, counts: [row, { ...row, scheme: 'v2' }] }, NOW, 1), code('INVALID_ARGUMENT'), 'more rows than allowed');
  });
});
