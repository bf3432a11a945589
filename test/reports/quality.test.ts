import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkBindings, currentBindings } from '../../src/reports/binding-check.js';
import { QUALITY_WEIGHTS, assessQuality, score } from '../../src/reports/data-quality.js';
import { gatherQuality } from '../../src/reports/gather.js';
import { readNamespaceRows } from '../../src/reports/registry-facts.js';
import { qualityMarkdown } from '../../src/reports/render-quality.js';
import { SqliteSource } from '../../src/migrate/source/sqlite-source.js';
import type { Source } from '../../src/migrate/source/source.js';
import { StableIdError } from '../../src/model/errors.js';
import type { ProjectionRows } from '../../src/model/rows.js';
import { ORDER, SKU, legacy, typeId } from '../registry/fixtures.js';
import { type ReportFixture, RUNS, assertExpected, openReportFixture } from './fixtures.js';

/** A source holding orders 1 and 4 but not 2: two entities are bound to orders/2. */
async function ordersSource(): Promise<SqliteSource> {
  const source = SqliteSource.open(':memory:');
  const orders = await source.collection('orders');
  const written = await orders.apply([
    { kind: 'insert', key: '1', body: { id: legacy(1) } },
    { kind: 'insert', key: '4', body: { id: 'four' } },
  ]);
  assert.equal(written.ok, true);
  return source;
}

describe('data quality', () => {
  let fixture: ReportFixture;
  let source: SqliteSource;
  before(async () => {
    fixture = await openReportFixture();
    source = await ordersSource();
  });
  after(async () => {
    await source.close();
    await fixture.close();
  });

  it('scores the fixture registry as expected, with the failing items listed', async () => {
    const reports = await gatherQuality({ registry: fixture.registry, runs: fixture.runs }, { source });
    assertExpected('quality.md', qualityMarkdown(reports));
    assertExpected('quality.json', `${JSON.stringify({ namespaces: reports }, null, 2)}\n`);
  });

  it('finds duplicates, entities without an active identifier, missing documents and failed runs', async () => {
    const [order, sku] = await gatherQuality({ registry: fixture.registry, runs: fixture.runs }, { source });
    assert.ok(order && sku);
    const shares = Object.fromEntries(order.measures.map((m) => [m.measure, [m.passed, m.total]]));
    assert.deepEqual(shares, { validity: [5, 5], uniqueness: [2, 4], coverage: [2, 4], bindings: [2, 4], migrations: [1, 1] });
    assert.deepEqual(order.failing.duplicates.map((d) => [d.kind, d.shared, d.entities]), [['binding', 'main/orders/2', ['ent_000002', 'ent_000003']]]);
    assert.deepEqual(order.failing.withoutActive.map((e) => e.entity), ['ent_000002', 'ent_000003']);
    assert.deepEqual(order.failing.missingBindings?.map((b) => [b.entity, b.key, b.missing]), [['ent_000002', '2', 'document'], ['ent_000003', '2', 'document']]);
    // (30·1 + 20·½ + 20·½ + 15·½ + 15·1) / 100
    assert.equal(order.score, 72.5);
    assert.deepEqual(sku.failing.unsuccessfulRuns.map((r) => [r.run, r.status, r.reason]), [['run_0003', 'failed', '2 identifiers missing after the wave']]);
    assert.equal(sku.measures.find((m) => m.measure === 'bindings')?.share, null, 'sku has no bindings: nothing measured');
  });

  it('leaves out what it cannot measure and shares out its weight', async () => {
    const [order] = await gatherQuality({ registry: fixture.registry }, { namespaces: [ORDER] });
    assert.ok(order);
    assert.equal(order.failing.missingBindings, null);
    assert.deepEqual(order.measures.filter((m) => m.share === null).map((m) => m.measure), ['bindings', 'migrations']);
    // (30·1 + 20·½ + 20·½) / 70
    assert.equal(order.score, 71.4);
    assert.equal(score([]), 100);
    assert.equal(Object.values(QUALITY_WEIGHTS).reduce((a, b) => a + b, 0), 100);
  });

  it('re-validates stored values and finds spellings of one value and two identifiers of an entity in one scheme', async () => {
    const rows = await readNamespaceRows(fixture.registry, ORDER);
    const extra = (seq: number, scheme: string, entity: string, value: string): Pick<ProjectionRows, 'identifiers' | 'identifierValues'> => ({
      identifiers: [{ namespace: ORDER, seq, scheme, entity, commitment: 'x', derivedFrom: null, migration: null, createdAt: '2025-03-01T00:00:00.000Z' }],
      identifierValues: [{ namespace: ORDER, scheme, value, identifier: seq, entity }],
    });
    // As a database written by hand (or an older format rule) could hold them.
    const additions = [
      extra(901, 'v1', 'ent_000004', 'ORD-12'),
      extra(902, 'v4', 'ent_000004', '00000000-0000-4000-8AAA-000000000001'),
      extra(903, 'v4', 'ent_000001', '00000000-0000-4000-8aaa-000000000001'),
      extra(904, 'v2', 'ent_000004', typeId(5)),
    ];
    const tampered: ProjectionRows = {
      ...rows,
      entities: rows.entities,
      identifiers: [...rows.identifiers, ...additions.flatMap((a) => a.identifiers)],
      identifierValues: [...rows.identifierValues, ...additions.flatMap((a) => a.identifierValues)],
    };
    const report = assessQuality({ namespace: ORDER, rows: tampered, runs: RUNS, bindings: null });
    assert.deepEqual(report.failing.invalid.map((i) => [i.value, i.rule]), [
      ['ORD-12', 'pattern.match'],
      ['00000000-0000-4000-8AAA-000000000001', 'value.not-canonical'],
    ]);
    assert.deepEqual(
      report.failing.duplicates.map((d) => [d.kind, d.shared, d.entities]),
      [
        ['spelling', 'v4/00000000-0000-4000-8aaa-000000000001', ['ent_000001', 'ent_000004']],
        ['scheme', 'ent_000004/v2', ['ent_000004']],
        ['binding', 'main/orders/2', ['ent_000002', 'ent_000003']],
      ],
    );
  });

  it('checks only the bindings of the store asked for, and marks a collection the source lacks', async () => {
    const rows = await readNamespaceRows(fixture.registry, ORDER);
    const bindings = currentBindings(rows.bindings);
    const onlyOther = await checkBindings(source, bindings, 'other-store');
    assert.deepEqual([onlyOther.checked, onlyOther.missing.length], [0, 0]);
    const moved = bindings.map((b) => (b.entity === 'ent_000004' ? { ...b, collection: 'gone' } : b));
    const lacking = (failure: Error): Source => ({
      description: 'test:lacking',
      close: async () => undefined,
      collection: async (name: string) => {
        if (name === 'gone') throw failure;
        return source.collection(name);
      },
    });
    const check = await checkBindings(lacking(new StableIdError('SOURCE_NOT_FOUND', 'no collection gone')), moved, 'main');
    assert.deepEqual(check.missing.map((b) => [b.entity, b.collection, b.missing]), [
      ['ent_000004', 'gone', 'collection'],
      ['ent_000002', 'orders', 'document'],
      ['ent_000003', 'orders', 'document'],
    ]);
    await assert.rejects(checkBindings(lacking(new Error('connection reset')), moved), /connection reset/, 'other failures are not swallowed');
  });

  it('is unaffected by a source that is missing every document', async () => {
    const empty = SqliteSource.open(':memory:');
    try {
      const [order] = await gatherQuality({ registry: fixture.registry }, { namespaces: [ORDER], source: empty });
      assert.equal(order?.measures.find((m) => m.measure === 'bindings')?.passed, 0);
      assert.equal(order?.failing.missingBindings?.length, 4);
      await assert.rejects(gatherQuality({ registry: fixture.registry }, { namespaces: [SKU, 'nope'] }), (error: { code?: string }) => error.code === 'NAMESPACE_NOT_FOUND');
    } finally {
      await empty.close();
    }
  });
});
