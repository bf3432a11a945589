import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rolloutTour } from '../../src/cli/demo-rollout.js';
import { ORDER, defineOrder, legacy, openTestRegistry, typeId } from '../registry/fixtures.js';

describe('demo: the transition tour', () => {
  it('moves billing from off to complete while every read and write of its traffic succeeds', async () => {
    const t = openTestRegistry();
    try {
      await defineOrder(t.registry);
      const orders: string[] = [];
      for (let n = 1; n <= 40; n += 1) {
        await t.registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(n) });
        await t.registry.alias({ namespace: ORDER, from: { value: legacy(n) }, scheme: 'v2', value: typeId(n) });
        orders.push(legacy(n));
      }
      const lines: string[] = [];
      await rolloutTour(t.registry, orders, { actor: 'demo' }, (line) => lines.push(line));
      const stages = lines.slice(0, 6);
      assert.deepEqual(
        stages.map((line) => line.trim().split(' ')[0]),
        ['off', 'dualwrite', 'shadow', 'live', 'rampdown', 'complete'],
      );
      for (const line of stages) assert.match(line, /40\/40 calls succeeded; compared so far \d+, mismatches 0/);
      assert.match(lines[3] ?? '', /compared so far 80/, 'shadow and live compare every read');
      assert.match(lines[6] ?? '', /payments written: 40 under legacy numbers, 40 under v2 ids/);
      const { stages: flags } = await t.registry.flags(ORDER);
      assert.deepEqual(flags.map((f) => [f.consumer, f.stage]), [['billing', 'complete']]);
    } finally {
      await t.close();
    }
  });
});
