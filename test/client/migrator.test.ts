import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Registry as PromRegistry } from 'prom-client';
import {
  FlagReader,
  type GuardrailEvent,
  MemoryReconciliationStore,
  Migrator,
  type MigratorEvent,
  MigratorMetrics,
  type MigratorOptions,
  ReconciliationQueue,
  StableIdClient,
} from '../../src/client/index.js';
import { isStableIdError } from '../../src/model/errors.js';
import { STAGES, type Stage, TWO_STAGES } from '../../src/model/flags.js';
import { type FakeFlagService, MemoryFlags, READ_TOKEN, STEWARD_TOKEN, identifiers, openFakeFlagService, stageFlag } from './flag-fixtures.js';
import { ManualClock } from './fixtures.js';

const NS = 'order';
const CONSUMER = 'billing';
/** Every call reads the flags again: a stage change is seen by the next call. */
const UNCACHED = { ttlMs: 0, staleWhileRevalidateMs: 0 };

type Path = 'old' | 'new';

/** Implementations of a read or a write that record that they ran, and can fail or take (clock) time. */
class Paths {
  readonly ran: Path[] = [];

  constructor(readonly clock: ManualClock) {}

  path<T>(name: Path, value: T, options: { fail?: boolean; ms?: number } = {}): () => Promise<T> {
    return async () => {
      this.ran.push(name);
      if (options.ms !== undefined) this.clock.advance(options.ms);
      if (options.fail === true) throw new Error(`${name} path failed`);
      return value;
    };
  }
}

function setup(stage: Stage | null, options: Partial<MigratorOptions> = {}) {
  const clock = new ManualClock();
  const source = new MemoryFlags();
  if (stage !== null) source.put(stageFlag(NS, CONSUMER, stage));
  const events: MigratorEvent[] = [];
  const migrator = new Migrator({ namespace: NS, consumer: CONSUMER, flags: source, flagCache: UNCACHED, clock: clock.now, onEvent: (event) => events.push(event), ...options });
  return { clock, source, migrator, events, paths: new Paths(clock) };
}

/** What each stage runs (serial order: the authoritative path first) and which answer it returns. */
const EXPECTED: Readonly<Record<Stage, { read: Path[]; write: Path[]; returns: Path; compared: boolean }>> = {
  off: { read: ['old'], write: ['old'], returns: 'old', compared: false },
  dualwrite: { read: ['old'], write: ['old', 'new'], returns: 'old', compared: false },
  shadow: { read: ['old', 'new'], write: ['old', 'new'], returns: 'old', compared: true },
  live: { read: ['new', 'old'], write: ['new', 'old'], returns: 'new', compared: true },
  rampdown: { read: ['new'], write: ['new', 'old'], returns: 'new', compared: false },
  complete: { read: ['new'], write: ['new'], returns: 'new', compared: false },
};

describe('migrator: stages', () => {
  for (const stage of STAGES) {
    it(`${stage}: runs each path the stage calls for exactly once and returns the authoritative answer`, async () => {
      const { migrator, paths } = setup(stage);
      const expected = EXPECTED[stage];
      const read = await migrator.read({ identifier: 'ORD-1', old: paths.path('old', 'old answer'), new: paths.path('new', 'new answer') });
      assert.equal(read, `${expected.returns} answer`);
      assert.deepEqual(paths.ran, expected.read);
      paths.ran.length = 0;
      const written = await migrator.write({ identifier: 'ORD-1', old: paths.path('old', 'old written'), new: paths.path('new', 'new written') });
      assert.equal(written, `${expected.returns} written`);
      assert.deepEqual(paths.ran, expected.write);
      const stats = migrator.stats();
      assert.equal(stats.comparisons.total, expected.compared ? 1 : 0);
      assert.equal(stats.stages[stage], 2);
      assert.equal(stats.read.old.calls + stats.read.new.calls, expected.read.length);
      assert.equal(stats.write.old.calls + stats.write.new.calls, expected.write.length);
    });
  }

  it('runs only the old path without any flag (off)', async () => {
    const { migrator, paths } = setup(null);
    assert.equal(await migrator.read({ identifier: 'ORD-1', old: paths.path('old', 1), new: paths.path('new', 2) }), 1);
    assert.deepEqual(paths.ran, ['old']);
    assert.equal((await migrator.stageOf('ORD-1')).stage, 'off');
  });

  it('moves a consumer from off to complete while its traffic keeps succeeding', async () => {
    const { migrator, source } = setup(null);
    const oldStore = new Map<string, number>();
    const newStore = new Map<string, number>();
    let failures = 0;
    let calls = 0;
    const traffic = async (round: number): Promise<void> => {
      for (let i = 0; i < 20; i += 1) {
        const identifier = `ORD-${i}`;
        const value = round * 100 + i;
        calls += 2;
        await migrator
          .write({
            identifier,
            old: () => void oldStore.set(identifier, value),
            new: () => void newStore.set(identifier, value),
          })
          .catch(() => (failures += 1));
        // Before dualwrite the new store misses what was written then; reads compare only once both are written alike.
        const read = await migrator.read({ identifier, old: () => oldStore.get(identifier), new: () => newStore.get(identifier) }).catch(() => undefined);
        if (read !== value) failures += 1;
      }
    };
    let round = 0;
    await traffic(round++);
    for (const stage of STAGES.slice(1)) {
      for (const percent of [50, 100]) {
        const changed = await source.setStage(NS, CONSUMER, { stage, percent });
        assert.ok(changed.move === 'forward' || changed.move === 'same');
        await traffic(round++);
      }
    }
    assert.equal(failures, 0, `every one of ${calls} calls succeeded`);
    const stats = migrator.stats();
    assert.equal(stats.comparisons.mismatches, 0);
    assert.ok(stats.comparisons.total > 0);
    assert.ok(STAGES.every((stage) => stats.stages[stage] > 0), 'traffic ran in every stage');
    assert.equal(await migrator.pending(), 0);
    const last = (round - 1) * 100;
    assert.deepEqual(newStore, new Map(Array.from({ length: 20 }, (_, i) => [`ORD-${i}`, last + i])), 'the new store holds every latest write');
  });

  it('splits a consumer’s identifiers by bucket, the same way in every migrator', async () => {
    const { source, migrator, clock } = setup(null);
    source.put(stageFlag(NS, CONSUMER, 'live', 50));
    const other = new Migrator({ namespace: NS, consumer: CONSUMER, flags: source, clock: clock.now });
    const inside = identifiers(CONSUMER, 10, true);
    const outside = identifiers(CONSUMER, 10, false);
    for (const id of inside) {
      assert.equal(await migrator.read({ identifier: id, old: () => 'o', new: () => 'n' }), 'n', `${id} is live`);
      assert.equal((await other.stageOf(id)).stage, 'live');
    }
    for (const id of outside) {
      assert.equal(await migrator.read({ identifier: id, old: () => 'o', new: () => 'n' }), 'o', `${id} is still in shadow`);
      assert.equal((await other.stageOf(id)).stage, 'shadow');
    }
  });
});

describe('migrator: execution', () => {
  it('runs the two paths in random order when asked, by the random source', async () => {
    for (const [random, order] of [
      [0.9, ['old', 'new']],
      [0.1, ['new', 'old']],
    ] as const) {
      const { migrator, paths } = setup('shadow', { order: 'random', random: () => random });
      await migrator.read({ identifier: 'ORD-1', old: paths.path('old', 1), new: paths.path('new', 1) });
      assert.deepEqual(paths.ran, order);
    }
  });

  it('runs the two paths at once when parallel', async () => {
    const { migrator } = setup('shadow', { order: 'parallel' });
    let newStarted!: () => void;
    const started = new Promise<void>((resolve) => (newStarted = resolve));
    const answer = await migrator.read({
      identifier: 'ORD-1',
      old: async () => {
        await started;
        return 'old';
      },
      new: () => {
        newStarted();
        return 'new';
      },
    });
    assert.equal(answer, 'old', 'old could only finish because new started meanwhile');
    assert.throws(() => setup('shadow', { order: 'sideways' as never }), (error) => isStableIdError(error, 'INVALID_ARGUMENT'));
  });

  it('never fails a call for the non-authoritative path, and fails it with the authoritative path’s own error', async () => {
    const { migrator, paths, source } = setup('shadow');
    assert.equal(await migrator.read({ identifier: 'ORD-1', old: paths.path('old', 'o'), new: paths.path('new', 'n', { fail: true }) }), 'o');
    const boom = new Error('the old store is down');
    await assert.rejects(
      migrator.read({
        identifier: 'ORD-1',
        old: () => {
          throw boom;
        },
        new: paths.path('new', 'n'),
      }),
      (error) => error === boom,
    );
    source.put(stageFlag(NS, CONSUMER, 'live'));
    assert.equal(await migrator.read({ identifier: 'ORD-1', old: paths.path('old', 'o', { fail: true }), new: paths.path('new', 'n') }), 'n');
    const stats = migrator.stats();
    assert.deepEqual([stats.read.old.calls, stats.read.old.errors, stats.read.new.calls, stats.read.new.errors], [3, 2, 3, 1]);
    assert.equal(stats.comparisons.total, 0, 'nothing to compare when a path failed');
    assert.equal(stats.read.new.errorRate, 1 / 3);
  });

  it('compares answers with the comparator, counts consistency and records mismatches', async () => {
    const { migrator, events } = setup('shadow');
    const answers: [string, string][] = [
      ['a', 'a'],
      ['b', 'B'],
      ['c', 'c'],
      ['d', 'd'],
    ];
    for (const [index, [oldValue, newValue]] of answers.entries()) {
      await migrator.read({ identifier: `ORD-${index}`, old: () => ({ value: oldValue }), new: () => ({ value: newValue }) });
    }
    assert.deepEqual(migrator.stats().comparisons, { total: 4, matches: 3, mismatches: 1, consistency: 0.75 });
    assert.deepEqual(
      migrator.mismatches().map((event) => event.type === 'mismatch' && [event.identifier, event.old, event.new, event.stage]),
      [['ORD-1', { value: 'b' }, { value: 'B' }, 'shadow']],
    );
    assert.equal(events.filter((event) => event.type === 'mismatch').length, 1, 'told to onEvent');
    await migrator.read({ identifier: 'ORD-9', old: () => 'x', new: () => 'X', compare: (a, b) => a.toLowerCase() === b.toLowerCase() });
    await migrator.read({
      identifier: 'ORD-10',
      old: () => 'x',
      new: () => 'x',
      compare: () => {
        throw new Error('cannot compare');
      },
    });
    assert.deepEqual(migrator.stats().comparisons, { total: 6, matches: 4, mismatches: 2, consistency: 4 / 6 });
    const thrown = migrator.mismatches().at(-1);
    assert.ok(thrown?.type === 'mismatch' && thrown.error?.message === 'cannot compare');
  });

  it('measures each path’s latency with the clock it is given', async () => {
    const { migrator, paths } = setup('shadow');
    for (let i = 0; i < 99; i += 1) await migrator.read({ identifier: `ORD-${i}`, old: paths.path('old', i, { ms: 5 }), new: paths.path('new', i, { ms: 20 }) });
    await migrator.read({ identifier: 'ORD-slow', old: paths.path('old', 0, { ms: 5 }), new: paths.path('new', 0, { ms: 900 }) });
    const { read } = migrator.stats();
    assert.deepEqual(read.old.latency, { samples: 100, meanMs: 5, p50Ms: 5, p90Ms: 5, p99Ms: 5, maxMs: 5 });
    assert.deepEqual([read.new.latency.p50Ms, read.new.latency.p99Ms, read.new.latency.maxMs], [20, 20, 900]);
    assert.equal(read.new.latency.meanMs, (99 * 20 + 900) / 100);
  });
});

describe('migrator: reconciliation', () => {
  it('queues a failed non-authoritative write, and replays it with the caller’s function', async () => {
    const { migrator, paths, events } = setup('dualwrite');
    for (const id of ['ORD-1', 'ORD-2', 'ORD-3']) {
      const result = await migrator.write({ identifier: id, old: paths.path('old', `${id} written`), new: paths.path('new', null, { fail: true }), payload: { id, total: 42 } });
      assert.equal(result, `${id} written`, 'the call succeeded');
    }
    await assert.rejects(migrator.write({ identifier: 'ORD-4', old: paths.path('old', 1, { fail: true }), new: paths.path('new', 1, { fail: true }) }));
    const entries = await migrator.reconciliation.entries();
    assert.deepEqual(
      entries.map((entry) => [entry.identifier, entry.path, entry.stage, entry.payload, entry.error.message, entry.attempts]),
      [
        ['ORD-1', 'new', 'dualwrite', { id: 'ORD-1', total: 42 }, 'new path failed', 0],
        ['ORD-2', 'new', 'dualwrite', { id: 'ORD-2', total: 42 }, 'new path failed', 0],
        ['ORD-3', 'new', 'dualwrite', { id: 'ORD-3', total: 42 }, 'new path failed', 0],
      ],
      'a write whose authoritative path failed is the caller’s to retry, not queued',
    );
    assert.equal(events.filter((event) => event.type === 'queued').length, 3);
    assert.equal(migrator.stats().reconciliation.queued, 3);

    const applied: string[] = [];
    const result = await migrator.reconciliation.replay((entry) => {
      if (entry.identifier === 'ORD-2') throw new Error('still down');
      applied.push(entry.identifier);
    });
    assert.deepEqual(result, { replayed: 2, failed: 1, remaining: 1 });
    assert.deepEqual(applied, ['ORD-1', 'ORD-3']);
    const [left] = await migrator.reconciliation.entries();
    assert.deepEqual([left?.identifier, left?.attempts, left?.lastError?.message], ['ORD-2', 1, 'still down']);
    assert.equal(await migrator.reconciliation.drop(left?.id ?? ''), true);
    assert.equal(await migrator.pending(), 0);
  });

  it('keeps at most its bound in memory, dropping the oldest, and takes a store of the caller’s', async () => {
    const store = new MemoryReconciliationStore(2);
    const queue = new ReconciliationQueue({ store });
    const { migrator, paths } = setup('rampdown', { reconciliation: queue });
    for (const id of ['A', 'B', 'C']) await migrator.write({ identifier: id, old: paths.path('old', '', { fail: true }), new: paths.path('new', id) });
    assert.deepEqual((await queue.entries()).map((entry) => [entry.identifier, entry.path]), [
      ['B', 'old'],
      ['C', 'old'],
    ]);
    assert.equal(store.dropped, 1);
    const replay = await queue.replay(() => undefined, { filter: (entry) => entry.identifier === 'C' });
    assert.deepEqual(replay, { replayed: 1, failed: 0, remaining: 1 });
  });
});

describe('migrator: guardrails', () => {
  let service: FakeFlagService;
  before(async () => {
    service = await openFakeFlagService();
  });
  beforeEach(() => {
    service.received.length = 0;
    service.flags.put(stageFlag(NS, CONSUMER, 'shadow'));
  });
  after(async () => {
    await service.close();
  });

  it('moves the consumer back one stage through the service when injected errors cross the error-rate threshold, once, and records why', async () => {
    const client = new StableIdClient({ endpoints: service.url, token: STEWARD_TOKEN, retries: 0, flags: UNCACHED });
    const clock = new ManualClock();
    const migrator = new Migrator({
      namespace: NS,
      consumer: CONSUMER,
      flags: client.flags,
      clock: clock.now,
      guardrails: { shadow: { maxErrorRate: 0.2, minSamples: 10, window: 20 } },
    });
    const paths = new Paths(clock);
    try {
      for (let i = 0; i < 20; i += 1) {
        const answer = await migrator.read({ identifier: `ORD-${i}`, old: paths.path('old', 'o'), new: paths.path('new', 'n', { fail: i % 2 === 0 }) });
        assert.equal(answer, 'o', 'the traffic keeps succeeding');
      }
      await migrator.idle();
      const puts = service.received.filter((r) => r.method === 'PUT');
      assert.equal(puts.length, 1, 'one move for one breach');
      assert.equal(puts[0]?.url, `/v1/namespaces/${NS}/flags/stage/${CONSUMER}`);
      assert.deepEqual(puts[0]?.body, { stage: 'dualwrite', percent: 100, stages: [...STAGES] });
      const reason = puts[0]?.headers['x-reason'];
      assert.equal(reason, 'guardrail of stage shadow crossed for billing: new-path error rate 50.0% above 20.0% over 10 calls; moving back to dualwrite');
      const guardrails = migrator.events().filter((event): event is GuardrailEvent => event.type === 'guardrail');
      assert.equal(guardrails.length, 1);
      const [event] = guardrails;
      assert.deepEqual([event?.stage, event?.from, event?.to, event?.outcome, event?.reason, typeof event?.seq], ['shadow', 'shadow', 'dualwrite', 'moved', reason, 'number']);
      assert.deepEqual(event?.breaches, [{ measure: 'errorRate', value: 0.5, threshold: 0.2, samples: 10 }]);
      assert.deepEqual(migrator.stats().guardrails, { breaches: 1, moves: 1 });
      assert.equal((await migrator.stageOf('ORD-1')).stage, 'dualwrite');
      paths.ran.length = 0;
      await migrator.read({ identifier: 'ORD-1', old: paths.path('old', 'o'), new: paths.path('new', 'n') });
      assert.deepEqual(paths.ran, ['old'], 'dualwrite reads the old path only');
    } finally {
      await migrator.close();
      await client.close();
    }
  });

  it('records a move the service refuses (a token without the steward role)', async () => {
    const client = new StableIdClient({ endpoints: service.url, token: READ_TOKEN, retries: 0, flags: UNCACHED });
    const migrator = new Migrator({ namespace: NS, consumer: CONSUMER, flags: client.flags, guardrails: { shadow: { maxErrorRate: 0, minSamples: 1 } } });
    try {
      await migrator.read({ identifier: 'ORD-1', old: () => 'o', new: () => Promise.reject(new Error('boom')) });
      await migrator.idle();
      const [event] = migrator.events();
      assert.ok(event?.type === 'guardrail');
      assert.deepEqual([event.outcome, event.error?.code], ['failed', 'FORBIDDEN']);
      assert.deepEqual(migrator.stats().guardrails, { breaches: 1, moves: 0 });
      assert.equal((await migrator.stageOf('ORD-1')).stage, 'shadow');
    } finally {
      await migrator.close();
      await client.close();
    }
  });

  it('moves back on low consistency through the caller’s own setStage, and the next call sees it', async () => {
    const flags = new MemoryFlags();
    flags.put(stageFlag(NS, CONSUMER, 'live'));
    const readOnly = new FlagReader({ flags: (namespace) => flags.flags(namespace) }, UNCACHED);
    const asked: unknown[] = [];
    const { migrator } = setup(null, {
      flags: readOnly,
      guardrails: { live: { minConsistency: 0.9, minSamples: 5 } },
      setStage: async (namespace, consumer, change) => {
        asked.push(change);
        return flags.setStage(namespace, consumer, change);
      },
    });
    for (let i = 0; i < 5; i += 1) await migrator.read({ identifier: `ORD-${i}`, old: () => i, new: () => (i < 3 ? i : -i) });
    await migrator.idle();
    assert.equal(asked.length, 1);
    assert.deepEqual(asked[0], {
      stage: 'shadow',
      percent: 100,
      stages: [...STAGES],
      reason: 'guardrail of stage live crossed for billing: consistency 60.0% below 90.0% over 5 compared reads; moving back to shadow',
    });
    assert.equal((await migrator.stageOf('ORD-1')).stage, 'shadow');
    const [event] = migrator.events();
    assert.ok(event?.type === 'guardrail' && event.outcome === 'moved' && event.seq === 1);
  });

  it('moves back on p99 latency, along the migration’s own stages', async () => {
    const { migrator, source, paths } = setup(null, { guardrails: { complete: { maxLatencyMs: 100, minSamples: 5 } } });
    source.put(stageFlag(NS, CONSUMER, 'complete', 100, TWO_STAGES));
    for (let i = 0; i < 4; i += 1) await migrator.read({ identifier: `ORD-${i}`, old: paths.path('old', 0), new: paths.path('new', 0, { ms: 20 }) });
    await migrator.read({ identifier: 'ORD-slow', old: paths.path('old', 0), new: paths.path('new', 0, { ms: 150 }) });
    await migrator.idle();
    const [event] = migrator.events();
    assert.ok(event?.type === 'guardrail');
    assert.deepEqual([event.from, event.to, event.outcome, event.breaches[0]?.measure, event.breaches[0]?.value], ['complete', 'off', 'moved', 'latency', 150]);
    assert.deepEqual(
      source.changes.map(({ change }) => [change.stage, change.stages]),
      [['off', TWO_STAGES]],
    );
  });

  it('does not move when there is no stage before, or the flag is already behind', async () => {
    const { migrator, source } = setup(null, { guardrails: { live: { maxErrorRate: 0, minSamples: 1 }, complete: { maxErrorRate: 0, minSamples: 1 } } });
    source.put(stageFlag(NS, CONSUMER, 'live', 100, ['live', 'complete']));
    await migrator.read({ identifier: 'ORD-1', old: () => 0, new: () => Promise.reject(new Error('x')) }).catch(() => undefined);
    await migrator.idle();
    const [event] = migrator.events();
    assert.ok(event?.type === 'guardrail');
    assert.deepEqual([event.stage, event.to, event.outcome], ['live', null, 'no-earlier-stage']);
    assert.equal(source.changes.length, 0);
  });

  it('refuses a malformed guardrail', () => {
    assert.throws(() => setup('live', { guardrails: { live: { maxErrorRate: 2 } } }), (error) => isStableIdError(error, 'INVALID_ARGUMENT'));
    assert.throws(() => setup('live', { guardrails: { live: { minSamples: 50, window: 10 } } }), (error) => isStableIdError(error, 'INVALID_ARGUMENT'));
  });
});

describe('migrator: metrics', () => {
  it('exports its figures to Prometheus as soon as they are counted', async () => {
    const registry = new PromRegistry();
    const metrics = new MigratorMetrics(registry);
    const { migrator, paths } = setup('shadow', { metrics });
    await migrator.read({ identifier: 'ORD-1', old: paths.path('old', 1, { ms: 3 }), new: paths.path('new', 2, { ms: 7 }) });
    await migrator.read({ identifier: 'ORD-2', old: paths.path('old', 1), new: paths.path('new', 1, { fail: true }) });
    await migrator.write({ identifier: 'ORD-3', old: paths.path('old', 1), new: paths.path('new', 1, { fail: true }) });
    const text = await registry.metrics();
    const value = (name: string, extra = ''): number | undefined => {
      const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`namespace="${NS}"`) && (extra === '' || l.includes(extra)));
      return line === undefined ? undefined : Number(line.split(' ').at(-1));
    };
    assert.equal(value('stableid_migrator_calls_total', 'operation="read",path="new"'), 2);
    assert.equal(value('stableid_migrator_errors_total', 'operation="read",path="new"'), 1);
    assert.equal(value('stableid_migrator_comparisons_total', 'result="mismatch"'), 1);
    assert.equal(value('stableid_migrator_consistency_ratio'), 0);
    assert.equal(value('stableid_migrator_stage_calls_total', 'stage="shadow"'), 3);
    assert.equal(value('stableid_migrator_reconciliation_pending'), 1);
    assert.equal(value('stableid_migrator_reconciliation_queued_total'), 1);
    assert.equal(value('stableid_migrator_duration_seconds_count', 'operation="read",path="old"'), 2);
    assert.equal(value('stableid_migrator_duration_seconds_sum', 'operation="read",path="new"'), 0.007);
    await migrator.close();
    assert.equal((await registry.metrics()).includes('stableid_migrator_calls_total{'), false, 'a closed migrator is no longer reported');
  });
});
