import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ORDER, eventCount, legacy } from '../registry/fixtures.js';
import { type AuthTestApp, type Caller, body, openAuthTestApp } from './fixtures.js';

describe('http Idempotency-Key', () => {
  let t: AuthTestApp;
  before(async () => {
    t = await openAuthTestApp({ idempotency: { maxKeys: 2 } });
  });
  after(async () => t.close());

  const register = (value: string, key: string, caller: Caller = 'write') =>
    t.app.inject({ method: 'POST', url: `/v1/namespaces/${ORDER}/identifiers`, payload: { scheme: 'v1', value }, headers: { authorization: t.bearer[caller], 'idempotency-key': key } });

  it('replays the first answer to a retry with the same key and body, writing once', async () => {
    const before = await eventCount(t.registry, ORDER);
    const first = await register(legacy(40), 'k-1');
    assert.equal(first.statusCode, 201);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    const retry = await register(legacy(40), 'k-1');
    assert.equal(retry.statusCode, 201, 'the first status, not the 200 of a repeat');
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    assert.equal(retry.body, first.body);
    assert.equal(retry.headers.location, first.headers.location);
    assert.equal(await eventCount(t.registry, ORDER), before + 1);
  });

  it('refuses the same key with a different body with 422, writing nothing', async () => {
    await register(legacy(41), 'k-2');
    const before = await eventCount(t.registry, ORDER);
    const reused = await register(legacy(42), 'k-2');
    assert.equal(reused.statusCode, 422);
    assert.deepEqual([body(reused).code, body(reused).rule], ['INVALID_ARGUMENT', 'idempotency.key-reused']);
    assert.equal(await eventCount(t.registry, ORDER), before);
  });

  it('keeps keys per token, and a client error of the route is replayed too', async () => {
    const other = await register(legacy(40), 'k-1', 'steward');
    assert.equal(other.statusCode, 200, 'another token’s key is its own: a plain repeat');
    assert.equal(other.headers['idempotent-replayed'], undefined);
    const bad = await register('ORD-1', 'k-3');
    assert.equal(bad.statusCode, 422);
    const again = await register('ORD-1', 'k-3');
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.body, bad.body);
  });

  it('does not take the key for a request refused before the route ran', async () => {
    const malformed = await t.app.inject({ method: 'POST', url: `/v1/namespaces/${ORDER}/identifiers`, payload: { scheme: 1 }, headers: { authorization: t.bearer.write, 'idempotency-key': 'k-4' } });
    assert.equal(malformed.statusCode, 400);
    assert.equal((await register(legacy(43), 'k-4')).statusCode, 201);
  });

  it('forgets the least recently used key beyond its bound', async () => {
    await register(legacy(44), 'k-5');
    await register(legacy(45), 'k-6');
    await register(legacy(46), 'k-7');
    const forgotten = await register(legacy(44), 'k-5');
    assert.equal(forgotten.headers['idempotent-replayed'], undefined);
    assert.equal(forgotten.statusCode, 200, 'answered afresh: a repeat');
  });

  it('forgets a key once its time is up', async () => {
    let now = 0;
    const timed = await openAuthTestApp({ idempotency: { ttlMs: 1000, now: () => now } });
    try {
      const send = () => timed.app.inject({ method: 'POST', url: `/v1/namespaces/${ORDER}/identifiers`, payload: { scheme: 'v1', value: legacy(50) }, headers: { authorization: timed.bearer.write, 'idempotency-key': 'k' } });
      assert.equal((await send()).statusCode, 201);
      now = 999;
      assert.equal((await send()).headers['idempotent-replayed'], 'true');
      now = 2000;
      const late = await send();
      assert.equal(late.headers['idempotent-replayed'], undefined);
      assert.equal(late.statusCode, 200);
    } finally {
      await timed.close();
    }
  });
});
