import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { defineMigration } from '../../src/migrate/migration.js';
import { MARKER_FIELD, withMarker } from '../../src/migrate/marker.js';
import { planMigration } from '../../src/migrate/plan.js';
import type { JsonObject } from '../../src/migrate/source/source.js';
import { ORDER, type TestRegistry, defineOrder, legacy, openTestRegistry, rejectsWith, typeId } from '../registry/fixtures.js';
import { numberOf, orders, rekey } from './fixtures.js';
import { MemoryCollection } from './memory-collection.js';

describe('migrate plan', () => {
  let ctx: TestRegistry;
  beforeEach(async () => {
    ctx = openTestRegistry();
    await defineOrder(ctx.registry);
  });
  afterEach(async () => ctx.close());

  it('reports counts, the identifier diff and before/after diffs, writing nothing', async () => {
    const { registry } = ctx;
    await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1) });
    await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(2) });
    const collection = new MemoryCollection('orders', orders([1, 2, 3, 4]));
    const eventsBefore = (await registry.history(ORDER, 0, 1000)).length;

    const plan = await planMigration(registry, collection, rekey);

    assert.equal(plan.ok, true, JSON.stringify(plan.problems));
    assert.deepEqual(plan.counts, { documents: 4, change: 4, alreadyMigrated: 0, withProblems: 0, rekeyed: 4, registered: 2, toRegister: 2, toAdd: 4, alreadyAdded: 0 });
    assert.deepEqual(
      plan.identifierDiff.map((entry) => [entry.key, entry.newKey, entry.identifier.value, entry.added.map((a) => `${a.scheme}:${a.value}`)]),
      [1, 2, 3, 4].map((n) => [legacy(n), typeId(n), legacy(n), [`v2:${typeId(n)}`]]),
    );
    assert.equal(plan.identifierDiff[0]?.entity !== null, true);
    assert.equal(plan.identifierDiff[3]?.entity, null);
    const first = plan.diffs[0];
    assert.deepEqual(first?.after, {
      number: legacy(1),
      total: { amount: 10, currency: 'EUR' },
      customer: { name: 'c1' },
      publicId: typeId(1),
      [MARKER_FIELD]: { migrations: ['orders-v2'] },
    });
    assert.equal((await registry.history(ORDER, 0, 1000)).length, eventsBefore, 'a plan writes nothing to the registry');
    assert.deepEqual((await collection.getMany([legacy(1)]))[0]?.body, orders([1])[legacy(1)], 'a plan writes nothing to the source');
  });

  it('plans on a sample of the first N documents when asked', async () => {
    const plan = await planMigration(ctx.registry, new MemoryCollection('orders', orders([1, 2, 3, 4, 5, 6])), rekey, { sample: 4, pageSize: 3 });
    assert.equal(plan.sampled, true);
    assert.equal(plan.counts.documents, 4);
  });

  it('leaves documents that already carry the marker alone', async () => {
    const documents = orders([1, 2]);
    documents[legacy(2)] = withMarker(documents[legacy(2)] as JsonObject, 'orders-v2');
    const plan = await planMigration(ctx.registry, new MemoryCollection('orders', documents), rekey);
    assert.deepEqual([plan.counts.change, plan.counts.alreadyMigrated], [1, 1]);
    assert.deepEqual(
      plan.identifierDiff.map((entry) => entry.key),
      [legacy(1)],
    );
  });

  it('finds every problem: missing, invalid, duplicate and dropped identifiers, colliding keys and identifiers', async () => {
    const { registry } = ctx;
    // ORD-000009's v2 identifier already belongs to another entity.
    await registry.register({ namespace: ORDER, scheme: 'v2', value: typeId(9) });
    const documents: Record<string, JsonObject> = {
      ...orders([1, 9]),
      a: { total: 1 },
      b: { number: 'ORD-12' },
      c: { number: legacy(1) },
    };
    const dropping = defineMigration({ ...rekey, id: 'drop', transform: ({ number: _gone, ...rest }) => rest, key: undefined, add: [] });
    const collidingKeys = defineMigration({ ...rekey, id: 'collide', key: () => 'same', add: [] });

    const plan = await planMigration(registry, new MemoryCollection('orders', documents), rekey);
    assert.equal(plan.ok, false);
    const kinds = plan.problems.map((p) => `${p.kind}@${p.key}`).sort();
    // c repeats ORD-000001: its identifier, its derived TypeID and its new key all collide with ORD-000001's.
    assert.deepEqual(
      kinds,
      ['duplicate-identifier@c', `identifier-collision@${legacy(9)}`, 'identifier-collision@c', 'invalid-identifier@b', 'key-collision@c', 'missing-identifier@a'].sort(),
    );
    assert.equal(plan.counts.change, 1, 'only ORD-000001 is clean');
    assert.equal(plan.counts.withProblems, 4);

    const dropped = await planMigration(registry, new MemoryCollection('orders', orders([1, 2])), dropping);
    assert.deepEqual(
      dropped.problems.map((p) => p.kind),
      ['dropped-identifier', 'dropped-identifier'],
    );
    const collided = await planMigration(registry, new MemoryCollection('orders', orders([1, 2, 3])), collidingKeys);
    assert.deepEqual(
      collided.problems.map((p) => p.kind),
      ['key-collision', 'key-collision'],
    );
  });

  it('refuses a transform that is not deterministic, or that changes its input', async () => {
    let calls = 0;
    const counting = defineMigration({ ...rekey, id: 'counting', transform: (document) => ({ ...document, call: (calls += 1) }) });
    await rejectsWith(planMigration(ctx.registry, new MemoryCollection('orders', orders([1])), counting), 'MIGRATION_INVALID');
    const mutating = defineMigration({
      ...rekey,
      id: 'mutating',
      add: [
        {
          scheme: 'v2',
          derive: ({ before }) => {
            before['touched'] = true;
            return typeId(numberOf(before));
          },
        },
      ],
    });
    await rejectsWith(planMigration(ctx.registry, new MemoryCollection('orders', orders([1])), mutating), 'MIGRATION_INVALID');
  });

  it('refuses schemes the namespace lacks, and malformed migrations', async () => {
    await rejectsWith(planMigration(ctx.registry, new MemoryCollection('orders'), defineMigration({ ...rekey, add: [{ scheme: 'v9', derive: () => 'x' }] })), 'SCHEME_NOT_FOUND');
    assert.throws(() => defineMigration({ ...rekey, id: 'Bad Id' }), /id must match/);
    assert.throws(() => defineMigration({ ...rekey, identifier: { field: '', scheme: 'v1' } }), /identifier.field/);
    assert.throws(() => defineMigration({ ...rekey, add: [{ scheme: 'v1', derive: () => 'x' }] }), /named twice/);
  });
});
