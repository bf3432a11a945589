import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { importFile } from '../../src/import/import-file.js';
import { BatchRejectedError } from '../../src/model/errors.js';
import type { BatchItem } from '../../src/registry/registry.js';
import { ORDER, type TestRegistry, binding, defineOrder, eventCount, legacy, openTestRegistry, rejectsWith, typeId } from '../registry/fixtures.js';
import type { StoreKind } from './stores.js';

/** More lines than one import chunk (5000) holds, so that aliases meet registrations flushed in an earlier chunk. */
const COUNT = 3000;

const registerLine = (n: number) => ({ op: 'register', scheme: 'v1', value: legacy(n), binding: { store: 'main', collection: 'orders', key: String(n) } });
const aliasLine = (n: number) => ({ op: 'alias', from: { scheme: 'v1', value: legacy(n) }, scheme: 'v2', value: typeId(n), migration: 'v2-rollout' });
const numbers = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const ndjson = (lines: readonly object[]): string => `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`;

export function bulkSuite(kind: StoreKind): void {
  describe('bulk writes', () => {
    let ctx: TestRegistry;
    let dir: string;
    beforeEach(async () => {
      ctx = openTestRegistry(kind);
      dir = mkdtempSync(join(tmpdir(), 'stableid-bulk-'));
      await defineOrder(ctx.registry);
    });
    afterEach(async () => {
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const file = (name: string, lines: readonly object[]): string => {
      const path = join(dir, name);
      writeFileSync(path, ndjson(lines));
      return path;
    };

    it('imports thousands of NDJSON lines, registrations then aliases: every identifier resolves and translates, and the log verifies', async () => {
      const { registry } = ctx;
      const before = await eventCount(registry, ORDER);
      const path = file('orders.ndjson', [...numbers(1, COUNT).map(registerLine), ...numbers(1, COUNT).map(aliasLine)]);
      const report = await importFile(registry, { path, namespace: ORDER });
      assert.deepEqual([report.total, report.written, report.unchanged, report.failed], [2 * COUNT, 2 * COUNT, 0, 0]);
      assert.equal(await eventCount(registry, ORDER), before + 2 * COUNT);

      const resolved = await registry.resolveMany(
        ORDER,
        numbers(1, COUNT).map((n) => ({ value: legacy(n) })),
      );
      for (const [i, result] of resolved.entries()) {
        assert.ok(result.ok, `${legacy(i + 1)} resolves`);
        assert.deepEqual(
          result.result.identifiers.map((id) => [id.scheme, id.value, id.migration]),
          [
            ['v1', legacy(i + 1), null],
            ['v2', typeId(i + 1), 'v2-rollout'],
          ],
        );
        assert.equal(result.result.binding?.key, String(i + 1));
      }
      const forward = await registry.translateMany(
        ORDER,
        numbers(1, COUNT).map((n) => ({ scheme: 'v1', value: legacy(n) })),
        'v2',
      );
      assert.deepEqual(
        forward.map((r) => (r.ok ? r.result.to.value : r.error.code)),
        numbers(1, COUNT).map(typeId),
      );
      const back = await registry.translateMany(
        ORDER,
        numbers(1, COUNT).map((n) => ({ value: typeId(n) })),
        'v1',
      );
      assert.deepEqual(
        back.map((r) => (r.ok ? r.result.to.value : r.error.code)),
        numbers(1, COUNT).map(legacy),
      );
      const verified = await registry.verify();
      assert.equal(verified.ok, true, JSON.stringify(verified.first));

      // The same file again is all repeats.
      const again = await importFile(registry, { path, namespace: ORDER });
      assert.deepEqual([again.written, again.unchanged, again.failed], [0, 2 * COUNT, 0]);
      assert.equal(await eventCount(registry, ORDER), before + 2 * COUNT);
    });

    it('writes nothing when one item of a bulk batch conflicts, even after earlier chunks were handed over', async () => {
      const { registry } = ctx;
      await registry.writeMany(numbers(1, 10).map((n): BatchItem => ({ request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(n), binding: binding(`k${n}`) } })));
      const before = await eventCount(registry, ORDER);
      const items: BatchItem[] = numbers(11, 610).map((n) => ({ request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(n), binding: binding(`k${n}`) } }));
      // Halfway through: an identifier registered earlier, with another binding.
      items.splice(300, 0, { request: { op: 'register', namespace: ORDER, scheme: 'v1', value: legacy(5), binding: binding('elsewhere') } });
      const error = await rejectsWith(registry.writeMany(items, { bulk: true, chunkSize: 100, continueOnError: false }), 'BATCH_REJECTED');
      assert.ok(error instanceof BatchRejectedError);
      assert.deepEqual(
        error.failures.map((f) => [f.index, f.error.code]),
        [[300, 'IDENTIFIER_CONFLICT']],
      );
      assert.equal(await eventCount(registry, ORDER), before);
      await rejectsWith(registry.resolve(ORDER, { value: legacy(11) }), 'IDENTIFIER_NOT_FOUND');
      await rejectsWith(registry.resolve(ORDER, { value: legacy(610) }), 'IDENTIFIER_NOT_FOUND');
      assert.equal((await registry.resolve(ORDER, { value: legacy(5) })).binding?.key, 'k5');
      assert.equal((await registry.verify()).ok, true);
      // The store takes the good items afterwards.
      items.splice(300, 1);
      assert.equal((await registry.writeMany(items, { bulk: true, chunkSize: 100 })).written, 600);
      assert.equal(await eventCount(registry, ORDER), before + 600);
      assert.equal((await registry.verify()).ok, true);
    });

    it('imports nothing from a file with one conflicting line', async () => {
      const { registry } = ctx;
      const before = await eventCount(registry, ORDER);
      const lines = [...numbers(1, 2000).map(registerLine), ...numbers(1, 2000).map(aliasLine)];
      // An alias onto a TypeID another entity already holds.
      lines.splice(3000, 0, { ...aliasLine(1999), value: typeId(7) });
      const error = await rejectsWith(importFile(registry, { path: file('conflict.ndjson', lines), namespace: ORDER }), 'BATCH_REJECTED');
      assert.deepEqual(
        (error as BatchRejectedError).failures.map((f) => [f.line, f.error.code]),
        [[3001, 'IDENTIFIER_CONFLICT']],
      );
      assert.equal(await eventCount(registry, ORDER), before);
      await rejectsWith(registry.resolve(ORDER, { value: legacy(1) }), 'IDENTIFIER_NOT_FOUND');
      assert.equal((await registry.verify()).ok, true);
    });
  });
}
