import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { BatchRejectedError, StableIdError } from '../../src/model/errors.js';
import type { BatchItem } from '../../src/registry/registry.js';
import { ORDER, SKU, type TestRegistry, allEvents, binding, defineOrder, defineSku, legacy, openTestRegistry, rejectsWith, typeId } from '../registry/fixtures.js';
import type { StoreKind } from './stores.js';

export function batchesSuite(kind: StoreKind): void {
  describe('writeMany', () => {
    let ctx: TestRegistry;
    beforeEach(async () => {
      ctx = openTestRegistry(kind);
      await defineOrder(ctx.registry);
    });
    afterEach(() => ctx.close());

    it('writes every item of a good batch in one go', async () => {
      const { registry } = ctx;
      const report = await registry.writeMany(
        [1, 2, 3].map((n): BatchItem => ({ request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(n), binding: binding(`k${n}`) } })),
        { correlationId: 'import-1', reason: 'initial load' },
      );
      assert.equal(report.total, 3);
      assert.equal(report.written, 3);
      assert.equal(report.unchanged, 0);
      assert.equal(report.failed, 0);
      assert.deepEqual(report.failures, []);
      assert.equal(report.correlationId, 'import-1');
      assert.deepEqual(
        report.outcomes.map((o) => o.value),
        [legacy(1), legacy(2), legacy(3)],
      );
      const written = (await allEvents(registry, ORDER)).filter((e) => e.type === 'identifier.registered');
      assert.equal(written.length, 3);
      for (const event of written) {
        assert.equal(event.correlationId, 'import-1');
        assert.equal(event.reason, 'initial load');
      }
    });

    it('is all or nothing: one bad item rejects the batch with BATCH_REJECTED and writes nothing', async () => {
      const { registry } = ctx;
      const before = await allEvents(registry, ORDER);
      const items: BatchItem[] = [
        { request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(1) } },
        { request: { op: 'register', namespace: ORDER, scheme: 'v2', value: typeId(2).toUpperCase() } },
        { request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(3) } },
        { request: { op: 'alias', namespace: ORDER, from: { value: legacy(404) }, scheme: 'v2', value: typeId(4) } },
      ];
      const error = await rejectsWith(registry.writeMany(items), 'BATCH_REJECTED');
      assert.ok(error instanceof BatchRejectedError);
      assert.deepEqual(
        error.failures.map((f) => [f.index, f.error.code]),
        [
          [1, 'INVALID_IDENTIFIER'],
          [3, 'IDENTIFIER_NOT_FOUND'],
        ],
      );
      assert.equal(error.failures[0]?.error.context.rule, 'typeid.case');
      assert.deepEqual(await allEvents(registry, ORDER), before);
      await rejectsWith(registry.resolve(ORDER, { value: legacy(1) }), 'IDENTIFIER_NOT_FOUND');
      await rejectsWith(registry.resolve(ORDER, { value: legacy(3) }), 'IDENTIFIER_NOT_FOUND');
      assert.equal((await registry.verify()).ok, true);
    });

    it('with continueOnError writes the good items and reports the bad ones', async () => {
      const { registry } = ctx;
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(9) });
      const before = (await allEvents(registry, ORDER)).length;
      const report = await registry.writeMany(
        [
          { request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(1) } },
          { request: { op: 'register', namespace: ORDER, scheme: 'v1', value: 'ORD-1' }, line: 7 },
          { request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(9) } },
          { request: { op: 'register', namespace: 'nope', scheme: 'v1', value: legacy(2) } },
          { request: { op: 'alias', namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) } },
        ],
        { continueOnError: true },
      );
      assert.equal(report.total, 5);
      assert.equal(report.written, 2);
      assert.equal(report.unchanged, 1);
      assert.equal(report.failed, 2);
      assert.deepEqual(
        report.failures.map((f) => [f.index, f.line, f.error.code]),
        [
          [1, 7, 'INVALID_IDENTIFIER'],
          [3, undefined, 'NAMESPACE_NOT_FOUND'],
        ],
      );
      assert.equal((await allEvents(registry, ORDER)).length, before + 2);
      assert.equal((await registry.translate(ORDER, { value: legacy(1) }, 'v2')).to.value, typeId(1));
      assert.equal((await registry.verify()).ok, true);
    });

    it('lets later items see earlier ones: register then alias, rebind and deprecate in one batch', async () => {
      const { registry } = ctx;
      const report = await registry.writeMany([
        { request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('k1') } },
        { request: { op: 'alias', namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) } },
        { request: { op: 'rebind', namespace: ORDER, identifier: { value: typeId(1) }, binding: binding('k2') } },
        { request: { op: 'deprecate', namespace: ORDER, identifier: { value: legacy(1) }, sunset: '2027-01-31' } },
        // Repeats inside the batch are recognised as repeats.
        { request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('k1') } },
        { request: { op: 'alias', namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) } },
        { request: { op: 'rebind', namespace: ORDER, identifier: { value: legacy(1) }, binding: binding('k2') } },
      ]);
      assert.equal(report.written, 4);
      assert.equal(report.unchanged, 3);
      const entity = report.outcomes[0]?.entity;
      assert.ok(report.outcomes.every((o) => o.entity === entity));
      const resolution = await registry.resolve(ORDER, { value: typeId(1) });
      assert.equal(resolution.binding?.key, 'k2');
      assert.equal(resolution.binding?.version, 2);
      assert.deepEqual(
        resolution.identifiers.map((i) => [i.scheme, i.state]),
        [
          ['v1', 'deprecated'],
          ['v2', 'active'],
        ],
      );
    });

    it('sees conflicts between items of the same batch', async () => {
      const { registry } = ctx;
      const error = await rejectsWith(
        registry.writeMany([
          { request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(1) } },
          { request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(2) } },
          { request: { op: 'alias', namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) } },
          { request: { op: 'alias', namespace: ORDER, from: { value: legacy(2) }, scheme: 'v2', value: typeId(1) } },
          { request: { op: 'alias', namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(3) } },
        ]),
        'BATCH_REJECTED',
      );
      assert.deepEqual(
        (error as BatchRejectedError).failures.map((f) => [f.index, f.error.code]),
        [
          [3, 'IDENTIFIER_CONFLICT'],
          [4, 'ALIAS_CONFLICT'],
        ],
      );
    });

    it('erases inside a batch: later items no longer find the value', async () => {
      const { registry } = ctx;
      const report = await registry.writeMany(
        [
          { request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(1) } },
          { request: { op: 'alias', namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) } },
          { request: { op: 'erase', namespace: ORDER, identifier: { value: legacy(1) } } },
          { request: { op: 'archive', namespace: ORDER, identifier: { value: legacy(1) } } },
          { request: { op: 'archive', namespace: ORDER, identifier: { value: typeId(1) } } },
        ],
        { continueOnError: true },
      );
      assert.deepEqual(
        report.failures.map((f) => [f.index, f.error.code]),
        [[3, 'IDENTIFIER_NOT_FOUND']],
      );
      const resolution = await registry.resolve(ORDER, { value: typeId(1) });
      assert.deepEqual(
        resolution.identifiers.map((i) => [i.scheme, i.value, i.state]),
        [
          ['v1', null, 'active'],
          ['v2', typeId(1), 'archived'],
        ],
      );
      assert.equal((await registry.verify()).ok, true);
    });

    it('reports { error } items as failures', async () => {
      const { registry } = ctx;
      const unreadable = new StableIdError('IMPORT_FORMAT', 'line 2 is not JSON', { line: 2 });
      const rejected = await rejectsWith(
        registry.writeMany([{ request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(1) }, line: 1 }, { error: unreadable, line: 2 }]),
        'BATCH_REJECTED',
      );
      assert.deepEqual(
        (rejected as BatchRejectedError).failures.map((f) => [f.index, f.line, f.error.code]),
        [[1, 2, 'IMPORT_FORMAT']],
      );
      await rejectsWith(registry.resolve(ORDER, { value: legacy(1) }), 'IDENTIFIER_NOT_FOUND');

      const report = await registry.writeMany(
        [{ request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(1) }, line: 1 }, { error: unreadable, line: 2 }],
        { continueOnError: true },
      );
      assert.equal(report.written, 1);
      assert.equal(report.failed, 1);
      assert.equal(report.failures[0]?.error, unreadable);
    });

    it('reports malformed requests per item, with their index', async () => {
      const { registry } = ctx;
      const report = await registry.writeMany(
        [
          { request: { op: 'register', namespace: ORDER, scheme: 'v1' } as never },
          { request: { op: 'rebind', namespace: ORDER, identifier: 'ORD-000001' } as never },
          { request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(1) } },
        ],
        { continueOnError: true },
      );
      assert.deepEqual(
        report.failures.map((f) => [f.index, f.error.code]),
        [
          [0, 'INVALID_ARGUMENT'],
          [1, 'INVALID_ARGUMENT'],
        ],
      );
      assert.equal(report.written, 1);
    });

    it('works across several chunks, from an async iterable, reporting progress', async () => {
      const { registry } = ctx;
      async function* items(): AsyncGenerator<BatchItem> {
        for (let n = 1; n <= 25; n += 1) {
          yield { request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(n) } };
          if (n % 5 === 0) yield { request: { op: 'alias', namespace: ORDER, from: { value: legacy(n - 4) }, scheme: 'v2', value: typeId(n) } };
        }
      }
      const progress: number[] = [];
      const report = await registry.writeMany(items(), { chunkSize: 4, keepOutcomes: false, onProgress: (p) => progress.push(p.done) });
      assert.equal(report.total, 30);
      assert.equal(report.written, 30);
      assert.deepEqual(report.outcomes, []);
      assert.deepEqual(progress, [4, 8, 12, 16, 20, 24, 28, 30]);
      assert.equal((await registry.translate(ORDER, { value: typeId(25) }, 'v1')).to.value, legacy(21));

      const rejected = await rejectsWith(
        registry.writeMany(
          (function* () {
            for (let n = 100; n < 110; n += 1) yield { request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(n) } } as BatchItem;
            yield { request: { op: 'register', namespace: ORDER, scheme: 'v1', value: 'bad' } };
          })(),
          { chunkSize: 3 },
        ),
        'BATCH_REJECTED',
      );
      assert.deepEqual(
        (rejected as BatchRejectedError).failures.map((f) => f.index),
        [10],
      );
      // Earlier chunks were flushed into the transaction, but the transaction rolled back.
      await rejectsWith(registry.resolve(ORDER, { value: legacy(100) }), 'IDENTIFIER_NOT_FOUND');
      assert.equal((await registry.verify()).ok, true);
    });

    it('writes to several namespaces in one batch, each on its own chain', async () => {
      const { registry } = ctx;
      await defineSku(registry);
      const report = await registry.writeMany([
        { request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(1) } },
        { request: { op: 'register', namespace: SKU, scheme: 'legacy', value: '42' } },
        { request: { op: 'alias', namespace: SKU, from: { value: '42' }, scheme: 'catalog', value: '00000042' } },
        { request: { op: 'alias', namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) } },
      ]);
      assert.equal(report.written, 4);
      assert.equal((await registry.translate(SKU, { scheme: 'legacy', value: '42' }, 'catalog')).to.value, '00000042');
      assert.equal((await registry.translate(ORDER, { value: legacy(1) }, 'v2')).to.value, typeId(1));
      for (const namespace of [ORDER, SKU]) {
        const events = await allEvents(registry, namespace);
        assert.deepEqual(
          events.map((e) => e.seq),
          events.map((_, i) => i + 1),
        );
      }
      assert.equal((await registry.verify()).ok, true);
    });

    it('serialises concurrent writes: the same request twice at once writes one event', async () => {
      const { registry } = ctx;
      const request = { namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('k1') };
      const outcomes = await Promise.all([registry.register(request), registry.register(request), registry.register(request)]);
      assert.equal(new Set(outcomes.map((o) => o.entity)).size, 1);
      assert.deepEqual(
        outcomes.map((o) => o.changed).sort(),
        [false, false, true],
      );
      const results = await Promise.allSettled([
        registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) }),
        registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(2) }),
      ]);
      // Which of the two wins is the store's choice; that exactly one does is not.
      assert.deepEqual(
        results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as StableIdError).code)).sort(),
        ['ALIAS_CONFLICT', 'ok'],
      );
      assert.equal((await registry.verify()).ok, true);
    });

    it('write() throws the item error itself, not BATCH_REJECTED', async () => {
      const { registry } = ctx;
      const error = await rejectsWith(registry.write({ op: 'register', namespace: ORDER, scheme: 'v2', value: 'ORD_X' }), 'INVALID_IDENTIFIER');
      assert.equal(error.context.rule, 'typeid.case');
    });
  });
}
