import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../src/registry/registry.js';
import type { Store, StoreReader } from '../../src/store/store.js';
import { ORDER, type TestRegistry, binding, defineOrder, legacy, openTestRegistry, rejectsWith, typeId } from './fixtures.js';

/** The store, counting the snapshots read from it. */
function counting(store: Store): { store: Store; reads: () => number } {
  let reads = 0;
  return {
    store: {
      description: store.description,
      read: <T>(fn: (reader: StoreReader) => Promise<T>) => {
        reads += 1;
        return store.read(fn);
      },
      write: (fn, options) => store.write(fn, options),
      close: () => store.close(),
    },
    reads: () => reads,
  };
}

describe('read index', () => {
  let t: TestRegistry;
  before(async () => {
    t = openTestRegistry();
    await defineOrder(t.registry);
    await t.registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('1') });
  });
  after(async () => t.close());

  it('loads a namespace once for many concurrent first reads, and keeps no entry for a namespace that does not exist', async () => {
    const { store, reads } = counting(t.store);
    const indexed = new Registry(store, { readIndex: true });
    const answers = await Promise.all(Array.from({ length: 50 }, () => indexed.resolve(ORDER, { value: legacy(1) })));
    assert.ok(answers.every((answer) => answer.entity === answers[0]?.entity));
    assert.equal(reads(), 2, 'one head check, one load');
    await rejectsWith(indexed.resolve('nowhere', { value: legacy(1) }), 'NAMESPACE_NOT_FOUND');
    assert.deepEqual([...(indexed.readIndex?.loaded().keys() ?? [])], [ORDER]);
  });

  it('sees another writer at once by default, and within maxStalenessMs when allowed to lag', async () => {
    let now = 0;
    const strict = new Registry(t.store, { readIndex: true });
    const lagging = new Registry(t.store, { readIndex: { maxStalenessMs: 1000, clock: () => now } });
    await strict.resolve(ORDER, { value: legacy(1) });
    await lagging.resolve(ORDER, { value: legacy(1) });

    await t.registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) });
    assert.equal((await strict.translate(ORDER, { value: legacy(1) }, 'v2')).to.value, typeId(1));
    await rejectsWith(lagging.translate(ORDER, { value: legacy(1) }, 'v2'), 'TRANSLATION_NOT_FOUND');
    now += 1000;
    assert.equal((await lagging.translate(ORDER, { value: legacy(1) }, 'v2')).to.value, typeId(1));
  });

  it('reads its own writes whatever staleness it allows', async () => {
    const own = new Registry(t.store, { readIndex: { maxStalenessMs: 60_000 } });
    await own.resolve(ORDER, { value: legacy(1) });
    await own.register({ namespace: ORDER, scheme: 'v1', value: legacy(2) });
    assert.equal((await own.resolve(ORDER, { value: legacy(2) })).identifier.value, legacy(2));
    await own.erase({ namespace: ORDER, identifier: { value: legacy(2) } });
    await rejectsWith(own.resolve(ORDER, { value: legacy(2) }), 'IDENTIFIER_NOT_FOUND');
  });

  it('answers a read from the events it began with, while a catch-up applies newer ones', async () => {
    await t.registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(4) });
    await t.registry.alias({ namespace: ORDER, from: { value: legacy(4) }, scheme: 'v2', value: typeId(4) });
    const indexed = new Registry(t.store, { readIndex: true });
    const index = indexed.readIndex;
    assert.ok(index);
    const seen = await index.read(ORDER, async (reader) => {
      const [found] = await reader.findIdentifiers(ORDER, [{ scheme: 'v1', value: legacy(4) }]);
      assert.ok(found);
      // Another writer adds an identifier, and another read catches the index up, while this read is under way.
      await t.registry.alias({ namespace: ORDER, from: { value: legacy(4) }, scheme: 'v3', value: '01ARZ3NDEKTSV4RRFFQ69G5FAV' });
      assert.equal((await indexed.translate(ORDER, { value: legacy(4) }, 'v3')).to.value, '01ARZ3NDEKTSV4RRFFQ69G5FAV');
      return (await reader.identifiersOfEntities(ORDER, [found.entity])).map((identifier) => identifier.scheme);
    });
    assert.deepEqual(seen, ['v1', 'v2'], 'the alias applied during the read stays out of it');
  });
});
