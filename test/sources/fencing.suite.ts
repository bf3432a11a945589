import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Fence, SourceCollection } from '../../src/migrate/source/index.js';
import { body, contents, rejectsWith, withSource } from './fixtures.js';
import type { SourceKind } from './source-kinds.js';

const lease = (token: number, name = 'migration:orders'): Fence => ({ name, token });

const insert = (collection: SourceCollection, key: string, fence?: Fence) => collection.apply([{ kind: 'insert', key, body: body(key) }], fence);

/** Fencing tokens: a runner that lost its lease cannot write after its successor has. */
export function fencingSuite(kind: SourceKind): void {
  describe('fencing', () => {
    it('accepts equal and higher tokens, and refuses a lower one with LEASE_LOST, writing nothing', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        assert.equal((await insert(orders, 'a', lease(2))).ok, true);
        const error = await rejectsWith(insert(orders, 'stale', lease(1)), 'LEASE_LOST');
        assert.equal(error.context['fence'], 'migration:orders');
        assert.equal(error.context['token'], 1);
        assert.equal(error.context['current'], 2);
        assert.equal((await insert(orders, 'b', lease(2))).ok, true);
        assert.equal((await insert(orders, 'c', lease(3))).ok, true);
        await rejectsWith(insert(orders, 'late', lease(2)), 'LEASE_LOST');
        assert.deepEqual([...(await contents(orders, ['a', 'b', 'c', 'stale', 'late'])).keys()].sort(), ['a', 'b', 'c']);
      }));

    it('keeps one fence per lease name, shared by every collection of the source', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        const invoices = await collection('invoices');
        assert.equal((await insert(orders, 'a', lease(5))).ok, true);
        assert.equal((await insert(orders, 'b', lease(1, 'another lease'))).ok, true);
        await rejectsWith(insert(invoices, 'x', lease(4)), 'LEASE_LOST');
        assert.equal((await insert(invoices, 'y', lease(5))).ok, true);
        // A batch without a fence is not fenced.
        assert.equal((await insert(invoices, 'z')).ok, true);
        assert.equal(await invoices.count(), 2);
      }));

    it('lets only the highest of concurrent tokens be sure to write, and then refuses the rest', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        const results = await Promise.allSettled([1, 2, 3, 4, 5, 6].map((token) => insert(orders, `t${token}`, lease(token))));
        for (const result of results) {
          if (result.status === 'rejected') assert.equal((result.reason as { code?: string }).code, 'LEASE_LOST');
        }
        assert.equal(results.at(-1)?.status, 'fulfilled');
        await rejectsWith(insert(orders, 'late', lease(5)), 'LEASE_LOST');
      }));

    it('refuses a fence whose token is not a non-negative integer', () =>
      withSource(kind, async ({ collection }) => {
        const orders = await collection('orders');
        for (const token of [-1, 1.5, Number.NaN, 2 ** 60]) await rejectsWith(insert(orders, 'a', lease(token)), 'INVALID_ARGUMENT');
        await rejectsWith(insert(orders, 'a', { name: '', token: 1 }), 'INVALID_ARGUMENT');
        assert.equal(await orders.count(), 0);
      }));
  });
}
