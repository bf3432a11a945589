import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { openRegistry } from '../../src/open.js';
import { MappingDigest, diffDigests } from '../../src/registry/mapping-digest.js';
import { type Mapping, mappingKey } from '../../src/registry/mappings.js';
import type { Registry } from '../../src/registry/registry.js';
import { diffRegistries } from '../../src/registry/diff.js';
import { scratch } from '../cli/run-cli.js';
import { ORDER, binding, defineOrder, defineSku, legacy, openSqliteTestRegistry, typeId } from './fixtures.js';

const mapping = (n: number, overrides: Partial<Mapping> = {}): Mapping => ({
  scheme: n % 2 === 0 ? 'v1' : 'v2',
  value: `value-${n}`,
  seq: n + 1,
  entity: `ent_${n}`,
  state: 'active',
  sunset: null,
  derivedFrom: null,
  migration: null,
  createdAt: '2025-01-01T00:00:00.000Z',
  ...overrides,
});

describe('mapping digests', () => {
  it('find exactly the identifiers that were dropped, added or changed, reading only the ranges that differ', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3000 }),
        fc.uniqueArray(fc.nat({ max: 2999 }), { maxLength: 12 }),
        fc.uniqueArray(fc.nat({ max: 2999 }), { maxLength: 12 }),
        fc.uniqueArray(fc.integer({ min: 3000, max: 3100 }), { maxLength: 5 }),
        (size, dropped, changed, added) => {
          const base = Array.from({ length: size }, (_, n) => mapping(n));
          const drop = new Set(dropped.filter((n) => n < size));
          const change = new Set(changed.filter((n) => n < size && !drop.has(n)));
          const replica = base
            .filter((m, n) => !drop.has(n))
            .map((m, _i) => (change.has(Number(m.value?.slice('value-'.length))) ? { ...m, state: 'deprecated' as const, sunset: '2026-01-01' } : m));
          const extra = added.map((n) => mapping(n));
          const diff = diffDigests(new MappingDigest('order', base), new MappingDigest('order', [...replica, ...extra]));
          const expected = new Map<string, string>([
            ...[...drop].map((n): [string, string] => [mappingKey(mapping(n)), 'missing-in-b']),
            ...[...change].map((n): [string, string] => [mappingKey(mapping(n)), 'differs']),
            ...extra.map((m): [string, string] => [mappingKey(m), 'missing-in-a']),
          ]);
          assert.deepEqual(new Map(diff.differences.map((d) => [d.key, d.kind])), expected);
          for (const d of diff.differences) if (d.kind === 'differs') assert.deepEqual(d.fields.map((f) => f.field), ['state', 'sunset']);
          // Narrowing reads few ranges: at most 16 per level for each difference, never one per identifier.
          assert.ok(diff.rangesCompared <= 1 + 16 * 4 * Math.max(1, expected.size), `${diff.rangesCompared} ranges for ${expected.size} differences`);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('agree on equal sets whatever order the mappings arrive in, and one range digest settles it', () => {
    const mappings = Array.from({ length: 500 }, (_, n) => mapping(n));
    const diff = diffDigests(new MappingDigest('order', mappings), new MappingDigest('order', [...mappings].reverse()));
    assert.deepEqual(diff.differences, []);
    assert.equal(diff.rangesCompared, 1);
  });

  it('key an erased identifier by its seq, not by a value it no longer has', () => {
    const erased = mapping(7, { value: null });
    const diff = diffDigests(new MappingDigest('order', [erased]), new MappingDigest('order', []));
    assert.deepEqual(
      diff.differences.map((d) => d.key),
      ['v2#8'],
    );
  });
});

describe('diffRegistries', () => {
  let dir: string;
  let primary: Registry;
  let replica: Registry;

  before(async () => {
    const seeded = openSqliteTestRegistry({ file: true });
    await defineOrder(seeded.registry);
    await defineSku(seeded.registry);
    for (let n = 1; n <= 300; n += 1) await seeded.registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(n), binding: binding(String(n)) });
    for (let n = 1; n <= 20; n += 1) await seeded.registry.alias({ namespace: ORDER, from: { value: legacy(n) }, scheme: 'v2', value: typeId(n) });
    await seeded.registry.close();
    dir = mkdtempSync(join(tmpdir(), 'stableid-diff-'));
    copyFileSync(seeded.path as string, join(dir, 'primary.db'));
    copyFileSync(seeded.path as string, join(dir, 'replica.db'));
    await seeded.close();
    primary = openRegistry(join(dir, 'primary.db'));
    replica = openRegistry(join(dir, 'replica.db'));
  });

  after(async () => {
    await primary.close();
    await replica.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds copies of one registry equal, namespace by namespace', async () => {
    const diff = await diffRegistries(primary, replica);
    assert.equal(diff.ok, true);
    assert.deepEqual(
      diff.namespaces.map((n) => [n.namespace, n.counts.a, n.counts.b, n.differences.length]),
      [
        ['order', 320, 320, 0],
        ['sku', 0, 0, 0],
      ],
    );
  });

  it('names each identifier the replica lacks, has extra or holds differently', async () => {
    await primary.register({ namespace: ORDER, scheme: 'v1', value: legacy(301) });
    await primary.alias({ namespace: ORDER, from: { value: legacy(42) }, scheme: 'v2', value: typeId(42) });
    await replica.deprecate({ namespace: ORDER, identifier: { value: legacy(7) }, sunset: '2027-01-01' });
    await replica.register({ namespace: ORDER, scheme: 'v1', value: legacy(999) });
    const diff = await diffRegistries(primary, replica, [ORDER]);
    assert.equal(diff.ok, false);
    const [order] = diff.namespaces;
    assert.deepEqual(
      order?.differences.map((d) => [d.kind, d.key]),
      [
        ['differs', `v1/${legacy(7)}`],
        ['missing-in-b', `v1/${legacy(301)}`],
        ['missing-in-a', `v1/${legacy(999)}`],
        ['missing-in-b', `v2/${typeId(42)}`],
      ],
    );
    const changed = order?.differences[0];
    assert.ok(changed?.kind === 'differs');
    assert.deepEqual(changed.fields, [
      { field: 'state', a: 'active', b: 'deprecated' },
      { field: 'sunset', a: null, b: '2027-01-01T00:00:00.000Z' },
    ]);
  });
});

describe('stableid diff', () => {
  it('exits 0 on equal registries and 6 (REGISTRIES_DIFFER) naming the identifiers otherwise; a missing file is a usage error', async () => {
    const a = scratch();
    const b = scratch();
    try {
      assert.equal((await a.run('namespace', 'create', 'order', '--owner', 'orders-team')).code, 0);
      assert.equal((await a.run('scheme', 'add', 'order', 'v1', '--format', 'pattern', '--pattern', 'ORD-\\d{6}', '--max-length', '10')).code, 0);
      assert.equal((await a.run('register', 'order', 'v1', 'ORD-000001')).code, 0);
      // A replica: the same registry, copied.
      copyFileSync(a.db, b.db);
      const same = await a.run('diff', a.db, a.db);
      assert.equal(same.code, 0, same.stderr);
      assert.match(same.stdout, /same order: 1 vs 1 identifiers/);

      assert.equal((await b.run('register', 'order', 'v1', 'ORD-000002')).code, 0);
      const differ = await a.run('--json', 'diff', a.db, b.db);
      assert.equal(differ.code, 6);
      const report = differ.json<{ ok: boolean; namespaces: { differences: { kind: string; key: string }[] }[] }>();
      assert.equal(report.ok, false);
      assert.deepEqual(report.namespaces[0]?.differences.map((d) => [d.kind, d.key]), [['missing-in-a', 'v1/ORD-000002']]);
      const human = await a.run('diff', a.db, b.db);
      assert.equal(human.code, 6);
      assert.match(human.stdout, /DIFF order: 1 vs 2 identifiers/);
      assert.match(human.stdout, /only in b: v1\/ORD-000002/);

      const missing = await a.run('diff', a.db, join(tmpdir(), 'no-such-dir', 'registry.db'));
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /there is no registry at/);
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });
});
