import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CompatibilityMatrix, buildCompatibilityMatrix } from '../../src/reports/compatibility-matrix.js';
import { gatherMatrix } from '../../src/reports/gather.js';
import { matrixHtml, matrixMarkdown } from '../../src/reports/render-matrix.js';
import { parseServiceManifest } from '../../src/reports/service-manifest.js';
import type { ErrorCode } from '../../src/model/errors.js';
import { type ReportFixture, MATRIX_AT, assertExpected, openReportFixture } from './fixtures.js';

const code = (expected: ErrorCode, field?: string) => (error: unknown) => {
  const e = error as { code?: unknown; context?: Record<string, unknown> };
  return e.code === expected && (field === undefined || e.context?.['field'] === field);
};

describe('compatibility matrix', () => {
  let fixture: ReportFixture;
  let matrix: CompatibilityMatrix;
  before(async () => {
    fixture = await openReportFixture();
    matrix = await gatherMatrix({ registry: fixture.registry, usage: fixture.usage }, { manifests: fixture.manifests, at: MATRIX_AT, days: 90 });
  });
  after(async () => fixture.close());

  it('renders the fixture registry as the expected Markdown, JSON and HTML', () => {
    assertExpected('matrix.md', matrixMarkdown(matrix));
    assertExpected('matrix.json', `${JSON.stringify(matrix, null, 2)}\n`);
    assertExpected('matrix.html', matrixHtml(matrix));
  });

  it('has a row per declared or observed service and a column per scheme, unknown ones added', () => {
    const order = matrix.namespaces.find((n) => n.namespace === 'order');
    assert.ok(order);
    assert.deepEqual(order.rows.map((r) => r.service), ['billing', 'checkout', 'mobile-app', 'partner-x', 'reports']);
    assert.deepEqual(order.columns.map((c) => `${c.scheme}:${c.state}`), ['v1:deprecated', 'v2:active', 'v3:archived', 'v4:active', 'v9:unknown']);
    assert.equal(order.columns[0]?.pastSunset, true);
    const sku = matrix.namespaces.find((n) => n.namespace === 'sku');
    assert.deepEqual(sku?.rows.map((r) => r.service), ['search'], 'search is seen in sku; its use outside the window is not');
    assert.equal(sku?.rows[0]?.cells.find((c) => c.scheme === 'catalog')?.requests, 0);
  });

  it('flags use past the sunset, deprecated use, declared-but-unseen, undeclared and unknown schemes', () => {
    const flagsOf = (namespace: string, service: string, scheme: string) =>
      matrix.namespaces.find((n) => n.namespace === namespace)?.rows.find((r) => r.service === service)?.cells.find((c) => c.scheme === scheme)?.flags;
    assert.deepEqual(flagsOf('order', 'billing', 'v1'), ['past-sunset-in-use'], 'billing used v1 after its sunset');
    assert.deepEqual(flagsOf('order', 'partner-x', 'v1'), [], 'partner-x stopped before the sunset');
    assert.deepEqual(flagsOf('order', 'checkout', 'v1'), [], 'checkout received v1 from partner-x: its shim saw it');
    assert.deepEqual(flagsOf('order', 'checkout', 'v4'), ['declared-not-seen']);
    assert.deepEqual(flagsOf('order', 'checkout', 'v2'), []);
    assert.deepEqual(flagsOf('order', 'reports', 'v3'), [], 'accepting an archived scheme is fine; reports sends no usage, so nothing is "never seen"');
    assert.deepEqual(flagsOf('order', 'reports', 'v9'), ['unknown-scheme']);
    assert.deepEqual(flagsOf('sku', 'search', 'legacy'), ['deprecated-in-use']);
    const codes = matrix.warnings.map((w) => `${w.code} ${w.service} ${w.namespace}/${w.scheme ?? '-'}`);
    assert.ok(codes.includes('unknown-namespace reports invoice/-'));
    const mobile = matrix.namespaces[0]?.rows.find((r) => r.service === 'mobile-app')?.cells.find((c) => c.scheme === 'v2');
    assert.deepEqual(mobile?.via, ['checkout']);
    const checkout = matrix.namespaces[0]?.rows.find((r) => r.service === 'checkout')?.cells.find((c) => c.scheme === 'v2');
    assert.deepEqual([checkout?.requests, checkout?.received, checkout?.lastReceived], [500, 40, '2025-04-10T12:00:00.000Z']);
  });

  it('flags use seen but not declared, and emitting an archived scheme', () => {
    const facts = [{ namespace: 'order', schemes: [{ namespace: 'order', name: 'v1', format: { kind: 'uuid' as const }, state: 'archived' as const, sunset: null, lastSunset: null, replacement: 'v2', createdAt: '2025-01-01T00:00:00.000Z', deprecatedAt: null, archivedAt: '2025-02-01T00:00:00.000Z', changedAt: '2025-02-01T00:00:00.000Z' }] }];
    const built = buildCompatibilityMatrix({
      namespaces: facts,
      manifests: [parseServiceManifest({ service: 'a', namespaces: { order: { emits: ['v1'] } } }), parseServiceManifest({ service: 'b', namespaces: { order: { accepts: ['v1'] } } })],
      usage: [{ service: 'c', caller: 'c', namespace: 'order', scheme: 'v1', requests: 1, deprecated: 1, firstDay: '2025-03-01', lastDay: '2025-03-01', lastSeen: '2025-03-01T00:00:00.000Z' }],
      at: '2025-04-01T00:00:00.000Z',
      window: { from: '2025-01-01', to: '2025-04-01' },
    });
    assert.deepEqual(built.namespaces[0]?.rows.map((r) => [r.service, r.cells[0]?.flags]), [
      ['a', ['archived-in-use']],
      ['b', []],
      ['c', ['archived-in-use']],
    ]);
    const withManifest = buildCompatibilityMatrix({
      namespaces: facts,
      manifests: [parseServiceManifest({ service: 'c', namespaces: { other: { accepts: ['v1'] } } })],
      usage: [{ service: 'c', caller: 'c', namespace: 'order', scheme: 'v1', requests: 1, deprecated: 0, firstDay: '2025-01-01', lastDay: '2025-01-01', lastSeen: '2025-01-01T00:00:00.000Z' }],
      at: '2025-04-01T00:00:00.000Z',
      window: null,
    });
    assert.deepEqual(withManifest.namespaces[0]?.rows[0]?.cells[0]?.flags, ['seen-not-declared'], 'used before the archive: only undeclared');
  });

  it('refuses two manifests for one service', () => {
    const manifest = parseServiceManifest({ service: 'a', namespaces: { order: { accepts: ['v1'] } } });
    assert.throws(() => buildCompatibilityMatrix({ namespaces: [], manifests: [manifest, manifest], usage: [], at: '2025-01-01T00:00:00.000Z', window: null }), code('INVALID_ARGUMENT', 'manifest'));
  });

  it('shows declared support only without usage', async () => {
    const declared = await gatherMatrix({ registry: fixture.registry }, { manifests: fixture.manifests, at: MATRIX_AT, namespaces: ['order'] });
    assert.equal(declared.window, null);
    assert.deepEqual(declared.namespaces.map((n) => n.namespace), ['order']);
    assert.deepEqual(declared.namespaces[0]?.rows.map((r) => r.service), ['billing', 'checkout', 'reports']);
    assert.ok(declared.namespaces[0]?.rows.every((r) => r.cells.every((c) => !c.flags.includes('declared-not-seen'))));
    await assert.rejects(gatherMatrix({ registry: fixture.registry }, { namespaces: ['nope'] }), code('NAMESPACE_NOT_FOUND'));
  });
});

describe('service manifests', () => {
  const valid = { service: 'checkout', namespaces: { order: { accepts: ['v1'] } } };

  it('reads a minimal manifest with defaults', () => {
    assert.deepEqual(parseServiceManifest(valid), { service: 'checkout', version: null, owner: null, namespaces: [{ namespace: 'order', accepts: ['v1'], emits: [], limitations: [] }], limitations: [] });
  });

  it('refuses what is malformed, naming the field', () => {
    const cases: [unknown, string][] = [
      [[], '$'],
      [{ ...valid, extra: 1 }, 'extra'],
      [{ ...valid, manifestVersion: 2 }, 'manifestVersion'],
      [{ ...valid, service: ' checkout' }, 'service'],
      [{ ...valid, service: undefined }, 'service'],
      [{ ...valid, namespaces: {} }, 'namespaces'],
      [{ ...valid, namespaces: { Order: { accepts: ['v1'] } } }, 'namespaces.Order'],
      [{ ...valid, namespaces: { order: { accepts: ['v1'], emit: ['v2'] } } }, 'namespaces.order.emit'],
      [{ ...valid, namespaces: { order: { accepts: ['v1', 'V2'] } } }, 'namespaces.order.accepts[1]'],
      [{ ...valid, namespaces: { order: { accepts: ['v1', 'v1'] } } }, 'namespaces.order.accepts[1]'],
      [{ ...valid, namespaces: { order: { accepts: 'v1' } } }, 'namespaces.order.accepts'],
      [{ ...valid, namespaces: { order: {} } }, 'namespaces.order'],
      [{ ...valid, namespaces: { order: { accepts: ['v1'], limitations: [''] } } }, 'namespaces.order.limitations[0]'],
      [{ ...valid, limitations: 'none' }, 'limitations'],
      [{ ...valid, version: 3 }, 'version'],
    ];
    for (const [input, field] of cases) {
      assert.throws(() => parseServiceManifest(input, 'm.json'), code('INVALID_ARGUMENT', field), JSON.stringify(input));
    }
    assert.throws(() => parseServiceManifest({ ...valid, extra: 1 }, 'm.json'), /manifest m\.json: extra/);
  });
});
