import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { BatchItem } from '../../src/registry/registry.js';
import { ORDER, allEvents, binding, defineOrder, legacy, openSqliteTestRegistry, rejectsWith, typeId } from '../registry/fixtures.js';

/*
 * Bulk writes on a file store run on two connections: an append worker holds
 * the write lock and writes, the main connection answers reads from the
 * snapshot at the start. These tests hold that path to the same results as
 * the direct one.
 */

const register = (n: number): BatchItem => ({ request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(n), binding: binding(String(n)) } });
const alias = (n: number): BatchItem => ({ request: { op: 'alias', namespace: ORDER, from: { value: legacy(n) }, scheme: 'v2', value: typeId(n) } });

describe('bulk writes through the append worker', () => {
  it('writes a multi-chunk batch that later items of which build on earlier ones, and verifies clean', async () => {
    const { registry, close } = openSqliteTestRegistry({ file: true });
    try {
      await defineOrder(registry);
      const items = [...Array.from({ length: 1200 }, (_, i) => register(i + 1)), ...Array.from({ length: 1200 }, (_, i) => alias(i + 1))];
      const report = await registry.writeMany(items, { bulk: true, chunkSize: 250 });
      assert.equal(report.written, 2400);
      const resolved = await registry.translate(ORDER, { value: legacy(777) }, 'v2');
      assert.equal(resolved.to.value, typeId(777));
      assert.equal((await registry.verify()).ok, true);
      // Repeating the batch in bulk writes nothing new.
      const again = await registry.writeMany(items, { bulk: true, chunkSize: 250 });
      assert.deepEqual([again.written, again.unchanged], [0, 2400]);
    } finally {
      await close();
    }
  });

  it('writes nothing when an item fails, even after earlier chunks went to the worker', async () => {
    const { registry, close } = openSqliteTestRegistry({ file: true });
    try {
      await defineOrder(registry);
      const before = await allEvents(registry, ORDER);
      const items = [...Array.from({ length: 600 }, (_, i) => register(i + 1)), { request: { op: 'register', namespace: ORDER, scheme: 'v2', value: 'ORD_BAD' } } as BatchItem];
      await rejectsWith(registry.writeMany(items, { bulk: true, chunkSize: 100 }), 'BATCH_REJECTED');
      assert.deepEqual(await allEvents(registry, ORDER), before);
      await rejectsWith(registry.resolve(ORDER, { value: legacy(1) }), 'IDENTIFIER_NOT_FOUND');
    } finally {
      await close();
    }
  });

  it('rolls everything back when the database refuses a row in the worker', async () => {
    const { registry, store, close } = openSqliteTestRegistry({ file: true });
    try {
      await defineOrder(registry);
      const before = await allEvents(registry, ORDER);
      // A trigger that only the worker's inserts will meet, halfway through the batch.
      store.connection.exec(`CREATE TRIGGER refuse_500 BEFORE INSERT ON events WHEN NEW.seq = ${before.length + 500}
        BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END;`);
      const items = Array.from({ length: 800 }, (_, i) => register(i + 1));
      await rejectsWith(registry.writeMany(items, { bulk: true, chunkSize: 100 }), 'INTERNAL');
      assert.deepEqual(await allEvents(registry, ORDER), before);
      store.connection.exec('DROP TRIGGER refuse_500');
      // The store is usable afterwards.
      assert.equal((await registry.writeMany(items.slice(0, 10), { bulk: true })).written, 10);
      assert.equal((await registry.verify()).ok, true);
    } finally {
      await close();
    }
  });

  it('erases and re-registers a value within one bulk batch', async () => {
    const { registry, close } = openSqliteTestRegistry({ file: true });
    try {
      await defineOrder(registry);
      await registry.writeMany([register(1), register(2)]);
      const items: BatchItem[] = [
        { request: { op: 'erase', namespace: ORDER, identifier: { value: legacy(1) } } },
        register(1),
        register(3),
        { request: { op: 'erase', namespace: ORDER, identifier: { value: legacy(3) } } },
      ];
      const report = await registry.writeMany(items, { bulk: true, chunkSize: 2 });
      assert.equal(report.written, 4);
      const first = await registry.resolve(ORDER, { value: legacy(1) });
      assert.equal(first.identifiers.length, 1);
      await rejectsWith(registry.resolve(ORDER, { value: legacy(3) }), 'IDENTIFIER_NOT_FOUND');
      assert.equal((await registry.verify()).ok, true);
    } finally {
      await close();
    }
  });

  it('gives the same answers as direct writes for any batch (property)', async () => {
    const op = fc.oneof(
      fc.integer({ min: 1, max: 30 }).map(register),
      fc.integer({ min: 1, max: 30 }).map(alias),
      fc.record({ n: fc.integer({ min: 1, max: 30 }), key: fc.constantFrom('a', 'b') }).map(
        ({ n, key }): BatchItem => ({ request: { op: 'rebind', namespace: ORDER, identifier: { value: legacy(n) }, binding: binding(key) } }),
      ),
      fc.integer({ min: 1, max: 30 }).map((n): BatchItem => ({ request: { op: 'erase', namespace: ORDER, identifier: { value: legacy(n) } } })),
      fc.integer({ min: 1, max: 30 }).map((n): BatchItem => ({ request: { op: 'archive', namespace: ORDER, identifier: { value: typeId(n) } } })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 20 }), async (items, chunkSize) => {
        const direct = openSqliteTestRegistry({ file: true });
        const bulk = openSqliteTestRegistry({ file: true });
        try {
          await defineOrder(direct.registry);
          await defineOrder(bulk.registry);
          const a = await direct.registry.writeMany(items, { continueOnError: true, chunkSize });
          const b = await bulk.registry.writeMany(items, { continueOnError: true, chunkSize, bulk: true });
          assert.deepEqual(
            b.outcomes.map((o) => [o.op, o.value, o.changed, o.seq]),
            a.outcomes.map((o) => [o.op, o.value, o.changed, o.seq]),
          );
          assert.deepEqual(
            b.failures.map((f) => [f.index, f.error.code]),
            a.failures.map((f) => [f.index, f.error.code]),
          );
          const values = Array.from({ length: 30 }, (_, i) => ({ value: legacy(i + 1) }));
          const view = async (r: typeof direct.registry): Promise<unknown> =>
            (await r.resolveMany(ORDER, values)).map((x) => (x.ok ? x.result.identifiers.map((i) => [i.scheme, i.value, i.state]) : x.error.code));
          assert.deepEqual(await view(bulk.registry), await view(direct.registry));
          assert.equal((await bulk.registry.verify()).ok, true);
        } finally {
          await direct.close();
          await bulk.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});

