import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FORMATS, ORDER, defineOrder, eventCount, openTestRegistry, rejectsWith, typeId } from '../registry/fixtures.js';
import type { StoreKind } from './stores.js';

export function definitionsSuite(kind: StoreKind): void {
  describe('namespaces', () => {
    it('creates a namespace and lists it', async (t) => {
      const { registry, close } = openTestRegistry(kind);
      t.after(close);
      const created = await registry.createNamespace({ name: ORDER, owner: 'orders-team', stewards: ['bob', 'alice'], description: 'Orders' });
      assert.deepEqual(created, { namespace: ORDER, scheme: null, changed: true, seq: 1 });
      const { namespace, schemes } = await registry.getNamespace(ORDER);
      assert.equal(namespace.name, ORDER);
      assert.equal(namespace.owner, 'orders-team');
      assert.deepEqual(namespace.stewards, ['alice', 'bob']);
      assert.equal(namespace.description, 'Orders');
      assert.deepEqual(schemes, []);
      assert.deepEqual(
        (await registry.listNamespaces()).map((n) => n.name),
        [ORDER],
      );
      const [event] = await registry.history(ORDER);
      assert.equal(event?.type, 'namespace.created');
      assert.equal(event?.actor, 'test');
    });

    it('is idempotent: the same definition again changes nothing and writes no event', async (t) => {
      const { registry, close } = openTestRegistry(kind);
      t.after(close);
      await registry.createNamespace({ name: ORDER, owner: 'orders-team', stewards: ['alice', 'bob'] });
      const before = await eventCount(registry, ORDER);
      // Steward order and duplicates do not make a definition different.
      const again = await registry.createNamespace({ name: ORDER, owner: 'orders-team', stewards: ['bob', 'alice', 'bob'] });
      assert.deepEqual(again, { namespace: ORDER, scheme: null, changed: false, seq: null });
      assert.equal(await eventCount(registry, ORDER), before);
    });

    it('refuses the same name with another definition: NAMESPACE_CONFLICT', async (t) => {
      const { registry, close } = openTestRegistry(kind);
      t.after(close);
      await registry.createNamespace({ name: ORDER, owner: 'orders-team' });
      const before = await eventCount(registry, ORDER);
      await rejectsWith(registry.createNamespace({ name: ORDER, owner: 'someone-else' }), 'NAMESPACE_CONFLICT');
      await rejectsWith(registry.createNamespace({ name: ORDER, owner: 'orders-team', description: 'other' }), 'NAMESPACE_CONFLICT');
      await rejectsWith(registry.createNamespace({ name: ORDER, owner: 'orders-team', stewards: ['carol'] }), 'NAMESPACE_CONFLICT');
      assert.equal(await eventCount(registry, ORDER), before);
      assert.equal((await registry.getNamespace(ORDER)).namespace.owner, 'orders-team');
    });

    it('refuses bad names and owners: INVALID_ARGUMENT, and writes nothing', async (t) => {
      const { registry, close } = openTestRegistry(kind);
      t.after(close);
      for (const name of ['', 'Order', '1order', 'or der', 'order/v1', 'a'.repeat(64), 'ördre']) {
        const error = await rejectsWith(registry.createNamespace({ name, owner: 'team' }), 'INVALID_ARGUMENT');
        assert.equal(error.context.field, 'namespace');
      }
      await rejectsWith(registry.createNamespace({ name: 'ok', owner: '' }), 'INVALID_ARGUMENT');
      await rejectsWith(registry.createNamespace({ name: 'ok', owner: ' padded ' }), 'INVALID_ARGUMENT');
      await rejectsWith(registry.createNamespace({ name: 'ok', owner: 42 as unknown as string }), 'INVALID_ARGUMENT');
      assert.deepEqual(await registry.listNamespaces(), []);
      assert.equal((await registry.verify()).ok, true);
    });

    it('answers NAMESPACE_NOT_FOUND for an unknown namespace', async (t) => {
      const { registry, close } = openTestRegistry(kind);
      t.after(close);
      await rejectsWith(registry.getNamespace('nope'), 'NAMESPACE_NOT_FOUND');
      await rejectsWith(registry.history('nope'), 'NAMESPACE_NOT_FOUND');
      await rejectsWith(registry.addScheme('nope', 'v1', FORMATS.v1), 'NAMESPACE_NOT_FOUND');
      await rejectsWith(registry.resolve('nope', { value: 'x' }), 'NAMESPACE_NOT_FOUND');
      await rejectsWith(registry.register({ namespace: 'nope', scheme: 'v1', value: 'ORD-000001' }), 'NAMESPACE_NOT_FOUND');
    });
  });

  describe('schemes', () => {
    it('adds schemes in order, with their formats in canonical form', async (t) => {
      const { registry, close } = openTestRegistry(kind);
      t.after(close);
      await defineOrder(registry);
      const { schemes } = await registry.getNamespace(ORDER);
      assert.deepEqual(
        schemes.map((s) => [s.name, s.format.kind, s.state]),
        [
          ['v1', 'pattern', 'active'],
          ['v2', 'typeid', 'active'],
          ['v3', 'ulid', 'active'],
          ['v4', 'uuid', 'active'],
        ],
      );
      assert.deepEqual(schemes[0]?.format, FORMATS.v1);
    });

    it('is idempotent: the same scheme again changes nothing and writes no event', async (t) => {
      const { registry, close } = openTestRegistry(kind);
      t.after(close);
      await defineOrder(registry);
      const before = await eventCount(registry, ORDER);
      // Key order is not part of a format's identity.
      const again = await registry.addScheme(ORDER, 'v1', { maxLength: 10, pattern: 'ORD-\\d{6}', kind: 'pattern' });
      assert.deepEqual(again, { namespace: ORDER, scheme: 'v1', changed: false, seq: null });
      assert.equal(await eventCount(registry, ORDER), before);
    });

    it('refuses the same name with another format: SCHEME_CONFLICT', async (t) => {
      const { registry, close } = openTestRegistry(kind);
      t.after(close);
      await defineOrder(registry);
      const before = await eventCount(registry, ORDER);
      const error = await rejectsWith(registry.addScheme(ORDER, 'v1', { kind: 'pattern', pattern: 'ORD-\\d{7}', maxLength: 11 }), 'SCHEME_CONFLICT');
      assert.equal(error.context.namespace, ORDER);
      assert.equal(error.context.scheme, 'v1');
      await rejectsWith(registry.addScheme(ORDER, 'v2', { kind: 'typeid', prefix: 'order' }), 'SCHEME_CONFLICT');
      assert.equal(await eventCount(registry, ORDER), before);
      assert.deepEqual((await registry.getNamespace(ORDER)).schemes[0]?.format, FORMATS.v1);
    });

    it('refuses a malformed format: INVALID_SCHEME, and a bad name: INVALID_ARGUMENT', async (t) => {
      const { registry, close } = openTestRegistry(kind);
      t.after(close);
      await defineOrder(registry);
      const before = await eventCount(registry, ORDER);
      for (const format of [
        null,
        'typeid',
        { kind: 'nope' },
        { kind: 'typeid' },
        { kind: 'typeid', prefix: 'ORD' },
        { kind: 'pattern', pattern: '(', maxLength: 5 },
        { kind: 'pattern', pattern: 'x' },
        { kind: 'ulid', extra: true },
        { kind: 'integer', min: 5, max: 1 },
      ]) {
        await rejectsWith(registry.addScheme(ORDER, 'v9', format), 'INVALID_SCHEME');
      }
      for (const name of ['V9', '9v', '', 'v 9']) {
        await rejectsWith(registry.addScheme(ORDER, name, FORMATS.v2), 'INVALID_ARGUMENT');
      }
      assert.equal(await eventCount(registry, ORDER), before);
      assert.equal((await registry.getNamespace(ORDER)).schemes.length, 4);
    });

    it('deprecates a scheme with a sunset and a replacement, idempotently', async (t) => {
      const { registry, close } = openTestRegistry(kind);
      t.after(close);
      await defineOrder(registry);
      const deprecated = await registry.deprecateScheme(ORDER, 'v1', '2027-01-31', 'v2');
      assert.equal(deprecated.changed, true);
      const before = await eventCount(registry, ORDER);
      // The same date written as a full instant is the same request.
      const again = await registry.deprecateScheme(ORDER, 'v1', '2027-01-31T00:00:00Z', 'v2');
      assert.deepEqual(again, { namespace: ORDER, scheme: 'v1', changed: false, seq: null });
      assert.equal(await eventCount(registry, ORDER), before);
      const v1 = (await registry.getNamespace(ORDER)).schemes.find((s) => s.name === 'v1');
      assert.equal(v1?.state, 'deprecated');
      assert.equal(v1?.sunset, '2027-01-31T00:00:00.000Z');
      assert.equal(v1?.replacement, 'v2');
      // A new sunset date moves it, with an event.
      assert.equal((await registry.deprecateScheme(ORDER, 'v1', '2027-06-30', 'v2')).changed, true);
      assert.equal(await eventCount(registry, ORDER), before + 1);
    });

    it('refuses bad deprecations and writes nothing', async (t) => {
      const { registry, close } = openTestRegistry(kind);
      t.after(close);
      await defineOrder(registry);
      const before = await eventCount(registry, ORDER);
      await rejectsWith(registry.deprecateScheme(ORDER, 'v1', 'next year'), 'INVALID_ARGUMENT');
      await rejectsWith(registry.deprecateScheme(ORDER, 'v1', '2027-01-31', 'v1'), 'INVALID_ARGUMENT');
      await rejectsWith(registry.deprecateScheme(ORDER, 'v1', '2027-01-31', 'v9'), 'SCHEME_NOT_FOUND');
      await rejectsWith(registry.deprecateScheme(ORDER, 'v9', '2027-01-31'), 'SCHEME_NOT_FOUND');
      assert.equal(await eventCount(registry, ORDER), before);
    });

    it('archives a scheme idempotently; an archived scheme cannot be deprecated: STATE_CONFLICT', async (t) => {
      const { registry, close } = openTestRegistry(kind);
      t.after(close);
      await defineOrder(registry);
      await registry.deprecateScheme(ORDER, 'v1', '2027-01-31', 'v2');
      assert.equal((await registry.archiveScheme(ORDER, 'v1')).changed, true);
      const before = await eventCount(registry, ORDER);
      assert.deepEqual(await registry.archiveScheme(ORDER, 'v1'), { namespace: ORDER, scheme: 'v1', changed: false, seq: null });
      await rejectsWith(registry.deprecateScheme(ORDER, 'v1', '2027-01-31', 'v2'), 'STATE_CONFLICT');
      await rejectsWith(registry.deprecateScheme(ORDER, 'v1', '2028-01-31'), 'STATE_CONFLICT');
      assert.equal(await eventCount(registry, ORDER), before);
      const v1 = (await registry.getNamespace(ORDER)).schemes.find((s) => s.name === 'v1');
      assert.equal(v1?.state, 'archived');
      // Archiving an active scheme directly is allowed too.
      assert.equal((await registry.archiveScheme(ORDER, 'v3')).changed, true);
      await rejectsWith(registry.archiveScheme(ORDER, 'v9'), 'SCHEME_NOT_FOUND');
    });

    it('refuses identifiers of an unknown scheme: SCHEME_NOT_FOUND', async (t) => {
      const { registry, close } = openTestRegistry(kind);
      t.after(close);
      await defineOrder(registry);
      await rejectsWith(registry.register({ namespace: ORDER, scheme: 'v9', value: typeId(1) }), 'SCHEME_NOT_FOUND');
      await rejectsWith(registry.resolve(ORDER, { scheme: 'v9', value: typeId(1) }), 'SCHEME_NOT_FOUND');
    });
  });
}
