import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StableIdClient } from '../../src/client/index.js';
import { type StableIdError, isStableIdError } from '../../src/model/errors.js';
import { ORDER, legacy } from '../registry/fixtures.js';
import { type LiveService, ManualClock, deadEndpoint, openLiveService } from './fixtures.js';

const CACHE = { ttlMs: 1000, staleWhileRevalidateMs: 1000, staleIfErrorMs: 60_000 };
const FAST = { retries: 1, backoff: { baseMs: 1, maxMs: 1 } };

const unavailable = (error: unknown): error is StableIdError => isStableIdError(error, 'SERVICE_UNAVAILABLE');

describe('client: outages', () => {
  let service: LiveService;
  const dir = mkdtempSync(join(tmpdir(), 'stableid-client-'));
  before(async () => {
    service = await openLiveService();
  });
  after(async () => {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps resolving cached identifiers within the grace window while the service is down, and recovers when it is back', async () => {
    const clock = new ManualClock();
    const client = new StableIdClient({ endpoints: service.url, clock: clock.now, cache: CACHE, ...FAST, breaker: { failureThreshold: 3, coolDownMs: 5000 } });
    try {
      assert.equal((await client.resolve(ORDER, legacy(1))).source, 'canonical');
      await service.stop();
      assert.equal((await client.resolve(ORDER, legacy(1))).source, 'fresh');
      clock.advance(30_000);
      assert.equal((await client.resolve(ORDER, legacy(1))).source, 'stale', 'past TTL and stale-while-revalidate, within the grace window');
      await assert.rejects(client.resolve(ORDER, legacy(3)), (error) => {
        assert.ok(unavailable(error));
        assert.deepEqual(error.context['endpoints'], [service.url]);
        return true;
      });
      assert.equal(client.stats.counts().errors, 1);
      assert.equal(client.health()[0]?.state, 'open', 'three consecutive failures opened the circuit');
      await assert.rejects(client.resolve(ORDER, legacy(2)), (error) => unavailable(error) && error.context['rule'] === 'circuit.open');

      await service.start();
      clock.advance(5000);
      assert.equal(client.health()[0]?.state, 'half-open');
      assert.equal((await client.resolve(ORDER, legacy(3))).source, 'canonical', 'the probe goes through');
      assert.equal(client.health()[0]?.state, 'closed');
      assert.equal((await client.resolve(ORDER, legacy(1))).source, 'canonical', 'the old answer is refreshed once the service is back');
      clock.advance(60_000 + 1000);
      await service.stop();
      await assert.rejects(client.resolve(ORDER, legacy(3)), unavailable, 'past the grace window, nothing stale is served');
    } finally {
      await service.start();
      await client.close();
    }
  });

  it('fails over to the next endpoint without a failed call, healthiest first afterwards', async () => {
    const dead = await deadEndpoint();
    const client = new StableIdClient({ endpoints: [dead, service.url], retries: 0, cache: false });
    try {
      const items = await client.resolveMany(ORDER, [{ value: legacy(1) }, { value: legacy(3) }]);
      assert.deepEqual(items.map((item) => item.ok), [true, true]);
      assert.equal((await client.resolve(ORDER, legacy(1))).source, 'canonical');
      assert.equal(client.stats.counts().errors, 0);
      assert.deepEqual(client.health().map((endpoint) => [endpoint.url, endpoint.failures]), [
        [service.url, 0],
        [dead, 1],
      ], 'the dead endpoint failed once, then the healthy one went first');
    } finally {
      await client.close();
    }
  });

  it('resolves, after a restart during an outage, what the last process knew (snapshot)', async () => {
    const clock = new ManualClock();
    const path = join(dir, 'last-known-good.json');
    const before = new StableIdClient({ endpoints: service.url, clock: clock.now, cache: CACHE, snapshot: { path, intervalMs: 0 } });
    await before.resolve(ORDER, legacy(1));
    await before.translate(ORDER, legacy(1), 'v2');
    await before.close();
    assert.deepEqual(readdirSync(dir), ['last-known-good.json'], 'written by rename, no temporary file left');

    await service.stop();
    const restarted = new StableIdClient({ endpoints: service.url, clock: clock.now, cache: CACHE, ...FAST, snapshot: { path, intervalMs: 0 } });
    try {
      clock.advance(10_000);
      const resolved = await restarted.resolve(ORDER, legacy(1));
      assert.equal(resolved.source, 'stale');
      assert.equal(resolved.value.entity, 'ent_000001');
      assert.equal((await restarted.translate(ORDER, legacy(1), 'v2')).source, 'stale');
      await assert.rejects(restarted.resolve(ORDER, legacy(3)), unavailable);
    } finally {
      await restarted.close();
      await service.start();
    }
  });

  it('starts without a snapshot when the file is missing or not a snapshot', async () => {
    const client = new StableIdClient({ endpoints: service.url, snapshot: { path: join(dir, 'missing', 'nothing.json'), intervalMs: 0 }, cache: {} });
    assert.equal((await client.resolve(ORDER, legacy(1))).source, 'canonical');
    await assert.rejects(client.close(), (error: NodeJS.ErrnoException) => error.code === 'ENOENT', 'its directory does not exist');
    const garbage = join(dir, 'garbage.json');
    writeFileSync(garbage, '{"version": 1, "entr');
    const other = new StableIdClient({ endpoints: service.url, snapshot: { path: garbage, intervalMs: 0 } });
    assert.equal((await other.resolve(ORDER, legacy(1))).source, 'canonical');
    await other.close();
    const loaded = new StableIdClient({ endpoints: service.url, snapshot: { path: garbage, intervalMs: 0 } });
    assert.equal((await loaded.resolve(ORDER, legacy(1))).source, 'fresh', 'overwritten with a snapshot, loaded by the next client');
    await loaded.close();
  });
});
