import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../src/migrate/source/index.js';
import { body, byteOrder, insertAll, keys, rejectsWith, scanAll, withSource } from './fixtures.js';
import type { SourceKind } from './source-kinds.js';

/** Reading a collection: lookups, counts, partitions and paged scans. */
export function readsSuite(kind: SourceKind): void {
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
          assert.deepEqual(document.body, body(document.key));
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

    it('splits into at most `count` contiguous key ranges that together hold every key exactly once, for 1 to 8 partitions', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        const all = keys(37);
        await insertAll(orders, all);
        const expected = [...all].sort(byteOrder);
        for (let count = 1; count <= 8; count++) {
          const partitions = await orders.partitions(count);
          assert.equal(partitions.length, count);
          assert.equal(partitions[0]?.from, null);
          assert.equal(partitions.at(-1)?.to, null);
          const seen: string[] = [];
          for (const [index, partition] of partitions.entries()) {
            assert.equal(partition.id, `p${index}of${count}`);
            if (index > 0) assert.equal(partition.from, partitions[index - 1]?.to, 'ranges are contiguous');
            const { documents } = await scanAll(orders, partition, 5);
            assert.ok(documents.length > 0, `partition ${partition.id} is not empty`);
            assert.equal(await orders.count(partition), documents.length);
            seen.push(...documents.map((document) => document.key));
          }
          assert.deepEqual(seen, expected, `${count} partitions cover every key once, in order`);
        }
        assert.deepEqual(await orders.partitions(4), await orders.partitions(4), 'the same split has the same ids and bounds');
      }));

    it('gives an empty collection one unbounded partition, and never more partitions than documents', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        for (let count = 1; count <= 8; count++) {
          assert.deepEqual(await orders.partitions(count), [{ id: 'p0of1', from: null, to: null }]);
        }
        const [whole] = await orders.partitions(3);
        assert.ok(whole);
        assert.deepEqual(await orders.scan(whole, null, 10), { documents: [], cursor: null });
        assert.equal(await orders.count(whole), 0);

        await insertAll(orders, ['x', 'y', 'z']);
        const partitions = await orders.partitions(8);
        assert.equal(partitions.length, 3);
        const seen = [];
        for (const partition of partitions) seen.push(...(await scanAll(orders, partition, 1)).documents.map((document) => document.key));
        assert.deepEqual(seen, ['x', 'y', 'z']);
      }));

    it('orders keys by their UTF-8 bytes, the same in every source', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        // '😀' sorts before '～' in JavaScript (UTF-16) but after it in UTF-8.
        const all = ['b', 'B', 'a', 'é', 'e', '日本', '😀', '\uff5e', 'a b', 'a-b', 'a_b', 'A', '0', '~', ''];
        await insertAll(orders, all);
        const [whole] = await orders.partitions(1);
        assert.ok(whole);
        const { documents } = await scanAll(orders, whole, 4);
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
        assert.deepEqual(found?.body, awkward);
        const [whole] = await orders.partitions(1);
        assert.ok(whole);
        assert.deepEqual((await orders.scan(whole, null, 10)).documents[0]?.body, awkward);
      }));

    it('refuses collection names that are not plain lowercase SQL identifiers', () =>
      withSource(kind, async ({ source }) => {
        for (const name of ['Orders', 'orders; DROP TABLE x', '1orders', '', 'a'.repeat(64), 'or-ders', 'orders"', 'a.b.c', 'sch.Orders']) {
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
