import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countRecords, importFormatOf, readImportFile } from '../../src/import/read-import-file.js';
import { MAX_LINE_LENGTH } from '../../src/import/lines.js';
import { isStableIdError } from '../../src/model/errors.js';
import { ORDER, collect, legacy, ndjson, orderTypeId, scratch, summary } from './fixtures.js';

describe('readImportFile', () => {
  let files: ReturnType<typeof scratch>;
  before(() => {
    files = scratch();
  });
  after(() => files.remove());

  describe('NDJSON', () => {
    it('reads one request per non-blank line, numbered by physical line, with defaults applied', async () => {
      const path = files.file(
        'orders.ndjson',
        ndjson([
          { value: legacy(1), binding: { store: 'pg', collection: 'orders', key: '1' } },
          '',
          '   ',
          { op: 'alias', from: { value: legacy(1) }, scheme: 'v2', value: orderTypeId(1) },
          { op: 'register', namespace: 'other', scheme: 'legacy', value: 'L-1' },
          { op: 'archive', identifier: { scheme: 'v1', value: legacy(1) } },
        ]),
      );
      const items = await collect(readImportFile({ path, namespace: ORDER, scheme: 'v1' }));
      assert.deepEqual(summary(items), [
        [1, 'register'],
        [4, 'alias'],
        [5, 'register'],
        [6, 'archive'],
      ]);
      const requests = items.map((item) => ('request' in item ? item.request : null));
      assert.deepEqual(requests[0], {
        op: 'register',
        namespace: ORDER,
        scheme: 'v1',
        value: legacy(1),
        binding: { store: 'pg', collection: 'orders', key: '1' },
      });
      assert.deepEqual(requests[1], { op: 'alias', namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: orderTypeId(1), migration: null });
      // A line's own namespace and scheme win over the defaults.
      assert.equal(requests[2]?.namespace, 'other');
      assert.equal(requests[2]?.op === 'register' && requests[2].scheme, 'legacy');
      // The default scheme applies to register and alias only.
      assert.deepEqual(requests[3], { op: 'archive', namespace: ORDER, identifier: { scheme: 'v1', value: legacy(1) } });
    });

    it('yields unreadable lines as errors naming the line, and goes on reading', async () => {
      const path = files.file(
        'bad.ndjson',
        ndjson([{ value: legacy(1) }, '{"value": "ORD-000002"', '[1, 2]', { op: 'explode', value: legacy(3) }, { scheme: 'v1' }, { value: legacy(6) }]),
      );
      const items = await collect(readImportFile({ path, namespace: ORDER, scheme: 'v1' }));
      assert.deepEqual(summary(items), [
        [1, 'register'],
        [2, 'IMPORT_FORMAT'],
        [3, 'INVALID_ARGUMENT'],
        [4, 'INVALID_ARGUMENT'],
        [5, 'INVALID_ARGUMENT'],
        [6, 'register'],
      ]);
      for (const item of items) {
        if (!('error' in item)) continue;
        assert.match(item.error.message, new RegExp(`^line ${item.line}: `));
        assert.equal(item.error.context.line, item.line);
      }
      const missingValue = items[4];
      assert.ok(missingValue && 'error' in missingValue);
      assert.equal(missingValue.error.context.field, 'value');
    });

    it('without defaults, a line that names no namespace is an error of that line', async () => {
      const path = files.file('no-defaults.ndjson', ndjson([{ scheme: 'v1', value: legacy(1) }]));
      const [item] = await collect(readImportFile({ path }));
      assert.ok(item && 'error' in item);
      assert.equal(item.error.code, 'INVALID_ARGUMENT');
      assert.equal(item.error.context.field, 'namespace');
    });

    it('reads CRLF line ends, a byte order mark and a last line without a line break', async () => {
      const path = files.file('crlf.jsonl', `\uFEFF${JSON.stringify({ value: legacy(1) })}\r\n\r\n${JSON.stringify({ value: legacy(2) })}`);
      const items = await collect(readImportFile({ path, namespace: ORDER, scheme: 'v1' }));
      assert.deepEqual(summary(items), [
        [1, 'register'],
        [3, 'register'],
      ]);
    });

    it('reports a line longer than the limit instead of buffering it, then reads on', async () => {
      const path = files.file('long.ndjson', `${'x'.repeat(MAX_LINE_LENGTH + 10)}\n${JSON.stringify({ value: legacy(2) })}\n`);
      const items = await collect(readImportFile({ path, namespace: ORDER, scheme: 'v1' }));
      assert.deepEqual(summary(items), [
        [1, 'IMPORT_FORMAT'],
        [2, 'register'],
      ]);
    });
  });

  describe('CSV', () => {
    it('maps columns in any order to requests, empty cells counting as absent', async () => {
      const path = files.file(
        'orders.csv',
        [
          'key,value,collection,store,op,from_value,from_scheme,migration,identifier_scheme,identifier_value,sunset,scheme,namespace',
          `1,${legacy(1)},orders,pg,,,,,,,,,`,
          `,${orderTypeId(1)},,,alias,${legacy(1)},v1,m-2025,,,,v2,`,
          `2,,orders,pg,rebind,,,m-2025,v1,${legacy(1)},,,`,
          `,,,,deprecate,,,,,${legacy(1)},2027-01-31,,`,
          `,,,,erase,,,,v2,${orderTypeId(1)},,,other`,
          '',
        ].join('\n'),
      );
      const items = await collect(readImportFile({ path, namespace: ORDER, scheme: 'v1' }));
      assert.deepEqual(
        items.map((item) => ('request' in item ? [item.line, item.request] : [item.line, item.error.message])),
        [
          [2, { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(1), binding: { store: 'pg', collection: 'orders', key: '1' } }],
          [3, { op: 'alias', namespace: ORDER, from: { scheme: 'v1', value: legacy(1) }, scheme: 'v2', value: orderTypeId(1), migration: 'm-2025' }],
          [4, { op: 'rebind', namespace: ORDER, identifier: { scheme: 'v1', value: legacy(1) }, binding: { store: 'pg', collection: 'orders', key: '2' }, migration: 'm-2025' }],
          [5, { op: 'deprecate', namespace: ORDER, identifier: { value: legacy(1) }, sunset: '2027-01-31' }],
          [6, { op: 'erase', namespace: 'other', identifier: { scheme: 'v2', value: orderTypeId(1) } }],
        ],
      );
    });

    it('throws IMPORT_FORMAT for an unknown column before yielding anything, listing the allowed ones', async () => {
      const path = files.file('unknown.csv', `value,colour\n${legacy(1)},red\n`);
      const seen: unknown[] = [];
      await assert.rejects(
        async () => {
          for await (const item of readImportFile({ path, namespace: ORDER, scheme: 'v1' })) seen.push(item);
        },
        (error: unknown) => {
          assert.ok(isStableIdError(error, 'IMPORT_FORMAT'), String(error));
          assert.match(error.message, /unknown column "colour"/);
          assert.match(error.message, /allowed columns: op, namespace, scheme, value, store, collection, key, from_scheme, from_value/);
          assert.equal(error.context.line, 1);
          return true;
        },
      );
      assert.deepEqual(seen, []);
    });

    it('throws IMPORT_FORMAT for a repeated column and for a file without a header', async () => {
      const repeated = files.file('repeated.csv', `value,value\n${legacy(1)},${legacy(2)}\n`);
      await assert.rejects(collect(readImportFile({ path: repeated, namespace: ORDER, scheme: 'v1' })), (error: unknown) => isStableIdError(error, 'IMPORT_FORMAT'));
      const empty = files.file('empty.csv', '\n\n');
      await assert.rejects(collect(readImportFile({ path: empty, namespace: ORDER, scheme: 'v1' })), (error: unknown) => isStableIdError(error, 'IMPORT_FORMAT'));
    });

    it('yields bad rows as errors of their own line, counting lines as an editor does', async () => {
      const path = files.file(
        'bad.csv',
        [
          'op,value,store,collection,key',
          `,${legacy(1)},pg,,`, // half a binding
          `,${legacy(2)}`, // too few fields
          '', // blank lines are skipped
          '",,,,', // wrong, but only as a value: quoted across the next line
          `",${legacy(3)},pg,orders,3`,
          `fly,${legacy(4)},,,`, // unknown op
          `,${legacy(5)},pg,orders,5`,
        ].join('\r\n'),
      );
      const items = await collect(readImportFile({ path, namespace: ORDER, scheme: 'v1' }));
      assert.deepEqual(summary(items), [
        [2, 'INVALID_ARGUMENT'],
        [3, 'IMPORT_FORMAT'],
        [5, 'INVALID_ARGUMENT'],
        [7, 'INVALID_ARGUMENT'],
        [8, 'register'],
      ]);
      const binding = items[0];
      assert.ok(binding && 'error' in binding);
      assert.equal(binding.error.context.field, 'binding');
      assert.match(binding.error.message, /^line 2: .*all three or none/);
    });

    it('reports a row csv-parse cannot read as IMPORT_FORMAT on its line', async () => {
      const path = files.file('quote.csv', ['value,op', `${legacy(1)},register`, `"${legacy(2)}"x,register`].join('\n'));
      const items = await collect(readImportFile({ path, namespace: ORDER, scheme: 'v1' }));
      assert.deepEqual(summary(items).slice(0, 2), [
        [2, 'register'],
        [3, 'IMPORT_FORMAT'],
      ]);
    });
  });

  describe('file errors', () => {
    it('throws INVALID_ARGUMENT on the file field for a missing file, on first iteration, with a one-line message', async () => {
      const path = files.path('missing.ndjson');
      const items = readImportFile({ path });
      const iterator = items[Symbol.asyncIterator]();
      await assert.rejects(iterator.next(), (error: unknown) => {
        assert.ok(isStableIdError(error, 'INVALID_ARGUMENT'), String(error));
        assert.equal(error.context.field, 'file');
        assert.match(error.message, /missing\.ndjson.*no such file/);
        assert.doesNotMatch(error.message, /\n|\bat \w|ENOENT/);
        return true;
      });
    });

    it('infers the format from the extension, and refuses to guess otherwise', () => {
      assert.equal(importFormatOf('a.ndjson'), 'ndjson');
      assert.equal(importFormatOf('a.JSONL'), 'ndjson');
      assert.equal(importFormatOf('a.csv'), 'csv');
      assert.equal(importFormatOf('a.txt', 'csv'), 'csv');
      assert.throws(() => readImportFile({ path: 'orders.txt' }), (error: unknown) => isStableIdError(error, 'INVALID_ARGUMENT') && error.context.field === 'format');
    });
  });

  describe('countRecords', () => {
    it('counts the non-blank lines of NDJSON and the data rows of CSV', async () => {
      const lines = Array.from({ length: 2500 }, (_, i) => ({ value: legacy(i + 1) }));
      const big = files.file('count.ndjson', `\uFEFF${ndjson(lines)}\n  \n`);
      assert.equal(await countRecords(big), 2500);
      const csv = files.file('count.csv', 'value\r\nORD-000001\r\n\r\nORD-000002');
      assert.equal(await countRecords(csv), 2);
      assert.equal(await countRecords(files.file('empty.ndjson', '')), 0);
      await assert.rejects(countRecords(files.path('nope.csv')), (error: unknown) => isStableIdError(error, 'INVALID_ARGUMENT') && error.context.field === 'file');
    });
  });
});
