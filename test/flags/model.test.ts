import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FOUR_STAGES, STAGES, type Stage, TWO_STAGES, bucketOf, exposed, flagFor, stageFor } from '../../src/model/flags.js';
import { moveOf } from '../../src/registry/operations/flags.js';

describe('flags: bucketing', () => {
  it('puts each (consumer, identifier) in the same bucket in every release', () => {
    // Computed once and written down: a change to the hashing moves live traffic between stages, so it must fail here.
    const table: [string, string, number][] = [
      ['billing', 'ORD-000001', 21],
      ['billing', 'ORD-000002', 84],
      ['checkout', 'ORD-000001', 56],
      ['*', 'ORD-000001', 96],
      ['billing', 'ord_00000000000000000000000001', 20],
      ['search', '42', 20],
      ['search', '', 84],
      ['reports-v2', '00000000-0000-4000-8aaa-000000000007', 3],
      ['billing', 'ORD-000003', 33],
      ['checkout', 'ORD-000003', 57],
    ];
    for (const [consumer, identifier, bucket] of table) assert.equal(bucketOf(consumer, identifier), bucket, `${consumer} ${identifier}`);
  });

  it('spreads identifiers roughly evenly over the buckets', () => {
    const counts = new Array<number>(100).fill(0);
    for (let n = 0; n < 10_000; n += 1) {
      const bucket = bucketOf('billing', `ORD-${String(n).padStart(6, '0')}`);
      counts[bucket] = (counts[bucket] as number) + 1;
    }
    // 100 expected per bucket; the bounds are loose enough never to fail by chance on a fixed input.
    assert.ok(Math.min(...counts) >= 50, `fullest ${Math.max(...counts)}, emptiest ${Math.min(...counts)}`);
    assert.ok(Math.max(...counts) <= 160, `fullest ${Math.max(...counts)}, emptiest ${Math.min(...counts)}`);
    const firstHalf = counts.slice(0, 50).reduce((a, b) => a + b, 0);
    assert.ok(firstHalf > 4_500 && firstHalf < 5_500, `a 50% rollout takes ${firstHalf} of 10,000`);
  });

  it('spreads consumers independently: the same identifier lands in different buckets for different consumers', () => {
    const buckets = new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((consumer) => bucketOf(consumer, 'ORD-000001')));
    assert.ok(buckets.size >= 5);
  });
});

describe('flags: stages and exposure for one identifier', () => {
  const flag = (stage: Stage, percent: number, stages: readonly Stage[] = STAGES) => ({ namespace: 'order', consumer: 'billing', stage, percent, stages });

  it('is off without a flag, and in the flag’s stage at 100%', () => {
    assert.equal(stageFor(undefined, 'billing', 'ORD-000001'), 'off');
    for (const stage of STAGES) assert.equal(stageFor(flag(stage, 100), 'billing', 'ORD-000001'), stage);
  });

  it('keeps identifiers outside the percent in the declared stage before', () => {
    // ORD-000001 is in bucket 21 for billing, ORD-000002 in bucket 84.
    assert.equal(stageFor(flag('shadow', 50), 'billing', 'ORD-000001'), 'shadow');
    assert.equal(stageFor(flag('shadow', 50), 'billing', 'ORD-000002'), 'dualwrite');
    assert.equal(stageFor(flag('live', 50, FOUR_STAGES), 'billing', 'ORD-000002'), 'dualwrite');
    assert.equal(stageFor(flag('complete', 0, TWO_STAGES), 'billing', 'ORD-000001'), 'off');
  });

  it('shows a scheme by percent of buckets, and everything without a flag', () => {
    const exposure = (percent: number) => ({ namespace: 'order', scheme: 'v2', consumer: 'billing', percent });
    assert.equal(exposed(undefined, 'billing', 'ORD-000001'), true);
    assert.equal(exposed(exposure(0), 'billing', 'ORD-000001'), false);
    assert.equal(exposed(exposure(100), 'billing', 'ORD-000002'), true);
    assert.equal(exposed(exposure(50), 'billing', 'ORD-000001'), true);
    assert.equal(exposed(exposure(50), 'billing', 'ORD-000002'), false);
  });

  it('takes the consumer’s own flag, else the `*` one', () => {
    const flags = [
      { consumer: '*', percent: 0 },
      { consumer: 'billing', percent: 100 },
    ];
    assert.equal(flagFor(flags, 'billing')?.percent, 100);
    assert.equal(flagFor(flags, 'checkout')?.percent, 0);
    assert.equal(flagFor([{ consumer: 'billing' }], 'checkout'), undefined);
  });
});

describe('flags: moves between stages', () => {
  it('calls the next declared stage forward, a later one a skip, an earlier one back', () => {
    for (let i = 0; i + 1 < STAGES.length; i += 1) assert.equal(moveOf(STAGES, STAGES[i] as Stage, STAGES[i + 1] as Stage), 'forward');
    assert.equal(moveOf(STAGES, 'off', 'shadow'), 'skip');
    assert.equal(moveOf(STAGES, 'live', 'dualwrite'), 'back');
    assert.equal(moveOf(STAGES, 'live', 'live'), 'same');
    assert.equal(moveOf(FOUR_STAGES, 'dualwrite', 'live'), 'forward');
    assert.equal(moveOf(TWO_STAGES, 'off', 'complete'), 'forward');
    assert.equal(moveOf(TWO_STAGES, 'complete', 'off'), 'back');
  });

  it('places a stage the migration no longer declares by the full order', () => {
    assert.equal(moveOf(FOUR_STAGES, 'shadow', 'live'), 'forward');
    assert.equal(moveOf(FOUR_STAGES, 'shadow', 'complete'), 'skip');
    assert.equal(moveOf(FOUR_STAGES, 'shadow', 'dualwrite'), 'back');
    assert.equal(moveOf(TWO_STAGES, 'live', 'complete'), 'forward');
  });
});
