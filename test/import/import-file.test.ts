import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { type ImportProgress, importFile } from '../../src/import/import-file.js';
import { BatchRejectedError, isStableIdError } from '../../src/model/errors.js';
import type { Registry } from '../../src/registry/registry.js';
import { ORDER, legacy, ndjson, orderRegistry, orderTypeId, scratch } from './fixtures.js';

const registerLines = (from: number, to: number): object[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ value: legacy(from + i), binding: { store: 'pg', collection: 'orders', key: String(from + i) } }));

const aliasLines = (from: number, to: number): object[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ op: 'alias', from: { scheme: 'v1', value: legacy(from + i) }, scheme: 'v2', value: orderTypeId(from + i), migration: 'v2-rollout' }));

describe('importFile', () => {
  let files: ReturnType<typeof scratch>;
  let registry: Registry;
  before(() => {
    files = scratch();
  });
  after(() => files.remove());
  beforeEach(async () => {
    registry = await orderRegistry();
  });
  afterEach(() => registry.close());

  it('imports an NDJSON file: registers with bindings, then aliases into the TypeID scheme', async () => {
    const registered = await importFile(registry, { path: files.file('register.ndjson', ndjson(registerLines(1, 3))), namespace: ORDER, scheme: 'v1' });
    assert.deepEqual({ ...registered, correlationId: '' }, { total: 3, written: 3, unchanged: 0, failed: 0, failures: [], outcomes: [], correlationId: '' });
    const aliased = await importFile(registry, {
      path: files.file('alias.ndjson', ndjson(aliasLines(1, 3))),
      namespace: ORDER,
      actor: 'migrator',
      reason: 'v2 rollout',
      correlationId: 'import-42',
    });
    assert.equal(aliased.written, 3);
    assert.equal(aliased.correlationId, 'import-42');

    const translation = await registry.translate(ORDER, { scheme: 'v1', value: legacy(2) }, 'v2');
    assert.equal(translation.to.value, orderTypeId(2));
    const resolution = await registry.resolve(ORDER, { value: orderTypeId(3) });
    assert.deepEqual(resolution.binding && { store: resolution.binding.store, collection: resolution.binding.collection, key: resolution.binding.key }, {
      store: 'pg',
      collection: 'orders',
      key: '3',
    });
    assert.equal(resolution.identifier.migration, 'v2-rollout');
    const [last] = (await registry.history(ORDER, 0, 1000)).slice(-1);
    assert.equal(last?.actor, 'migrator');
    assert.equal(last?.reason, 'v2 rollout');
  });

  it('imports a CSV file with the same results', async () => {
    const csv = ['value,store,collection,key', ...[1, 2].map((n) => `${legacy(n)},pg,orders,${n}`)].join('\n');
    const report = await importFile(registry, { path: files.file('orders.csv', csv), namespace: ORDER, scheme: 'v1' });
    assert.equal(report.written, 2);
    const alias = ['op,from_value,scheme,value', ...[1, 2].map((n) => `alias,${legacy(n)},v2,${orderTypeId(n)}`)].join('\n');
    assert.equal((await importFile(registry, { path: files.file('alias.csv', alias), namespace: ORDER })).written, 2);
    assert.equal((await registry.translate(ORDER, { value: orderTypeId(1) }, 'v1')).to.value, legacy(1));
  });

  it('under continueOnError writes the good lines and reports each bad one with its line and code', async () => {
    const path = files.file(
      'mixed.ndjson',
      ndjson([...registerLines(1, 2), 'not json', { value: 'ORD-12' }, { value: legacy(1), binding: { store: 'pg', collection: 'orders', key: 'other' } }, ...registerLines(3, 3)]),
    );
    const report = await importFile(registry, { path, namespace: ORDER, scheme: 'v1', continueOnError: true });
    assert.equal(report.total, 6);
    assert.equal(report.written, 3);
    assert.equal(report.failed, 3);
    assert.deepEqual(
      report.failures.map((f) => [f.line, f.error.code]),
      [
        [3, 'IMPORT_FORMAT'],
        [4, 'INVALID_IDENTIFIER'],
        [5, 'IDENTIFIER_CONFLICT'],
      ],
    );
    assert.equal((await registry.resolve(ORDER, { value: legacy(3) })).identifier.value, legacy(3));
  });

  it('is all or nothing without continueOnError: BATCH_REJECTED and nothing written', async () => {
    const path = files.file('one-bad.ndjson', ndjson([...registerLines(1, 2), { value: 'nope' }, ...registerLines(3, 4)]));
    const before = (await registry.history(ORDER, 0, 1000)).length;
    await assert.rejects(importFile(registry, { path, namespace: ORDER, scheme: 'v1' }), (error: unknown) => {
      assert.ok(error instanceof BatchRejectedError, String(error));
      assert.equal(error.code, 'BATCH_REJECTED');
      assert.deepEqual(
        error.failures.map((f) => [f.line, f.error.code]),
        [[3, 'INVALID_IDENTIFIER']],
      );
      return true;
    });
    assert.equal((await registry.history(ORDER, 0, 1000)).length, before);
    await assert.rejects(registry.resolve(ORDER, { value: legacy(1) }), (error: unknown) => isStableIdError(error, 'IDENTIFIER_NOT_FOUND'));
  });

  it('rejects a CSV with an unknown column and a missing file before writing anything', async () => {
    await assert.rejects(
      importFile(registry, { path: files.file('bad-header.csv', `value,size\n${legacy(1)},3\n`), namespace: ORDER, scheme: 'v1' }),
      (error: unknown) => isStableIdError(error, 'IMPORT_FORMAT'),
    );
    await assert.rejects(
      importFile(registry, { path: files.path('absent.csv'), namespace: ORDER, scheme: 'v1' }),
      (error: unknown) => isStableIdError(error, 'INVALID_ARGUMENT') && error.context.field === 'file',
    );
    await assert.rejects(
      importFile(registry, { path: files.path('absent.csv'), namespace: ORDER, scheme: 'v1', onProgress: () => undefined }),
      (error: unknown) => isStableIdError(error, 'INVALID_ARGUMENT') && error.context.field === 'file',
    );
    await assert.rejects(registry.resolve(ORDER, { value: legacy(1) }), (error: unknown) => isStableIdError(error, 'IDENTIFIER_NOT_FOUND'));
  });

  it('reports progress: the counted total first, then running counts per chunk', async () => {
    const path = files.file('progress.ndjson', ndjson([...registerLines(1, 12_000), 'oops']));
    const seen: ImportProgress[] = [];
    const report = await importFile(registry, { path, namespace: ORDER, scheme: 'v1', continueOnError: true, onProgress: (p) => seen.push(p) });
    assert.equal(report.written, 12_000);
    assert.deepEqual(seen[0], { done: 0, failed: 0, total: 12_001 });
    assert.ok(seen.length >= 4, `one report per chunk of 5000, got ${seen.length}`);
    assert.ok(seen.every((p, i) => i === 0 || p.done >= (seen[i - 1]?.done ?? 0)));
    assert.deepEqual(seen.at(-1), { done: 12_001, failed: 1, total: 12_001 });
  });

  it('keeps the store verifiable across chunk and statement batches, and a repeated import changes nothing', async () => {
    const n = 5_300;
    const register = files.file('many-register.ndjson', ndjson(registerLines(1, n)));
    const alias = files.file('many-alias.ndjson', ndjson(aliasLines(1, n)));
    assert.equal((await importFile(registry, { path: register, namespace: ORDER, scheme: 'v1' })).written, n);
    assert.equal((await importFile(registry, { path: alias, namespace: ORDER })).written, n);
    const again = await importFile(registry, { path: register, namespace: ORDER, scheme: 'v1' });
    assert.deepEqual([again.written, again.unchanged, again.failed], [0, n, 0]);
    const aliasAgain = await importFile(registry, { path: alias, namespace: ORDER });
    assert.deepEqual([aliasAgain.written, aliasAgain.unchanged, aliasAgain.failed], [0, n, 0]);
    const verified = await registry.verify();
    assert.equal(verified.ok, true, JSON.stringify(verified.first));
    for (const k of [1, 64, 65, 4999, 5000, 5001, n]) {
      const resolution = await registry.resolve(ORDER, { value: orderTypeId(k) });
      assert.deepEqual(
        resolution.identifiers.map((i) => i.value),
        [legacy(k), orderTypeId(k)],
      );
      assert.equal(resolution.binding?.key, String(k));
    }
  });
});
