import assert from 'node:assert/strict';
import type { JsonObject, SourceCollection, WriteOp } from '../../src/migrate/source/index.js';
import { describe, it } from 'node:test';
import { applyOk, body, contents, insertAll, keys, refusedOf, rejectsWith, versionOf, withSource } from './fixtures.js';
import type { SourceKind } from './source-kinds.js';

/** Applies the writes in batches of the most one apply takes (all at once where the store has no limit), each of which must hold; the new versions. */
async function applyAll(collection: SourceCollection, ops: readonly WriteOp[]): Promise<Map<string, string>> {
  const size = collection.traits.maxWrites ?? ops.length;
  const versions = new Map<string, string>();
  for (let start = 0; start < ops.length; start += size) {
    for (const [key, version] of await applyOk(collection, ops.slice(start, start + size))) versions.set(key, version);
  }
  return versions;
}

/** Conditional, all-or-nothing writes, including writes made behind the port's back. */
export function writesSuite(kind: SourceKind): void {
  const stored = kind.stored ?? ((value: JsonObject) => value);
  describe('writes', () => {
    it('replaces and deletes a document named at its current version, moving the version on', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        const inserted = await insertAll(orders, ['a', 'b']);
        const versions = await applyOk(orders, [
          { kind: 'replace', key: 'a', expected: inserted.get('a') ?? '', body: { id: 'a', status: 'moved' } },
          { kind: 'delete', key: 'b', expected: inserted.get('b') ?? '' },
        ]);
        assert.deepEqual([...versions.keys()], ['a'], 'deleted keys have no new version');
        assert.notEqual(versions.get('a'), inserted.get('a'));
        assert.equal(await versionOf(orders, 'a'), versions.get('a'));
        assert.deepEqual(await contents(orders, ['a', 'b']), new Map([['a', stored({ id: 'a', status: 'moved' })]]));
        assert.equal(await orders.count(), 1);
      }));

    it('refuses a whole batch when one write names a stale version, and writes none of it', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        const first = await insertAll(orders, ['a', 'b', 'c']);
        const second = await applyOk(orders, [{ kind: 'replace', key: 'a', expected: first.get('a') ?? '', body: body('a', { v: 2 }) }]);
        const before = await contents(orders, ['a', 'b', 'c', 'd']);
        const result = await orders.apply([
          { kind: 'replace', key: 'b', expected: first.get('b') ?? '', body: body('b', { v: 2 }) },
          { kind: 'insert', key: 'd', body: body('d') },
          { kind: 'replace', key: 'a', expected: first.get('a') ?? '', body: body('a', { v: 3 }) },
          { kind: 'delete', key: 'c', expected: first.get('c') ?? '' },
        ]);
        assert.deepEqual(refusedOf(result), { a: 'conflict' });
        assert.deepEqual(await contents(orders, ['a', 'b', 'c', 'd']), before);
        assert.equal(await versionOf(orders, 'a'), second.get('a'));
        assert.equal(await versionOf(orders, 'b'), first.get('b'));

        const stale = await orders.apply([{ kind: 'delete', key: 'a', expected: first.get('a') ?? '' }]);
        assert.deepEqual(refusedOf(stale), { a: 'conflict' });
        assert.equal(await orders.count(), 3);
      }));

    it('refuses an insert of an existing key, and a replace or delete of a missing one', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        const versions = await insertAll(orders, ['a']);
        const result = await orders.apply([
          { kind: 'insert', key: 'a', body: body('a', { again: true }) },
          { kind: 'replace', key: 'ghost', expected: versions.get('a') ?? '', body: body('ghost') },
          { kind: 'delete', key: 'phantom', expected: '1' },
          { kind: 'insert', key: 'new', body: body('new') },
        ]);
        assert.deepEqual(refusedOf(result), { a: 'exists', ghost: 'conflict', phantom: 'conflict' });
        assert.deepEqual(await contents(orders, ['a', 'new', 'ghost']), new Map([['a', stored(body('a'))]]));
      }));

    it('sees a write made behind its back: the version moves on, and a replace naming the old one is refused', () =>
      withSource(kind, async ({ collection, writeBehind }) => {
        const orders = await collection('orders');
        const read = (await insertAll(orders, ['a'])).get('a') ?? '';
        await writeBehind('orders', 'a', { id: 'a', by: 'the application' });
        const now = await versionOf(orders, 'a');
        assert.notEqual(now, read);
        const result = await orders.apply([{ kind: 'replace', key: 'a', expected: read, body: { id: 'a', by: 'the engine' } }]);
        assert.deepEqual(refusedOf(result), { a: 'conflict' });
        assert.deepEqual(await contents(orders, ['a']), new Map([['a', stored({ id: 'a', by: 'the application' })]]));
        // Two writes behind its back in a row are each seen.
        await writeBehind('orders', 'a', { id: 'a', by: 'the application', again: true });
        assert.notEqual(await versionOf(orders, 'a'), now);
        await applyOk(orders, [{ kind: 'replace', key: 'a', expected: await versionOf(orders, 'a'), body: { id: 'a', by: 'the engine' } }]);
      }));

    it(`never gives a deleted and re-inserted key a version a reader saw before${kind.versionsFromContent ? ' (with another body: versions are digests of the content)' : ''}`, () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        const seen = new Set<string>();
        // Where versions are digests of the content, the same body again may get its version back, harmlessly: each round writes another.
        const bodyOf = (round: number): JsonObject => (kind.versionsFromContent ? body('a', { round }) : body('a'));
        let version = (await applyOk(orders, [{ kind: 'insert', key: 'a', body: bodyOf(0) }])).get('a') ?? '';
        for (let round = 0; round < 3; round++) {
          seen.add(version);
          await applyOk(orders, [{ kind: 'delete', key: 'a', expected: version }]);
          version = (await applyOk(orders, [{ kind: 'insert', key: 'a', body: bodyOf(round + 1) }])).get('a') ?? '';
          assert.ok(!seen.has(version), `version ${version} was given out before`);
        }
        const stale = [...seen][0] ?? '';
        assert.deepEqual(refusedOf(await orders.apply([{ kind: 'replace', key: 'a', expected: stale, body: body('a') }])), { a: 'conflict' });
      }));

    it('writes large batches in one go (in batches of the most one apply takes, where the store limits it): a thousand inserts, then a thousand replaces and deletes', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        const all = keys(1000);
        const inserted = await applyAll(orders, all.map((key) => ({ kind: 'insert', key, body: body(key) })));
        assert.equal(inserted.size, 1000);
        assert.equal(await orders.count(), 1000);
        const replaced = await applyAll(
          orders,
          all.map((key, index) =>
            index % 10 === 0
              ? { kind: 'delete' as const, key, expected: inserted.get(key) ?? '' }
              : { kind: 'replace' as const, key, expected: inserted.get(key) ?? '', body: body(key, { round: 2 }) },
          ),
        );
        assert.equal(replaced.size, 900);
        assert.equal(await orders.count(), 900);
        const found = await orders.getMany(all);
        assert.equal(found.length, 900);
        for (const document of found) {
          assert.deepEqual(document.body, stored(body(document.key, { round: 2 })));
          assert.equal(document.version, replaced.get(document.key));
        }
      }));

    it('refuses a batch over the most one apply takes, where the store limits it, and writes none of it', async (t) => {
      await withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        const max = orders.traits.maxWrites;
        if (max === null) {
          t.skip('this source takes batches of any size');
          return;
        }
        const all = keys(max + 1);
        const error = await rejectsWith(
          orders.apply(all.map((key) => ({ kind: 'insert', key, body: body(key) }))),
          'INVALID_ARGUMENT',
        );
        assert.equal(error.context['limit'], max);
        assert.equal(await orders.count(), 0);
        assert.equal((await applyAll(orders, all.map((key) => ({ kind: 'insert', key, body: body(key) })))).size, max + 1);
      });
    });

    it('accepts an empty batch, and refuses a batch that writes one key twice or is malformed', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        assert.deepEqual(await orders.apply([]), { ok: true, versions: new Map() });
        await rejectsWith(
          orders.apply([
            { kind: 'insert', key: 'a', body: body('a') },
            { kind: 'delete', key: 'a', expected: '1' },
          ]),
          'INVALID_ARGUMENT',
        );
        await rejectsWith(orders.apply([{ kind: 'insert', key: 'a', body: [] as never }]), 'INVALID_ARGUMENT');
        await rejectsWith(orders.apply([{ kind: 'upsert', key: 'a' } as never]), 'INVALID_ARGUMENT');
        assert.equal(await orders.count(), 0);
      }));

    it('lets concurrent batches over the same keys, in different orders, each hold or be refused, never deadlock', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        const all = keys(20);
        const read = await insertAll(orders, all);
        const batches = Array.from({ length: 6 }, (_, writer) => {
          const rotated = [...all.slice(writer * 3), ...all.slice(0, writer * 3)];
          const order = writer % 2 === 1 ? rotated.reverse() : rotated;
          return orders.apply(order.map((key) => ({ kind: 'replace', key, expected: read.get(key) ?? '', body: body(key, { writer }) })));
        });
        const results = await Promise.all(batches);
        const winners = results.flatMap((result, writer) => (result.ok ? [writer] : []));
        assert.equal(winners.length, 1, 'exactly one batch holds');
        for (const result of results) if (!result.ok) assert.equal(result.refused.size, all.length);
        for (const document of await orders.getMany(all)) assert.deepEqual(document.body, stored(body(document.key, { writer: winners[0] ?? -1 })));
      }));
  });
}
