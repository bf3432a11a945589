import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocate, formatProbe, latencySummary, parseInterval, parseProbe, samplePosition, spreadPick } from '../../src/probe/index.js';
import type { Probe } from '../../src/probe/index.js';
import { rejectsWith } from '../registry/fixtures.js';

describe('probe: the pure parts', () => {
  it('shares a budget between strata as evenly as they allow, taking small ones whole', () => {
    assert.deepEqual(allocate([100, 2, 50, 0], 20), [9, 2, 9, 0]);
    assert.deepEqual(allocate([3, 3], 10), [3, 3]);
    assert.deepEqual(allocate([5, 5, 5], 2), [1, 1, 0]);
    assert.deepEqual(allocate([], 5), []);
    assert.deepEqual(allocate([4], 0), [0]);
  });

  it('picks one member per key range, by the lowest position, whatever the input order', () => {
    const members = Array.from({ length: 100 }, (_, i) => `k${String(i).padStart(3, '0')}`);
    const position = (m: string): number => samplePosition('seed', 'ns', 's', m);
    const picked = spreadPick(members, 4, (m) => m, position);
    assert.equal(picked.length, 4);
    picked.forEach((member, run) => {
      const index = Number(member.slice(1));
      assert.ok(index >= run * 25 && index < (run + 1) * 25, `${member} stands for range ${run}`);
      const range = members.slice(run * 25, (run + 1) * 25);
      assert.equal(Math.min(...range.map(position)), position(member));
    });
    assert.deepEqual(spreadPick([...members].reverse(), 4, (m) => m, position), picked);
    assert.deepEqual(spreadPick(members, 500, (m) => m, position).length, 100, 'never more than there are');
  });

  it('places a value by its seed: the same seed the same place, another seed another', () => {
    const a = samplePosition('s1', 'order', 'v1', 'ORD-000001');
    assert.equal(samplePosition('s1', 'order', 'v1', 'ORD-000001'), a);
    assert.notEqual(samplePosition('s2', 'order', 'v1', 'ORD-000001'), a);
    assert.ok(a >= 0 && a < 1);
  });

  it('reads intervals with units, a bare number as seconds, and refuses the rest', async () => {
    assert.equal(parseInterval('250ms'), 250);
    assert.equal(parseInterval('30s'), 30_000);
    assert.equal(parseInterval('5m'), 300_000);
    assert.equal(parseInterval('1h'), 3_600_000);
    assert.equal(parseInterval('2'), 2000);
    for (const bad of ['', '0', 'five', '5d', '-1s', '0.1ms']) await rejectsWith(async () => parseInterval(bad), 'INVALID_ARGUMENT');
  });

  it('summarizes latencies by nearest rank', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.deepEqual(latencySummary(samples), { count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    assert.deepEqual(latencySummary([3]), { count: 1, p50: 3, p95: 3, p99: 3, max: 3 });
    assert.deepEqual(latencySummary([]), { count: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });

  it('round-trips a probe file and refuses another format, version or a malformed record, naming the line', async () => {
    const probe: Probe = {
      header: { format: 'stableid-probe', version: 1, recordedAt: '2025-01-01T00:00:00.000Z', source: 'memory', seed: 'x', size: 2, namespaces: {} },
      records: [{ namespace: 'order', scheme: 'v1', value: 'ORD-000001', entity: 'ent_1', state: 'active', bare: true }],
    };
    const text = formatProbe(probe);
    assert.equal(text.split('\n').length, 3);
    assert.deepEqual(parseProbe(text), probe);
    const header = text.split('\n')[0] as string;
    const bad = [
      '',
      '{"format":"other","version":1}',
      header.replace('"version":1', '"version":2'),
      `${header}\nnot json`,
      `${header}\n{"namespace":"order","scheme":"v1","value":"ORD-000001","state":"active","bare":true}`,
      `${header}\n{"namespace":"order","scheme":"v1","value":"ORD-000001","entity":"e","state":"gone","bare":true}`,
    ];
    for (const input of bad) {
      const error = await rejectsWith(async () => parseProbe(input), 'INVALID_ARGUMENT');
      assert.equal(error.context.field, 'probe');
    }
    assert.equal((await rejectsWith(async () => parseProbe(`${header}\n\nnot json`), 'INVALID_ARGUMENT')).context.line, 3);
  });
});
