import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_BACKOFF, backoffDelay } from '../../src/client/backoff.js';
import { LookupCache } from '../../src/client/cache.js';
import { CircuitBreaker } from '../../src/client/circuit-breaker.js';
import { lookupKey } from '../../src/client/lookup-key.js';
import { StableIdError } from '../../src/model/errors.js';
import { ManualClock } from './fixtures.js';

const OPTIONS = { maxEntries: 3, ttlMs: 100, staleWhileRevalidateMs: 100, staleIfErrorMs: 1000, negativeTtlMs: 10 };
const key = (value: string, namespace = 'order') => lookupKey('resolve', namespace, value, undefined, undefined);

describe('client cache', () => {
  it('answers fresh, stale, then fallback, then forgets', () => {
    const clock = new ManualClock();
    const cache = new LookupCache<string>(OPTIONS, clock.now);
    cache.fill(cache.begin(key('a')), { ok: true, value: 'A' }, []);
    assert.equal(cache.read(key('a'))?.state, 'fresh');
    clock.advance(100);
    assert.equal(cache.read(key('a'))?.state, 'stale');
    clock.advance(100);
    assert.equal(cache.read(key('a'))?.state, 'fallback');
    clock.advance(900);
    assert.equal(cache.read(key('a')), undefined);
    assert.equal(cache.size, 0);
  });

  it('remembers a not-found for the negative TTL', () => {
    const clock = new ManualClock();
    const cache = new LookupCache<string>(OPTIONS, clock.now);
    cache.fill(cache.begin(key('x')), { ok: false, error: new StableIdError('IDENTIFIER_NOT_FOUND', 'no') }, []);
    assert.equal(cache.read(key('x'))?.state, 'negative');
    clock.advance(10);
    assert.equal(cache.read(key('x')), undefined);
  });

  it('evicts the least recently used entry past its size', () => {
    const cache = new LookupCache<string>(OPTIONS, new ManualClock().now);
    for (const value of ['a', 'b', 'c']) cache.fill(cache.begin(key(value)), { ok: true, value }, []);
    cache.read(key('a'));
    cache.fill(cache.begin(key('d')), { ok: true, value: 'd' }, []);
    assert.deepEqual(['a', 'b', 'c', 'd'].map((v) => cache.read(key(v))?.state ?? null), ['fresh', null, 'fresh', 'fresh']);
  });

  it('hands out a fresh positive value on the warm path, marking it used, and nothing else', () => {
    const clock = new ManualClock();
    const cache = new LookupCache<string>(OPTIONS, clock.now);
    const fresh = (value: string): string | undefined => cache.fresh('resolve', 'order', value, undefined, undefined);
    for (const value of ['a', 'b', 'c']) cache.fill(cache.begin(key(value)), { ok: true, value: value.toUpperCase() }, []);
    assert.equal(fresh('a'), 'A');
    cache.fill(cache.begin(key('d')), { ok: true, value: 'D' }, []);
    assert.deepEqual(['a', 'b', 'c', 'd'].map(fresh), ['A', undefined, 'C', 'D'], 'the warm path counts as a use: b was the least recently used');
    cache.fill(cache.begin(key('x')), { ok: false, error: new StableIdError('IDENTIFIER_NOT_FOUND', 'no') }, []);
    assert.equal(fresh('x'), undefined, 'a remembered not-found is for read() to tell');
    clock.advance(100);
    assert.equal(fresh('c'), undefined, 'past its TTL');
    assert.equal(cache.read(key('c'))?.state, 'stale', 'but still held');
  });

  it('tells apart the keys that ask for one value in other namespaces, kinds, schemes and targets', () => {
    const cache = new LookupCache<string>({ ...OPTIONS, maxEntries: 5 }, new ManualClock().now);
    const keys = [
      key('7'),
      key('7', 'sku'),
      lookupKey('resolve', 'order', '7', 'v1', undefined),
      lookupKey('translate', 'order', '7', undefined, 'v2'),
      lookupKey('translate', 'order', '7', undefined, 'v3'),
    ];
    const fresh = (): (string | undefined)[] => keys.map((k) => cache.fresh(k.kind, k.namespace, k.value, k.scheme, k.to));
    keys.forEach((k, i) => cache.fill(cache.begin(k), { ok: true, value: String(i) }, []));
    assert.deepEqual(fresh(), ['0', '1', '2', '3', '4']);
    cache.fill(cache.begin(keys[2] ?? key('?')), { ok: true, value: 'again' }, []);
    assert.equal(cache.size, 5, 'a key stored again replaces its entry');
    cache.fill(cache.begin(key('8')), { ok: true, value: '8' }, []);
    assert.deepEqual(fresh(), [undefined, '1', 'again', '3', '4'], 'the least recently used of the chain went');
    assert.equal(cache.invalidate('order', '7'), 3);
    assert.deepEqual(fresh(), [undefined, '1', undefined, undefined, undefined], 'another namespace is not covered');
    assert.equal(cache.size, 2);
  });

  it('refuses the write-back of a ticket taken before an invalidation covering its key', () => {
    const cache = new LookupCache<string>(OPTIONS, new ManualClock().now);
    const before = cache.begin(key('a'));
    const other = cache.begin(key('a', 'sku'));
    cache.invalidate('order', 'a');
    const afterwards = cache.begin(key('a'));
    assert.equal(cache.fill(before, { ok: true, value: 'old' }, []), false);
    assert.equal(cache.read(key('a')), undefined);
    assert.equal(cache.fill(other, { ok: true, value: 'sku' }, []), true, 'another namespace is not covered');
    assert.equal(cache.fill(afterwards, { ok: true, value: 'new' }, []), true);
    const read = cache.read(key('a'));
    assert.ok(read?.state === 'fresh' && read.value === 'new');
  });

  it('drops an answer by any value it names, or a whole namespace', () => {
    const cache = new LookupCache<string>(OPTIONS, new ManualClock().now);
    cache.fill(cache.begin(key('a')), { ok: true, value: 'A' }, ['alias-of-a']);
    cache.fill(cache.begin(key('b')), { ok: true, value: 'B' }, []);
    assert.equal(cache.invalidate('order', 'alias-of-a'), 1);
    assert.equal(cache.read(key('a')), undefined);
    assert.equal(cache.invalidate('order'), 1);
    assert.equal(cache.size, 0);
  });
});

describe('client circuit breaker and backoff', () => {
  it('opens after the threshold, lets one probe through after the cool-down, closes on its success', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 2, coolDownMs: 100 }, clock.now);
    breaker.failed();
    assert.equal(breaker.state, 'closed');
    breaker.failed();
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.acquire(), false);
    clock.advance(100);
    assert.equal(breaker.state, 'half-open');
    assert.equal(breaker.acquire(), true);
    assert.equal(breaker.acquire(), false, 'one probe at a time');
    breaker.failed();
    assert.equal(breaker.state, 'open', 'a failed probe reopens it');
    clock.advance(100);
    assert.equal(breaker.acquire(), true);
    breaker.succeeded();
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.failures, 0);
  });

  it('backs off exponentially, capped, with jitter between half and all of the delay', () => {
    assert.deepEqual([1, 2, 3].map((retry) => backoffDelay(retry, DEFAULT_BACKOFF, () => 0)), [25, 50, 100]);
    assert.deepEqual([1, 2, 3].map((retry) => backoffDelay(retry, DEFAULT_BACKOFF, () => 0.999999)).map(Math.round), [50, 100, 200]);
    assert.equal(backoffDelay(20, DEFAULT_BACKOFF, () => 0), 500, 'capped at maxMs');
  });
});
