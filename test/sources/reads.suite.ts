import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject, SourceDocument } from '../../src/migrate/source/index.js';
import { body, byteOrder, insertAll, keySet, keys, rejectsWith, repeated, scanAll, withSource } from './fixtures.js';
import type { SourceKind } from './source-kinds.js';

/** Reading a collection: lookups, counts, partitions and paged scans. */
export function readsSuite(kind: SourceKind): void {
  const stored = kind.stored ?? ((value: JsonObject) => value);
  describe('reads', () => {
    it('finds inserted documents by key with their versions, leaves missing keys out, and counts them', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        const versions = await insertAll(orders, ['b', 'a', 'c']);
        const found = await orders.getMany(['c', 'missing', 'a']);
        assert.deepEqual(
          found.map((document) => document.key).sort(),
          ['a', 'c'],
        );
        for (const document of found) {
          assert.deepEqual(document.body, stored(body(document.key)));
          assert.equal(document.version, versions.get(document.key));
        }
        assert.deepEqual(await orders.getMany([]), []);
        assert.equal(await orders.count(), 3);
      }));

    it('scans a partition page by page, each key once and in order, the cursor being the last key returned', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        const all = keys(25);
        await insertAll(orders, all);
        const [whole] = await orders.partitions(1);
        assert.ok(whole);
        if (!orders.traits.ordered) {
          // The store's own order: every key, once unless the collection may repeat one, and a cursor that resumes the walk.
          const { documents } = await scanAll(orders, whole, 4);
          assert.deepEqual(keySet(documents), [...all].sort());
          if (!orders.traits.repeats) assert.deepEqual(repeated(documents), []);
          const first = await orders.scan(whole, null, 10);
          assert.ok(first.cursor !== null, 'a walk of 25 documents does not end after 10');
          let rest: SourceDocument[] = [];
          for (let cursor: string | null = first.cursor; cursor !== null; ) {
            const page = await orders.scan(whole, cursor, 10);
            rest = [...rest, ...page.documents];
            cursor = page.cursor;
          }
          assert.deepEqual(keySet([...first.documents, ...rest]), [...all].sort(), 'the cursor resumes the walk where it stood');
          return;
        }
        assert.deepEqual(whole, { id: 'p0of1', from: null, to: null });
        const { documents, pages } = await scanAll(orders, whole, 4);
        assert.deepEqual(
          documents.map((document) => document.key),
          [...all].sort(byteOrder),
        );
        assert.equal(pages, 7);
        // A cursor in the middle resumes right after it.
        const resumed = await orders.scan(whole, documents[9]?.key ?? null, 3);
        assert.deepEqual(
          resumed.documents.map((document) => document.key),
          documents.slice(10, 13).map((document) => document.key),
        );
        // The last page is not followed by an empty one.
        const last = await orders.scan(whole, documents[20]?.key ?? null, 4);
        assert.equal(last.documents.length, 4);
        assert.equal(last.cursor, null);
      }));

    it('splits into at most `count` partitions that together hold every key exactly once (contiguous key ranges where ordered), for 1 to 8 partitions', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        const all = keys(37);
        await insertAll(orders, all);
        const expected = orders.traits.ordered ? [...all].sort(byteOrder) : [...all].sort();
        for (let count = 1; count <= 8; count++) {
          const partitions = await orders.partitions(count);
          assert.ok(partitions.length >= 1 && partitions.length <= count, `${partitions.length} partitions for ${count}`);
          assert.equal(new Set(partitions.map((partition) => partition.id)).size, partitions.length, 'partition ids are distinct');
          if (orders.traits.ordered) {
            assert.equal(partitions.length, count);
            assert.equal(partitions[0]?.['from'], null);
            assert.equal(partitions.at(-1)?.['to'], null);
          }
          const seen: SourceDocument[] = [];
          for (const [index, partition] of partitions.entries()) {
            const { documents } = await scanAll(orders, partition, 5);
            assert.equal(await orders.count(partition), keySet(documents).length);
            if (orders.traits.ordered) {
              assert.equal(partition.id, `p${index}of${count}`);
              if (index > 0) assert.equal(partition['from'], partitions[index - 1]?.['to'], 'ranges are contiguous');
              assert.ok(documents.length > 0, `partition ${partition.id} is not empty`);
            }
            seen.push(...documents);
          }
          if (orders.traits.ordered) assert.deepEqual(seen.map((document) => document.key), expected, `${count} partitions cover every key once, in order`);
          else {
            assert.deepEqual(keySet(seen), expected, `${count} partitions cover every key`);
            if (!orders.traits.repeats) assert.deepEqual(repeated(seen), [], `${count} partitions hold each key once`);
          }
        }
        assert.deepEqual(await orders.partitions(4), await orders.partitions(4), 'the same split has the same ids and bounds');
      }));

    it('gives an empty collection partitions that hold nothing, and (where ordered) one unbounded range, never more ranges than documents', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        for (let count = 1; count <= 8; count++) {
          const partitions = await orders.partitions(count);
          if (orders.traits.ordered) assert.deepEqual(partitions, [{ id: 'p0of1', from: null, to: null }]);
          else assert.ok(partitions.length >= 1 && partitions.length <= count);
          for (const partition of partitions) {
            assert.deepEqual((await scanAll(orders, partition, 10)).documents, []);
            assert.equal(await orders.count(partition), 0);
          }
        }
        assert.equal(await orders.count(), 0);

        await insertAll(orders, ['x', 'y', 'z']);
        const partitions = await orders.partitions(8);
        const seen: SourceDocument[] = [];
        for (const partition of partitions) seen.push(...(await scanAll(orders, partition, 1)).documents);
        if (orders.traits.ordered) {
          assert.equal(partitions.length, 3);
          assert.deepEqual(seen.map((document) => document.key), ['x', 'y', 'z']);
        } else assert.deepEqual(keySet(seen), ['x', 'y', 'z']);
      }));

    it('orders keys by their UTF-8 bytes, the same in every ordered source, and returns every key whatever its characters', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        // '😀' sorts before '～' in JavaScript (UTF-16) but after it in UTF-8.
        const all = ['b', 'B', 'a', 'é', 'e', '日本', '😀', '\uff5e', 'a b', 'a-b', 'a_b', 'A', '0', '~', ...(kind.refusesEmptyKey ? [] : [''])];
        await insertAll(orders, all);
        const [whole] = await orders.partitions(1);
        assert.ok(whole);
        const { documents } = await scanAll(orders, whole, 4);
        if (!orders.traits.ordered) {
          assert.deepEqual(keySet(documents), [...all].sort());
          assert.equal(await orders.count(), all.length);
          return;
        }
        assert.deepEqual(
          documents.map((document) => document.key),
          [...all].sort(byteOrder),
        );
        const partitions = await orders.partitions(5);
        const seen = [];
        for (const partition of partitions) seen.push(...(await scanAll(orders, partition, 2)).documents.map((document) => document.key));
        assert.deepEqual(seen, [...all].sort(byteOrder));
      }));

    it('returns document bodies exactly as written: nesting, arrays, numbers, booleans, null and awkward strings', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        const awkward: JsonObject = {
          quotes: `she said "hi" and 'bye'`,
          backslashes: 'C:\\path\\to\\file \\n not a newline',
          newlines: 'line 1\nline 2\r\n\ttabbed',
          emoji: '😀 👩‍👩‍👧 🇫🇷',
          scripts: '日本語 عربى ελληνικά',
          control: '\u0001\u001f\u007f',
          json: '{"not": "parsed"}',
          sql: "'; DROP TABLE orders; --",
          numbers: [0, -1, 1.5, 1e21, -2.5e-7, Number.MAX_SAFE_INTEGER, 0.1],
          flags: [true, false, null],
          nested: { a: { b: { c: [1, [2, [3, { d: 'deep' }]]] } }, empty: {}, list: [] },
          'key with "quotes" and \\ and 😀': 'value',
          '': 'empty key',
        };
        const key = 'weird "key" \\ 😀\n';
        await orders.apply([{ kind: 'insert', key, body: awkward }]);
        const [found] = await orders.getMany([key]);
        assert.deepEqual(found?.body, stored(awkward));
        const [whole] = await orders.partitions(1);
        assert.ok(whole);
        assert.deepEqual((await scanAll(orders, whole, 10)).documents[0]?.body, stored(awkward));
      }));

    it('refuses collection names the source cannot name a collection by', () =>
      withSource(kind, async ({ source }) => {
        for (const name of kind.invalidCollectionNames) {
          const error = await rejectsWith(source.collection(name), 'INVALID_ARGUMENT');
          assert.equal(error.context['field'], 'collection');
        }
      }));

    it('refuses a partition count or page size that is not a positive integer', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        for (const count of [0, -1, 1.5, Number.NaN]) await rejectsWith(orders.partitions(count), 'INVALID_ARGUMENT');
        const [whole] = await orders.partitions(1);
        assert.ok(whole);
        for (const limit of [0, -1, 2.5]) await rejectsWith(orders.scan(whole, null, limit), 'INVALID_ARGUMENT');
      }));
  });
}
