import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { rollbackRun } from '../../src/migrate/rollback.js';
import { runMigration } from '../../src/migrate/runner.js';
import { SqliteRunStore } from '../../src/migrate/runs/sqlite-run-store.js';
import { RedisSource } from '../../src/migrate/source/redis/redis-source.js';
import { defineOrder, legacy, openTestRegistry, typeId } from '../registry/fixtures.js';
import { dropPrefix, freshPrefix, rawRedis, redisSkip, redisUrl } from '../sources/redis-env.js';
import { order, rekey } from './fixtures.js';

const N = 30;
const numbers = Array.from({ length: N }, (_, i) => i + 1);
/** Orders with these numbers expire; the others do not. */
const expiring = new Set([2, 9, 17, 30]);

describe('a migration on Redis keeps each document\'s TTL, through the run and its rollback', { skip: await redisSkip() }, () => {
  const prefix = freshPrefix();
  let raw: Redis;
  before(async () => {
    raw = rawRedis();
    await raw.connect();
  });
  after(async () => {
    await dropPrefix(raw, prefix);
    raw.disconnect();
  });

  it('moves each TTL to the new key, and back to the old one on rollback', async () => {
    const ctx = openTestRegistry();
    const runs = SqliteRunStore.open(':memory:');
    const source = RedisSource.open(redisUrl({ prefix }));
    try {
      await defineOrder(ctx.registry);
      const collection = await source.collection('orders');
      await collection.apply(numbers.map((n) => ({ kind: 'insert' as const, key: legacy(n), body: order(n) })));
      for (const n of expiring) await raw.pexpire(`${prefix}orders:${legacy(n)}`, 3_600_000);
      const deps = { registry: ctx.registry, runs, collection, source: source.description, migration: rekey, clock: ctx.clock.read };

      const run = await runMigration(deps, { batchSize: 8 });
      assert.equal(run.status, 'completed');
      for (const n of numbers) {
        const ttl = await raw.pttl(`${prefix}orders:${typeId(n)}`);
        if (expiring.has(n)) assert.ok(ttl > 0 && ttl <= 3_600_000, `order ${n} keeps its TTL under its new key (${ttl} ms)`);
        else assert.equal(ttl, -1, `order ${n} gets no TTL`);
        assert.equal(await raw.exists(`${prefix}orders:${legacy(n)}`), 0);
      }

      const report = await rollbackRun(deps, run.id);
      assert.deepEqual([report.restored, report.digestsEqual], [N, true]);
      for (const n of numbers) {
        const ttl = await raw.pttl(`${prefix}orders:${legacy(n)}`);
        if (expiring.has(n)) assert.ok(ttl > 0 && ttl <= 3_600_000, `order ${n} has its TTL back under its old key (${ttl} ms)`);
        else assert.equal(ttl, -1);
      }
    } finally {
      await source.close();
      await runs.close();
      await ctx.close();
    }
  });
});
