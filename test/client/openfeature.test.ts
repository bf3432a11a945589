import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type EvaluationDetails, type FlagValue, type Hook, OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { StableIdClient, StableIdProvider, parseFlagKey } from '../../src/client/index.js';
import { ANY_CONSUMER } from '../../src/model/flags.js';
import { type FakeFlagService, READ_TOKEN, exposureFlag, identifiers, openFakeFlagService, stageFlag } from './flag-fixtures.js';
import { ManualClock } from './fixtures.js';

const NS = 'order';
const DOMAIN = 'stableid-openfeature-test';

/** A hook that keeps what it observes of every evaluation. */
function observer() {
  const seen = {
    after: [] as { flagKey: string; value: FlagValue; reason: string | undefined; variant: string | undefined }[],
    errors: [] as { flagKey: string; code: unknown }[],
    finished: [] as EvaluationDetails<FlagValue>[],
  };
  const hook: Hook = {
    after: (context, details) => void seen.after.push({ flagKey: context.flagKey, value: details.value, reason: details.reason, variant: details.variant }),
    error: (context, error) => void seen.errors.push({ flagKey: context.flagKey, code: (error as { code?: unknown }).code }),
    finally: (_context, details) => void seen.finished.push(details),
  };
  return { hook, seen };
}

describe('OpenFeature provider through the OpenFeature SDK', () => {
  let service: FakeFlagService;
  let clock: ManualClock;
  let client: StableIdClient;
  let provider: StableIdProvider;

  before(async () => {
    service = await openFakeFlagService();
    service.flags.put(stageFlag(NS, 'billing', 'live'));
    service.flags.put(stageFlag(NS, ANY_CONSUMER, 'shadow', 50));
    service.flags.put(exposureFlag(NS, 'v2', 'billing', 100));
    service.flags.put(exposureFlag(NS, 'v2', ANY_CONSUMER, 30));
  });
  beforeEach(async () => {
    await client?.close();
    clock = new ManualClock();
    client = new StableIdClient({ endpoints: service.url, token: READ_TOKEN, clock: clock.now, retries: 0, flags: { ttlMs: 1000, staleWhileRevalidateMs: 0, retryAfterErrorMs: 0 } });
    provider = new StableIdProvider({ flags: client.flags, consumer: 'billing', namespaces: [NS] });
    service.received.length = 0;
    await OpenFeature.setProviderAndWait(DOMAIN, provider);
  });
  after(async () => {
    await OpenFeature.close();
    await client.close();
    await service.close();
  });

  it('reads the namespaces it is given when it starts', () => {
    assert.deepEqual(service.received.map((r) => r.url), [`/v1/namespaces/${NS}/flags`]);
    assert.equal(OpenFeature.getProviderMetadata(DOMAIN).name, 'stableid');
  });

  it('evaluates a consumer’s stage for the targeting key, with variant, reason and metadata', async () => {
    const features = OpenFeature.getClient(DOMAIN);
    const details = await features.getStringDetails(`stableid.stage.${NS}`, 'off', { targetingKey: 'ORD-000001' });
    assert.equal(details.value, 'live');
    assert.equal(details.variant, 'live');
    assert.equal(details.reason, 'TARGETING_MATCH', 'the consumer’s own flag, for all its traffic');
    assert.equal(details.flagMetadata['source'], 'fresh');
    assert.equal(details.flagMetadata['flagConsumer'], 'billing');
    assert.equal(details.flagMetadata['percent'], 100);
    const [inside] = identifiers('search', 1, true);
    const [outside] = identifiers('search', 1, false);
    const split = await features.getStringDetails(`stableid.stage.${NS}`, 'off', { targetingKey: inside ?? '', consumer: 'search' });
    assert.deepEqual([split.value, split.reason, split.flagMetadata['flagConsumer']], ['shadow', 'SPLIT', ANY_CONSUMER], 'the context names the consumer');
    assert.equal(await features.getStringValue(`stableid.stage.${NS}`, 'off', { targetingKey: outside ?? '', consumer: 'search' }), 'dualwrite');
    const none = await features.getStringDetails('stableid.stage.customer', 'off', { targetingKey: 'C-1' });
    assert.deepEqual([none.value, none.reason], ['off', 'DEFAULT'], 'no flag applies');
  });

  it('evaluates exposure as a boolean', async () => {
    const features = OpenFeature.getClient(DOMAIN);
    const shown = await features.getBooleanDetails(`stableid.exposed.${NS}.v2`, false, { targetingKey: 'ORD-000001' });
    assert.deepEqual([shown.value, shown.variant, shown.reason, shown.flagMetadata['scheme']], [true, 'exposed', 'TARGETING_MATCH', 'v2']);
    const [hidden] = identifiers('search', 1, false, 30);
    const split = await features.getBooleanDetails(`stableid.exposed.${NS}.v2`, true, { targetingKey: hidden ?? '', consumer: 'search' });
    assert.deepEqual([split.value, split.variant, split.reason], [false, 'hidden', 'SPLIT']);
    assert.equal(await features.getBooleanValue(`stableid.exposed.${NS}.v1`, false, { targetingKey: 'ORD-000001' }), true, 'no flag: shown');
  });

  it('answers unknown keys, wrong types and missing context with the SDK’s error codes and the caller’s default', async () => {
    const features = OpenFeature.getClient(DOMAIN);
    const unknown = await features.getStringDetails('checkout.new-flow', 'fallback', { targetingKey: 'ORD-1' });
    assert.deepEqual([unknown.value, unknown.reason, unknown.errorCode], ['fallback', 'ERROR', 'FLAG_NOT_FOUND']);
    const wrong = await features.getBooleanDetails(`stableid.stage.${NS}`, false, { targetingKey: 'ORD-1' });
    assert.deepEqual([wrong.value, wrong.errorCode], [false, 'TYPE_MISMATCH']);
    const number = await features.getNumberDetails(`stableid.exposed.${NS}.v2`, 7, { targetingKey: 'ORD-1' });
    assert.deepEqual([number.value, number.errorCode], [7, 'TYPE_MISMATCH']);
    const object = await features.getObjectDetails('stableid.nothing', { a: 1 }, { targetingKey: 'ORD-1' });
    assert.equal(object.errorCode, 'FLAG_NOT_FOUND');
    const untargeted = await features.getStringDetails(`stableid.stage.${NS}`, 'off', {});
    assert.deepEqual([untargeted.value, untargeted.errorCode], ['off', 'TARGETING_KEY_MISSING']);
    assert.deepEqual(parseFlagKey(`stableid.exposed.${NS}.v2.extra`), undefined);
  });

  it('runs the application’s hooks around every evaluation', async () => {
    const { hook, seen } = observer();
    const features = OpenFeature.getClient(DOMAIN);
    features.addHooks(hook);
    await features.getStringValue(`stableid.stage.${NS}`, 'off', { targetingKey: 'ORD-1' });
    await features.getBooleanValue(`stableid.exposed.${NS}.v2`, false, { targetingKey: 'ORD-1' });
    await features.getStringValue('unknown.flag', 'x', { targetingKey: 'ORD-1' });
    assert.deepEqual(seen.after, [
      { flagKey: `stableid.stage.${NS}`, value: 'live', reason: 'TARGETING_MATCH', variant: 'live' },
      { flagKey: `stableid.exposed.${NS}.v2`, value: true, reason: 'TARGETING_MATCH', variant: 'exposed' },
    ]);
    assert.deepEqual(seen.errors, [{ flagKey: 'unknown.flag', code: 'FLAG_NOT_FOUND' }]);
    assert.equal(seen.finished.length, 3);
  });

  it('answers STALE while the service is down, and DEFAULT from the reader’s defaults past the grace window', async () => {
    const features = OpenFeature.getClient(DOMAIN);
    await service.stop();
    try {
      clock.advance(2000);
      const stale = await features.getStringDetails(`stableid.stage.${NS}`, 'off', { targetingKey: 'ORD-1' });
      assert.deepEqual([stale.value, stale.reason, stale.flagMetadata['source']], ['live', 'STALE', 'stale']);
      clock.advance(86_400_000);
      const fallback = await features.getStringDetails(`stableid.stage.${NS}`, 'live', { targetingKey: 'ORD-1' });
      assert.deepEqual([fallback.value, fallback.reason, fallback.errorCode], ['off', 'DEFAULT', undefined], 'the reader’s defaults: every consumer off');
    } finally {
      await service.start();
    }
  });

  it('emits PROVIDER_CONFIGURATION_CHANGED when a read finds the flags changed', async () => {
    const changes: (string[] | undefined)[] = [];
    const features = OpenFeature.getClient(DOMAIN);
    features.addHandler(ProviderEvents.ConfigurationChanged, (details) => changes.push(details?.flagsChanged));
    service.flags.put(stageFlag(NS, 'billing', 'rampdown'));
    clock.advance(1000);
    assert.equal(await features.getStringValue(`stableid.stage.${NS}`, 'off', { targetingKey: 'ORD-1' }), 'rampdown');
    assert.deepEqual(changes, [[`stableid.stage.${NS}`, `stableid.exposed.${NS}.v2`]]);
    service.flags.put(stageFlag(NS, 'billing', 'live'));
  });
});
