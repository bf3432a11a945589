import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readProbeFile, recordProbe, writeProbeFile } from '../../src/probe/index.js';
import type { ProbeRecord } from '../../src/probe/index.js';
import { ORDER, SKU, type TestRegistry, legacy, openTestRegistry, rejectsWith } from '../registry/fixtures.js';
import { ORDERS, scratchDir, seedOrders } from './fixtures.js';

const key = (r: ProbeRecord): string => `${r.namespace}/${r.scheme}/${r.value}`;

describe('probe record', () => {
  let t: TestRegistry;
  const files = scratchDir();
  before(async () => {
    t = openTestRegistry();
    await seedOrders(t.registry);
  });
  after(async () => {
    await t.close();
    files.cleanup();
  });

  it('is deterministic given a seed, and another seed picks other identifiers', async () => {
    const a = await recordProbe(t.registry, { seed: 'one', size: 30 });
    const b = await recordProbe(t.registry, { seed: 'one', size: 30 });
    const c = await recordProbe(t.registry, { seed: 'two', size: 30 });
    assert.deepEqual(b.records, a.records);
    assert.notDeepEqual(c.records.map(key), a.records.map(key));
    assert.equal(a.header.seed, 'one');
    assert.match((await recordProbe(t.registry, { size: 5 })).header.seed, /^[0-9a-f]{16}$/, 'a random seed is kept in the header');
  });

  it('records every scheme and lifecycle state, spread over the key range, at most size per namespace', async () => {
    const probe = await recordProbe(t.registry, { seed: 'spread', size: 30 });
    const orders = probe.records.filter((r) => r.namespace === ORDER);
    assert.equal(orders.length, 30);
    const strata = new Set(orders.map((r) => `${r.scheme} ${r.state}`));
    assert.deepEqual([...strata].sort(), ['v1 active', 'v1 archived', 'v1 deprecated', 'v2 active', 'v3 active']);
    assert.equal(orders.filter((r) => r.state === 'archived').length, 3, 'a small stratum is taken whole');
    const active = orders.filter((r) => r.scheme === 'v1' && r.state === 'active').map((r) => Number(r.value.slice(4)));
    assert.ok(Math.min(...active) <= 25 && Math.max(...active) >= 75, `legacy picks spread over the key range: ${active.join(', ')}`);
    assert.ok(!orders.some((r) => r.value === legacy(ORDERS)), 'an erased value is never recorded');
    assert.deepEqual(probe.header.namespaces[ORDER]?.schemes['v1'], { identifiers: ORDERS - 1, recorded: orders.filter((r) => r.scheme === 'v1').length });
    assert.equal(probe.header.namespaces[ORDER]?.schemes['v4']?.identifiers, 0);
    assert.equal(probe.records.filter((r) => r.namespace === SKU).length, 21, 'a namespace smaller than the size is taken whole');
  });

  it('records the entity and state each resolves to, and whether it resolves without its scheme', async () => {
    const probe = await recordProbe(t.registry, { seed: 'entities', size: 500 });
    for (const record of probe.records.filter((r) => r.namespace === ORDER).slice(0, 20)) {
      const resolved = await t.registry.resolve(ORDER, { scheme: record.scheme, value: record.value });
      assert.equal(record.entity, resolved.entity);
      assert.equal(record.state, resolved.identifier.state);
      assert.equal(record.bare, true, 'order formats never overlap');
    }
    const seven = probe.records.filter((r) => r.namespace === SKU && r.value === '7');
    assert.deepEqual(
      seven.map((r) => [r.scheme, r.bare]),
      [
        ['catalog', false],
        ['legacy', false],
      ],
    );
    assert.ok(probe.records.some((r) => r.namespace === SKU && r.value === '8' && r.bare));
  });

  it('records only the namespaces named, refuses an unknown one, and writes a file that reads back the same', async () => {
    const probe = await recordProbe(t.registry, { seed: 'file', size: 10, namespaces: [SKU] });
    assert.deepEqual(Object.keys(probe.header.namespaces), [SKU]);
    assert.ok(probe.records.every((r) => r.namespace === SKU));
    const file = files.file('probe.ndjson');
    await writeProbeFile(file, probe);
    assert.deepEqual(await readProbeFile(file), probe);
    await rejectsWith(recordProbe(t.registry, { namespaces: ['nope'] }), 'NAMESPACE_NOT_FOUND');
    await rejectsWith(recordProbe(t.registry, { size: 0 }), 'INVALID_ARGUMENT');
    await rejectsWith(readProbeFile(files.file('missing.ndjson')), 'INVALID_ARGUMENT');
  });
});
