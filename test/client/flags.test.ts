import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parseScope } from '../../src/auth/scopes.js';
import { SqliteTokenStore } from '../../src/auth/sqlite-token-store.js';
import { FlagReader, type FlagReaderEvent, Migrator, StableIdClient } from '../../src/client/index.js';
import { isStableIdError } from '../../src/model/errors.js';
import { ANY_CONSUMER, bucketOf, stageFor } from '../../src/model/flags.js';
import { ORDER, legacy } from '../registry/fixtures.js';
import { type FakeFlagService, MemoryFlags, READ_TOKEN, STEWARD_TOKEN, exposureFlag, identifiers, openFakeFlagService, stageFlag } from './flag-fixtures.js';
import { type LiveService, ManualClock, deadEndpoint, openLiveService } from './fixtures.js';

const NS = 'order';
const FLAGS = { ttlMs: 1000, staleWhileRevalidateMs: 1000, staleIfErrorMs: 60_000, retryAfterErrorMs: 500 };
const FAST = { retries: 0, timeoutMs: 1000 };

describe('flags: through the SDK', () => {
  let service: FakeFlagService;
  let clock: ManualClock;
  let client: StableIdClient;

  before(async () => {
    service = await openFakeFlagService();
  });
  beforeEach(async () => {
    await client?.close();
    clock = new ManualClock();
    client = new StableIdClient({ endpoints: service.url, token: READ_TOKEN, clock: clock.now, flags: FLAGS, ...FAST });
    service.received.length = 0;
    service.flags.put(stageFlag(NS, 'billing', 'shadow'));
    service.flags.put(stageFlag(NS, ANY_CONSUMER, 'dualwrite'));
    service.flags.put(exposureFlag(NS, 'v2', 'billing', 0));
  });
  after(async () => {
    await client.close();
    await service.close();
  });

  it('reads a namespace’s flags with the client’s token, then answers from the cache', async () => {
    const first = await client.flags.stage(NS, 'billing', 'ORD-000001');
    assert.deepEqual([first.stage, first.source, first.flag?.consumer], ['shadow', 'canonical', 'billing']);
    const other = await client.flags.stage(NS, 'search', 'ORD-000001');
    assert.deepEqual([other.stage, other.source, other.flag?.consumer], ['dualwrite', 'fresh', ANY_CONSUMER], 'a consumer without a flag of its own follows `*`');
    assert.equal((await client.flags.stage('customer', 'billing', 'C-1')).stage, 'off', 'no flag: off');
    assert.deepEqual(
      service.received.map((r) => [r.method, r.url, r.headers.authorization]),
      [
        ['GET', `/v1/namespaces/${NS}/flags`, `Bearer ${READ_TOKEN}`],
        ['GET', '/v1/namespaces/customer/flags', `Bearer ${READ_TOKEN}`],
      ],
    );
    assert.deepEqual(client.flags.counts(), { canonical: 2, fresh: 1, stale: 0, default: 0 });
  });

  it('shows or hides a scheme by its exposure flag, per consumer and identifier', async () => {
    assert.equal((await client.flags.exposed(NS, 'v2', 'billing', 'ORD-000001')).exposed, false, 'billing: 0%');
    assert.equal((await client.flags.exposed(NS, 'v2', 'search', 'ORD-000001')).exposed, true, 'no flag for search: shown');
    assert.equal((await client.flags.exposed(NS, 'v1', 'billing', 'ORD-000001')).exposed, true, 'no flag for the scheme: shown');
    service.flags.put(exposureFlag(NS, 'v2', ANY_CONSUMER, 30));
    client.flags.invalidate(NS);
    const shown = identifiers('search', 5, true, 30);
    const hidden = identifiers('search', 5, false, 30);
    for (const id of shown) assert.equal((await client.flags.exposed(NS, 'v2', 'search', id)).exposed, true, id);
    for (const id of hidden) assert.equal((await client.flags.exposed(NS, 'v2', 'search', id)).exposed, false, id);
  });

  it('puts each identifier in the same stage in every client instance: bucketing is stable', async () => {
    service.flags.put(stageFlag(NS, 'billing', 'live', 40));
    const ids = Array.from({ length: 200 }, (_, i) => `ORD-${i}`);
    const other = new StableIdClient({ endpoints: service.url, token: READ_TOKEN, ...FAST });
    try {
      const here = await Promise.all(ids.map(async (id) => (await client.flags.stage(NS, 'billing', id)).stage));
      const there = await Promise.all(ids.map(async (id) => (await other.flags.stage(NS, 'billing', id)).stage));
      assert.deepEqual(here, there);
      const flag = stageFlag(NS, 'billing', 'live', 40);
      assert.deepEqual(here, ids.map((id) => stageFor(flag, 'billing', id)), 'as the model decides it');
      const live = here.filter((stage) => stage === 'live').length;
      assert.deepEqual(new Set(here), new Set(['live', 'shadow']), 'the rest stays in the stage before');
      assert.ok(live > 50 && live < 110, `about 40% live (${live} of 200)`);
    } finally {
      await other.close();
    }
  });

  it('serves stale flags while refreshing in the background, and tells subscribers what changed', async () => {
    const events: FlagReaderEvent[] = [];
    client.flags.subscribe((event) => events.push(event));
    assert.equal((await client.flags.stage(NS, 'billing', 'ORD-1')).stage, 'shadow');
    service.flags.put(stageFlag(NS, 'billing', 'live'));
    clock.advance(1500);
    const stale = await client.flags.stage(NS, 'billing', 'ORD-1');
    assert.deepEqual([stale.stage, stale.source], ['shadow', 'stale']);
    await client.idle();
    const fresh = await client.flags.stage(NS, 'billing', 'ORD-1');
    assert.deepEqual([fresh.stage, fresh.source], ['live', 'fresh']);
    assert.deepEqual(events.map((e) => [e.type, e.namespace]), [['changed', NS]]);
  });

  it('never fails a flag read: stale within the grace window while the service is down, then the defaults', async () => {
    const events: FlagReaderEvent[] = [];
    client.flags.subscribe((event) => events.push(event));
    await client.flags.flags(NS);
    await service.stop();
    try {
      clock.advance(30_000);
      const stale = await client.flags.stage(NS, 'billing', 'ORD-1');
      assert.deepEqual([stale.stage, stale.source], ['shadow', 'stale'], 'past TTL and stale-while-revalidate, within the grace window');
      const failure = events.at(-1);
      assert.ok(failure?.type === 'failed' && isStableIdError(failure.error, 'SERVICE_UNAVAILABLE'), 'subscribers are told');
      const requests = service.received.length;
      await client.flags.stage(NS, 'billing', 'ORD-2');
      assert.equal(service.received.length, requests, 'within retryAfterErrorMs the service is not asked again');
      clock.advance(40_000);
      const fallback = await client.flags.stage(NS, 'billing', 'ORD-1');
      assert.deepEqual([fallback.stage, fallback.source], ['off', 'default'], 'past the grace window: the defaults');
      const shown = await client.flags.exposed(NS, 'v2', 'billing', 'ORD-1');
      assert.deepEqual([shown.exposed, shown.source], [true, 'default']);
    } finally {
      await service.start();
    }
    clock.advance(500);
    const back = await client.flags.stage(NS, 'billing', 'ORD-1');
    assert.deepEqual([back.stage, back.source], ['shadow', 'canonical'], 'read again once the service is back');
  });

  it('answers a cold start during an outage with the configured defaults', async () => {
    const dead = await deadEndpoint();
    const cold = new StableIdClient({
      endpoints: dead,
      ...FAST,
      flags: { defaults: (namespace) => ({ stages: [stageFlag(namespace, 'billing', 'complete')], exposure: [] }) },
    });
    try {
      const answer = await cold.flags.stage(NS, 'billing', 'ORD-1');
      assert.deepEqual([answer.stage, answer.source], ['complete', 'default']);
      assert.equal((await cold.flags.stage(NS, 'search', 'ORD-1')).stage, 'off');
      assert.equal(cold.stats.counts().errors, 0, 'no lookup failed');
    } finally {
      await cold.close();
    }
  });

  it('shares one call among concurrent reads of a namespace', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => client.flags.stage(NS, 'billing', `ORD-${i}`)));
    assert.ok(answers.every((answer) => answer.source === 'canonical'));
    assert.equal(service.received.length, 1);
  });

  it('sets a stage with the steward role; a move back needs a reason, sent as X-Reason; the next read sees it at once', async () => {
    const steward = new StableIdClient({ endpoints: service.url, token: STEWARD_TOKEN, clock: clock.now, flags: FLAGS, ...FAST });
    try {
      assert.equal((await steward.flags.stage(NS, 'billing', 'ORD-1')).stage, 'shadow');
      const forward = await steward.flags.setStage(NS, 'billing', { stage: 'live', percent: 25 });
      assert.deepEqual([forward.move, forward.flag.stage, forward.flag.percent, typeof forward.seq], ['forward', 'live', 25, 'number']);
      await assert.rejects(steward.flags.setStage(NS, 'billing', { stage: 'dualwrite' }), (error) => isStableIdError(error, 'POLICY_VIOLATION') && error.context['rule'] === 'stage-order');
      const back = await steward.flags.setStage(NS, 'billing', { stage: 'shadow', reason: 'consistency dropped' });
      assert.equal(back.move, 'back');
      const put = service.received.filter((r) => r.method === 'PUT').at(-1);
      assert.equal(put?.url, `/v1/namespaces/${NS}/flags/stage/billing`);
      assert.equal(put?.headers['x-reason'], 'consistency dropped');
      assert.deepEqual(put?.body, { stage: 'shadow' });
      const gets = service.received.filter((r) => r.method === 'GET').length;
      const seen = await steward.flags.stage(NS, 'billing', 'ORD-1');
      assert.deepEqual([seen.stage, seen.source], ['shadow', 'fresh']);
      assert.equal(service.received.filter((r) => r.method === 'GET').length, gets, 'without asking the service again');
      await assert.rejects(client.flags.setStage(NS, 'billing', { stage: 'live' }), (error) => isStableIdError(error, 'FORBIDDEN'), 'the read token may not');
      await assert.rejects(steward.flags.setStage(NS, 'billing', { stage: 'shadow', reason: 'line\nbreak' }), (error) => isStableIdError(error, 'INVALID_ARGUMENT'));
    } finally {
      await steward.close();
    }
  });
});

describe('flags: over any flag source', () => {
  it('reads an in-process source through the same cache rules', async () => {
    const source = new MemoryFlags();
    source.put(stageFlag(NS, 'billing', 'rampdown'));
    const clock = new ManualClock();
    const reader = new FlagReader(source, { ...FLAGS, clock: clock.now });
    assert.equal((await reader.stage(NS, 'billing', 'x')).stage, 'rampdown');
    assert.equal((await reader.stage(NS, 'billing', 'y')).source, 'fresh');
    source.failure = new Error('the registry is closed');
    clock.advance(2500);
    const stale = await reader.stage(NS, 'billing', 'x');
    assert.deepEqual([stale.stage, stale.source], ['rampdown', 'stale']);
    assert.equal(source.reads, 2);
    const changed = await reader.setStage(NS, 'billing', { stage: 'complete' });
    assert.equal(changed.move, 'forward');
    assert.equal((await reader.stage(NS, 'billing', 'x')).stage, 'complete', 'the change is held although reads still fail');
  });

  it('refuses to set a stage through a source that cannot, and refuses bad cache options', async () => {
    const reader = new FlagReader({ flags: async () => ({ stages: [], exposure: [] }) });
    await assert.rejects(reader.setStage(NS, 'billing', { stage: 'live' }), (error) => isStableIdError(error, 'INVALID_ARGUMENT'));
    assert.throws(() => new FlagReader(new MemoryFlags(), { ttlMs: -1 }), (error) => isStableIdError(error, 'INVALID_ARGUMENT'));
  });
});

describe('flags: against the identity service', () => {
  let service: LiveService;
  let tokens: SqliteTokenStore;
  const secret: Record<string, string> = {};

  before(async () => {
    tokens = SqliteTokenStore.open(':memory:');
    for (const [actor, scope] of [
      ['billing', 'order:read'],
      ['steward', 'order:steward'],
    ] as const) {
      secret[actor] = (await tokens.create({ actor, scopes: [parseScope(scope)], createdBy: 'test', now: new Date() })).secret;
    }
    service = await openLiveService({ tokens });
  });
  after(async () => {
    await service.close();
    await tokens.close();
  });

  it('reads and sets stages, and a guardrail moves a consumer back with its reason recorded', async () => {
    const steward = new StableIdClient({ endpoints: service.url, token: secret['steward'], retries: 0, flags: { ttlMs: 0, staleWhileRevalidateMs: 0 } });
    const billing = new StableIdClient({ endpoints: service.url, token: secret['billing'], retries: 0 });
    try {
      assert.deepEqual(await billing.flags.stage(ORDER, 'billing', legacy(1)), { stage: 'off', source: 'canonical', flag: undefined, bucket: bucketOf('billing', legacy(1)) });
      for (const stage of ['dualwrite', 'shadow'] as const) assert.equal((await steward.flags.setStage(ORDER, 'billing', { stage })).move, 'forward');
      await assert.rejects(steward.flags.setStage(ORDER, 'billing', { stage: 'off' }), (error) => isStableIdError(error, 'POLICY_VIOLATION') && error.context['rule'] === 'stage-order');
      await assert.rejects(billing.flags.setStage(ORDER, 'billing', { stage: 'live' }), (error) => isStableIdError(error, 'FORBIDDEN'));
      billing.flags.invalidate(ORDER);
      assert.equal((await billing.flags.stage(ORDER, 'billing', legacy(1))).stage, 'shadow');

      service.received.length = 0;
      const migrator = new Migrator({ namespace: ORDER, consumer: 'billing', flags: steward.flags, guardrails: { shadow: { maxErrorRate: 0.5, minSamples: 4 } } });
      for (let i = 0; i < 4; i += 1) {
        assert.equal(await migrator.read({ identifier: legacy(1), old: () => 'old', new: () => Promise.reject(new Error('new store down')) }), 'old');
      }
      await migrator.close();
      const put = service.received.find((request) => request.method === 'PUT');
      assert.equal(put?.url, `/v1/namespaces/${ORDER}/flags/stage/billing`);
      assert.match(String(put?.headers['x-reason']), /^guardrail of stage shadow crossed for billing: new-path error rate 100\.0% above 50\.0% over 4 calls/);
      const [event] = migrator.events();
      assert.ok(event?.type === 'guardrail');
      assert.deepEqual([event.outcome, event.from, event.to, typeof event.seq], ['moved', 'shadow', 'dualwrite', 'number']);
      const flags = await service.registry.flags(ORDER);
      assert.deepEqual(flags.stages.map((flag) => [flag.consumer, flag.stage, flag.percent]), [['billing', 'dualwrite', 100]]);
    } finally {
      await steward.close();
      await billing.close();
    }
  });

  it('shows exposure flags alike through the flag reader and in the service’s answers to the consumer', async () => {
    await service.registry.setExposure({ namespace: ORDER, scheme: 'v2', consumer: 'billing', percent: 0 }, { actor: 'test' });
    const billing = new StableIdClient({ endpoints: service.url, token: secret['billing'], retries: 0 });
    try {
      const hidden = await billing.flags.exposed(ORDER, 'v2', 'billing', legacy(1));
      assert.deepEqual([hidden.exposed, hidden.source, hidden.flag?.percent], [false, 'canonical', 0]);
      assert.equal((await billing.flags.exposed(ORDER, 'v2', 'search', legacy(1))).exposed, true, 'another consumer is shown it');
      const resolved = await billing.resolve(ORDER, legacy(1));
      assert.deepEqual(resolved.value.identifiers.map((identifier) => identifier.scheme), ['v1'], 'the service hides v2 from billing (the token’s actor)');
      await assert.rejects(billing.translate(ORDER, legacy(1), 'v2'), (error) => isStableIdError(error, 'TRANSLATION_NOT_FOUND'));
    } finally {
      await billing.close();
    }
  });
});
