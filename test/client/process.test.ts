import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { type ClientOptions, StableIdClient } from '../../src/client/index.js';
import { type StableIdError, isStableIdError } from '../../src/model/errors.js';
import { scratch } from '../cli/run-cli.js';
import { ORDER, legacy, typeId } from '../registry/fixtures.js';
import { ManualClock } from './fixtures.js';
import { type ServeProcess, killAll, servedCounts, startServe } from './serve-process.js';

/** Orders 1…5 in scheme v1, order 1 aliased into v2, and a token that may read the namespace. */
async function seededRegistry(): Promise<{ db: string; token: string; cleanup: () => void }> {
  const { db, run, cleanup } = scratch();
  const steps = [
    ['namespace', 'create', ORDER, '--owner', 'orders-team'],
    ['scheme', 'add', ORDER, 'v1', '--format', 'pattern', '--pattern', 'ORD-\\d{6}', '--max-length', '10'],
    ['scheme', 'add', ORDER, 'v2', '--format', 'typeid', '--prefix', 'ord'],
    ...[1, 2, 3, 4, 5].map((n) => ['register', ORDER, 'v1', legacy(n), '--store', 'main', '--collection', 'orders', '--key', String(n)]),
    ['alias', ORDER, legacy(1), 'v2', typeId(1)],
  ];
  for (const argv of steps) {
    const result = await run(...argv);
    assert.equal(result.code, 0, `${argv.join(' ')}: ${result.stderr}`);
  }
  const created = await run('--json', 'token', 'create', 'sdk-tests', '--scope', `${ORDER}:read`);
  assert.equal(created.code, 0, created.stderr);
  return { db, token: created.json<{ secret: string }>().secret, cleanup };
}

/** The requests of `operations` a service answered since `before`, once they have all been counted (a response is counted as it finishes). */
async function servedSince(url: string, before: Record<string, number>, operations: readonly string[], atLeast: number): Promise<Record<string, number>> {
  for (let attempt = 0; ; attempt += 1) {
    const { requests } = await servedCounts(url);
    const since = Object.fromEntries(operations.map((operation) => [operation, (requests[operation] ?? 0) - (before[operation] ?? 0)]));
    if (Object.values(since).reduce((sum, n) => sum + n, 0) >= atLeast || attempt === 50) return since;
    await sleep(20);
  }
}

const READS = ['resolveIdentifier', 'translateIdentifier', 'resolveBatch', 'translateBatch'] as const;
const unavailable = (error: unknown): error is StableIdError => isStableIdError(error, 'SERVICE_UNAVAILABLE');

/**
 * The SDK against real `stableid serve` processes over one SQLite registry
 * file: killed and restarted mid-run, two of them with the first dying, and
 * requests counted by the service's own /metrics. Outcomes are asserted,
 * never timings.
 */
describe('client: against real stableid serve processes', { timeout: 300_000 }, () => {
  let db: string;
  let token: string;
  let cleanup: () => void = () => undefined;
  const clients: StableIdClient[] = [];
  const client = (options: ClientOptions): StableIdClient => {
    const created = new StableIdClient({ token, ...options });
    clients.push(created);
    return created;
  };

  before(async () => {
    ({ db, token, cleanup } = await seededRegistry());
  });
  after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await killAll();
    cleanup();
  });

  it('keeps answering cached identifiers within the grace window while the service is killed, fails uncached ones clearly, and recovers after a restart', async () => {
    const first = await startServe(db);
    const clock = new ManualClock();
    const sdk = client({
      endpoints: first.url,
      clock: clock.now,
      cache: { ttlMs: 1000, staleWhileRevalidateMs: 1000, staleIfErrorMs: 60_000 },
      retries: 1,
      backoff: { baseMs: 1, maxMs: 1 },
      breaker: { failureThreshold: 3, coolDownMs: 5000 },
      timeoutMs: 10_000,
    });
    const resolved = await sdk.resolve(ORDER, legacy(1));
    assert.equal(resolved.source, 'canonical');
    assert.equal((await sdk.translate(ORDER, legacy(1), 'v2')).value.to.value, typeId(1));

    assert.equal(await first.kill('SIGKILL'), null, 'killed, not stopped');
    assert.equal((await sdk.resolve(ORDER, legacy(1))).source, 'fresh');
    await assert.rejects(sdk.resolve(ORDER, legacy(3)), (error) => {
      assert.ok(unavailable(error), `SERVICE_UNAVAILABLE, not ${String(error)}`);
      assert.match(error.message, /^the identity service cannot be reached: 2 attempts failed \(last: /);
      assert.deepEqual(error.context['endpoints'], [first.url]);
      assert.equal(error.context['rule'], 'service.unreachable');
      assert.ok(error.cause instanceof Error, 'the last failure is kept as the cause');
      return true;
    });
    clock.advance(30_000);
    const stale = await sdk.resolve(ORDER, legacy(1));
    assert.equal(stale.source, 'stale', 'past the TTL and stale-while-revalidate, within the grace window');
    assert.deepEqual(stale.value, resolved.value);
    assert.equal(sdk.health()[0]?.state, 'open', 'three consecutive failures opened the circuit');
    assert.equal((await sdk.translate(ORDER, legacy(1), 'v2')).source, 'stale', 'served without trying the open circuit');
    await assert.rejects(sdk.resolve(ORDER, legacy(4)), (error) => unavailable(error) && error.context['rule'] === 'circuit.open');
    assert.deepEqual(sdk.stats.counts(), { fresh: 1, stale: 2, negative: 0, canonical: 2, errors: 2 });

    const restarted = await startServe(db, first.port);
    assert.equal(restarted.url, first.url, 'on the same port');
    clock.advance(5000);
    const probe = await sdk.resolve(ORDER, legacy(3));
    assert.equal(probe.source, 'canonical', 'the half-open circuit lets the probe through');
    assert.equal(probe.value.identifier.value, legacy(3));
    assert.equal(sdk.health()[0]?.state, 'closed');
    assert.equal((await sdk.resolve(ORDER, legacy(1))).source, 'canonical', 'the old answer is fetched again');
    assert.equal((await sdk.resolve(ORDER, legacy(1))).source, 'fresh');
    const { requests } = await servedCounts(restarted.url);
    assert.equal(requests['resolveIdentifier'], 2, 'the restarted process answered both');
    assert.equal(await restarted.kill('SIGTERM'), 0, 'SIGTERM stops it gracefully');
  });

  it('fails over to the second endpoint without a failed call when the first dies mid-run', async () => {
    const [first, second] = await Promise.all([startServe(db), startServe(db)]);
    const sdk = client({ endpoints: [first.url, second.url], cache: false, retries: 0, timeoutMs: 10_000 });
    const values = [1, 2, 3, 4, 5].map(legacy);
    const failures: unknown[] = [];
    let answered = 0;
    let stop = false;
    // Eight callers resolving without pause until told to stop; every lookup must succeed.
    const callers = Array.from({ length: 8 }, async (_, caller) => {
      for (let i = caller; !stop; i += 1) {
        try {
          const answer = await sdk.resolve(ORDER, values[i % values.length] as string);
          assert.equal(answer.value.identifier.value, values[i % values.length]);
          answered += 1;
        } catch (error) {
          failures.push(error);
        }
      }
    });
    const until = async (count: number): Promise<void> => {
      while (answered < count && failures.length === 0) await sleep(5);
    };
    try {
      await until(50);
      const byFirst = await servedSince(first.url, {}, READS, 1);
      assert.ok(Object.values(byFirst).some((n) => n > 0), 'the first endpoint answered while it lived');
      await first.kill('SIGKILL');
      const killedAt = answered;
      await until(killedAt + 50);
    } finally {
      stop = true;
      await Promise.all(callers);
    }
    assert.deepEqual(failures, [], 'no lookup failed');
    assert.equal(sdk.stats.counts().errors, 0);
    const bySecond = await servedSince(second.url, {}, READS, 1);
    assert.ok(Object.values(bySecond).some((n) => n > 0), 'the second endpoint took over');
    assert.deepEqual(
      sdk.health().map((endpoint) => endpoint.url),
      [second.url, first.url],
      'the healthy endpoint goes first',
    );
    assert.ok((sdk.health()[1]?.failures ?? 0) >= 1);
    await second.kill('SIGTERM');
  });

  describe('one service, requests counted', () => {
    let service: ServeProcess;
    before(async () => {
      service = await startServe(db);
    });
    after(async () => {
      await service?.kill('SIGTERM');
    });

    it('makes one request for 100 concurrent lookups of one identifier', async () => {
      const sdk = client({ endpoints: service.url });
      const before = (await servedCounts(service.url)).requests;
      const answers = await Promise.all(Array.from({ length: 100 }, () => sdk.resolve(ORDER, legacy(2))));
      assert.ok(answers.every((answer) => answer.source === 'canonical' && answer.value.identifier.value === legacy(2)));
      assert.deepEqual(await servedSince(service.url, before, READS, 1), { resolveIdentifier: 1, translateIdentifier: 0, resolveBatch: 0, translateBatch: 0 });
    });

    it('batches mixed single lookups: one request per kind and target', async () => {
      const sdk = client({ endpoints: service.url });
      const { requests: before, batchItems: itemsBefore } = await servedCounts(service.url);
      const lookups = await Promise.allSettled([
        sdk.resolve(ORDER, legacy(1)),
        sdk.translate(ORDER, legacy(1), 'v2'),
        sdk.resolve(ORDER, legacy(3), { scheme: 'v1' }),
        sdk.resolve(ORDER, typeId(1), { scheme: 'v2' }),
        sdk.translate(ORDER, legacy(4), 'v2'),
        sdk.resolve(ORDER, legacy(42)),
        sdk.resolve(ORDER, legacy(5)),
      ]);
      assert.deepEqual(
        lookups.map((lookup) => (lookup.status === 'fulfilled' ? lookup.value.source : (lookup.reason as StableIdError).code)),
        ['canonical', 'canonical', 'canonical', 'canonical', 'TRANSLATION_NOT_FOUND', 'IDENTIFIER_NOT_FOUND', 'canonical'],
      );
      const [one, translated, , alias] = lookups;
      assert.ok(one?.status === 'fulfilled' && alias?.status === 'fulfilled' && translated?.status === 'fulfilled');
      assert.equal(alias.value.value.entity, one.value.value.entity);
      assert.equal(translated.value.value.to.value, typeId(1));
      assert.deepEqual(await servedSince(service.url, before, READS, 2), { resolveIdentifier: 0, translateIdentifier: 0, resolveBatch: 1, translateBatch: 1 });
      const { batchItems } = await servedCounts(service.url);
      assert.equal((batchItems['resolveBatch'] ?? 0) - (itemsBefore['resolveBatch'] ?? 0), 5);
      assert.equal((batchItems['translateBatch'] ?? 0) - (itemsBefore['translateBatch'] ?? 0), 2);
    });
  });
});
