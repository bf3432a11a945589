import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MARKER_FIELD } from '../../src/migrate/marker.js';
import { rollbackRun } from '../../src/migrate/rollback.js';
import { type RunDependencies, runMigration } from '../../src/migrate/runner.js';
import type { RunStore } from '../../src/migrate/runs/run-store.js';
import { SqliteRunStore } from '../../src/migrate/runs/sqlite-run-store.js';
import type { JsonObject, SourceCollection } from '../../src/migrate/source/source.js';
import { ORDER, type TestRegistry, defineOrder, legacy, openTestRegistry, typeId } from '../registry/fixtures.js';
import { postgresKind } from '../sources/postgres-source-kind.js';
import { redisKind } from '../sources/redis-source-kind.js';
import { dynamoKind } from '../sources/dynamodb-source-kind.js';
import { contents, insertOrders, rekey } from './fixtures.js';
import { type SourceKind, type TestSource, sqliteKind } from '../sources/source-kinds.js';

const N = 250;
const numbers = Array.from({ length: N }, (_, i) => i + 1);
const SOURCES: SourceKind[] = [sqliteKind, await postgresKind(), await redisKind('json'), await redisKind('hash'), dynamoKind];

for (const kind of SOURCES) {
  describe(`migrate run and rollback on the ${kind.name} source`, { skip: kind.skip }, () => {
    let ctx: TestRegistry;
    let runs: RunStore;
    let test: TestSource;
    let collection: SourceCollection;
    let deps: RunDependencies;
    beforeEach(async () => {
      ctx = openTestRegistry();
      await defineOrder(ctx.registry);
      runs = SqliteRunStore.open(':memory:');
      test = await kind.open();
      collection = await test.collection('orders');
      await insertOrders(collection, numbers.map((n) => ({ key: legacy(n), body: { number: legacy(n), total: n, tags: ['a', `"q${n}"`] } })));
      deps = { registry: ctx.registry, runs, collection, source: test.source.description, migration: rekey };
    });
    afterEach(async () => {
      await test.close();
      await runs.close();
      await ctx.close();
    });

    it('migrates every document and rolls back to a source and mappings whose digests equal those before the run', async () => {
      const before = await contents(collection);
      const run = await runMigration(deps, { batchSize: 40 });
      assert.equal(run.status, 'completed');
      const migrated = await contents(collection);
      assert.deepEqual([...migrated.keys()].sort(), numbers.map((n) => typeId(n)).sort());
      for (const document of migrated.values()) assert.deepEqual(document[MARKER_FIELD], { migrations: ['orders-v2'] });

      const report = await rollbackRun(deps, run.id);
      assert.deepEqual([report.restored, report.conflicts.length, report.digestsEqual], [N, 0, true]);
      assert.deepEqual(await contents(collection), before);
      assert.equal((await ctx.registry.resolve(ORDER, { value: legacy(9) })).binding?.key, legacy(9));
      assert.equal((await ctx.registry.verify()).ok, true);
    });

    it('never overwrites what the application wrote straight in the database after the run: those documents are conflicts', async () => {
      const run = await runMigration(deps, { batchSize: 60 });
      const current = await contents(collection);
      const edited = [3, 77, 250];
      for (const n of edited) await test.writeBehind('orders', typeId(n), { ...(current.get(typeId(n)) as JsonObject), note: `edited ${n}` });
      const report = await rollbackRun(deps, run.id);
      assert.deepEqual(
        report.conflicts.map((c) => c.key).sort(),
        edited.map((n) => legacy(n)).sort(),
      );
      assert.equal(report.restored, N - edited.length);
      const after = await contents(collection);
      for (const n of edited) assert.equal(after.get(typeId(n))?.['note'], `edited ${n}`, `the application's write to order ${n} is kept`);
      assert.equal(after.has(legacy(1)), true);
    });
  });
}
