import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { MARKER_FIELD } from '../../src/migrate/marker.js';
import { type SourceCollection, openSource } from '../../src/migrate/source/index.js';
import { RedisSource } from '../../src/migrate/source/redis/redis-source.js';
import { StableIdError } from '../../src/model/errors.js';
import { applyOk, body, rejectsWith, scanAll } from './fixtures.js';
import { dropPrefix, freshPrefix, rawRedis, redisUrl } from './redis-env.js';

/** What only the Redis source has: TTLs, hashes, a keyspace shared with other data, cursors of its own, a server that may not be there. */
export function redisSourceSuite(): void {
  describe('Redis source', () => {
    const prefix = freshPrefix();
    let raw: Redis;
    const sources: RedisSource[] = [];
    const open = (options: Record<string, string> = {}): RedisSource => {
      const source = RedisSource.open(redisUrl({ prefix, ...options }));
      sources.push(source);
      return source;
    };
    before(async () => {
      raw = rawRedis();
      await raw.connect();
    });
    after(async () => {
      for (const source of sources) await source.close();
      await dropPrefix(raw, prefix);
      raw.disconnect();
    });

    const move = async (collection: SourceCollection, from: string, to: string): Promise<void> => {
      const [document] = await collection.getMany([from]);
      assert.ok(document, `${from} exists`);
      await applyOk(collection, [
        { kind: 'delete', key: from, expected: document.version },
        { kind: 'insert', key: to, body: { ...document.body, moved: true }, from },
      ]);
    };

    for (const format of ['json', 'hash'] as const) {
      it(`keeps the TTL of a document that moves to a new key or is replaced (${format})`, async () => {
        const orders = await open({ format }).collection(`ttl_${format}`);
        await applyOk(orders, [
          { kind: 'insert', key: 'old', body: body('old') },
          { kind: 'insert', key: 'forever', body: body('forever') },
          { kind: 'insert', key: 'plain', body: body('plain') },
        ]);
        await raw.pexpire(`${prefix}ttl_${format}:old`, 600_000);
        await raw.pexpire(`${prefix}ttl_${format}:plain`, 600_000);
        await move(orders, 'old', 'new');
        await move(orders, 'forever', 'still-forever');
        const moved = await raw.pttl(`${prefix}ttl_${format}:new`);
        assert.ok(moved > 0 && moved <= 600_000, `the moved document keeps its TTL (${moved} ms)`);
        assert.equal(await raw.exists(`${prefix}ttl_${format}:old`), 0, 'the old key is gone');
        assert.equal(await raw.pttl(`${prefix}ttl_${format}:still-forever`), -1, 'a document without a TTL gets none');

        const [plain] = await orders.getMany(['plain']);
        await applyOk(orders, [{ kind: 'replace', key: 'plain', expected: plain?.version ?? '', body: body('plain', { replaced: 'yes' }) }]);
        assert.ok((await raw.pttl(`${prefix}ttl_${format}:plain`)) > 0, 'a replaced document keeps its TTL');
        // An insert that moves from nowhere in particular is a plain insert: no TTL.
        await applyOk(orders, [{ kind: 'insert', key: 'fresh', body: body('fresh') }]);
        assert.equal(await raw.pttl(`${prefix}ttl_${format}:fresh`), -1);
      });
    }

    it('refuses an insert that moves from a key the batch does not delete', async () => {
      const orders = await open().collection('moves');
      await rejectsWith(orders.apply([{ kind: 'insert', key: 'b', body: body('b'), from: 'a' }]), 'INVALID_ARGUMENT');
      assert.equal(await orders.count(), 0);
    });

    it('reads hashes the application wrote as strings, and gives the engine marker back as JSON', async () => {
      const invoices = await open({ format: 'hash', json: 'lines' }).collection('invoice');
      await raw.hset(`${prefix}invoice:INV-1`, { number: 'INV-1', total: '12.50', lines: '[1,2]' });
      const [found] = await invoices.getMany(['INV-1']);
      assert.deepEqual(found?.body, { number: 'INV-1', total: '12.50', lines: [1, 2] });
      const versions = await applyOk(invoices, [
        { kind: 'replace', key: 'INV-1', expected: found?.version ?? '', body: { number: 'INV-1', total: 12.5, [MARKER_FIELD]: { migrations: ['m1'] } } },
      ]);
      assert.deepEqual(await raw.hgetall(`${prefix}invoice:INV-1`), { number: 'INV-1', total: '12.5', [MARKER_FIELD]: '{"migrations":["m1"]}' });
      const [again] = await invoices.getMany(['INV-1']);
      assert.deepEqual(again, { key: 'INV-1', version: versions.get('INV-1'), body: { number: 'INV-1', total: '12.5', [MARKER_FIELD]: { migrations: ['m1'] } } });
      // A hash holds at least one field.
      await rejectsWith(invoices.apply([{ kind: 'insert', key: 'empty', body: {} }]), 'INVALID_ARGUMENT');
    });

    it('sees only the collection: keys of other prefixes, of another type, and its own fence keys are left out', async () => {
      const source = open();
      const orders = await source.collection('order:*');
      await applyOk(orders, [{ kind: 'insert', key: '1', body: body('1') }]);
      await orders.apply([{ kind: 'insert', key: '2', body: body('2') }], { name: 'lease', token: 3 });
      await raw.hset(`${prefix}order:as-hash`, { a: '1' });
      await raw.set(`${prefix}orders:1`, '{"other":"collection"}');
      await raw.set(`${prefix}invoice:1`, '{}');
      assert.equal(await raw.get(`${prefix}stableid:fence:lease`), '3');
      const [whole] = await orders.partitions(4);
      assert.ok(whole);
      assert.deepEqual((await scanAll(orders, whole, 10)).documents.map((document) => document.key).sort(), ['1', '2']);
      assert.equal(await orders.count(), 2);
      // A collection named by its plain name is the same one as by its pattern.
      assert.equal(await (await source.collection('order')).count(), 2);
      assert.equal(await (await source.collection('order-*')).count(), 0);
      // The whole database, by the pattern "*", still leaves the fence keys out.
      const everything = await source.collection('*');
      assert.ok((await everything.getMany(['order:1', 'orders:1', 'stableid:fence:lease'])).every((document) => !document.key.startsWith('stableid:')));
      await rejectsWith(everything.apply([{ kind: 'insert', key: 'stableid:fence:lease', body: body('x') }]), 'INVALID_ARGUMENT');
    });

    it('keeps every page within the limit however much SCAN returns, carrying the rest in the cursor', async () => {
      const orders = await open().collection('paged');
      const all = Array.from({ length: 60 }, (_, index) => `k${index}`);
      await applyOk(orders, all.map((key) => ({ kind: 'insert' as const, key, body: body(key) })));
      const [whole] = await orders.partitions(1);
      assert.ok(whole);
      for (const limit of [1, 7, 100]) {
        const { documents } = await scanAll(orders, whole, limit);
        assert.deepEqual([...new Set(documents.map((document) => document.key))].sort(), [...all].sort(), `every key, ${limit} at a time`);
      }
      await rejectsWith(orders.scan(whole, 'not a cursor', 10), 'INVALID_ARGUMENT');
      await rejectsWith(orders.scan({ id: 'p1of2' }, null, 10), 'INVALID_ARGUMENT');
    });

    it('reports a key of the pattern that holds no JSON object, naming it', async () => {
      const counters = await open().collection('counter');
      await raw.set(`${prefix}counter:next`, '17');
      const error = await rejectsWith(counters.getMany(['next']), 'INTERNAL');
      assert.equal(error.context['key'], 'next');
      assert.match(error.message, /narrow the pattern/);
    });

    it('names the host, never the password, when the server is unreachable', async () => {
      const source = RedisSource.open('redis://admin:hunter2-secret@127.0.0.1:1/0');
      try {
        assert.equal(source.description, 'redis://admin@127.0.0.1:1/0');
        const error = await rejectsWith(source.collection('orders'), 'STORE_UNAVAILABLE');
        assert.match(error.message, /127\.0\.0\.1:1/);
        assert.doesNotMatch(JSON.stringify({ message: error.message, context: error.context }), /hunter2/);
      } finally {
        await source.close();
      }
    });

    it('reads its URL, and refuses a malformed one without echoing it, or an unknown option', async () => {
      // openSource checks the URL at once, and connects (loading the client) only on first use.
      const source = openSource('rediss://u:pw@cache.internal:6380/3?format=hash&prefix=app:');
      assert.equal(source.description, 'rediss://u@cache.internal:6380/3?format=hash&prefix=app%3A');
      await source.close();
      for (const reference of ['redis://u:pw-secret@[bad', 'redis://h/x', 'redis://h/0?format=xml', 'redis://h/0?pattern=a*']) {
        assert.throws(
          () => openSource(reference),
          (error: unknown) => error instanceof StableIdError && error.code === 'INVALID_ARGUMENT' && !error.message.includes('pw-secret'),
          reference,
        );
      }
    });
  });
}
