import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ORDER, type TestRegistry, binding, defineOrder, legacy, openTestRegistry, typeId } from '../registry/fixtures.js';
import { countRows, snapshot } from './raw-sql.js';
import type { RawAccess, StoreKind } from './stores.js';

/** Asserts that the database refuses the raw statement with a message naming the rule, and that nothing changed. */
async function refused(raw: RawAccess, sql: string, fragment = 'append-only'): Promise<void> {
  const before = await snapshot(raw);
  await assert.rejects(
    raw.query(sql),
    (error: unknown) => error instanceof Error && error.message.includes(fragment),
    sql,
  );
  assert.deepEqual(await snapshot(raw), before, `${sql} changed something`);
}

/** Statements that would rewrite history, by what they touch. */
const UPDATES: Record<string, string> = {
  events: "UPDATE events SET actor = 'mallory'",
  namespaces: "UPDATE namespaces SET owner = 'mallory'",
  schemes: "UPDATE schemes SET format = '{}'",
  scheme_states: "UPDATE scheme_states SET state = 'active'",
  entities: "UPDATE entities SET id = 'ent_stolen'",
  'entities (created_seq)': 'UPDATE entities SET created_seq = created_seq + 100',
  identifiers: "UPDATE identifiers SET entity = 'ent_stolen'",
  'identifiers (scheme)': "UPDATE identifiers SET scheme = 'x'",
  identifier_states: "UPDATE identifier_states SET state = 'active'",
  bindings: "UPDATE bindings SET key = 'elsewhere'",
  erasures: 'UPDATE erasures SET seq = seq + 1',
  identifier_values: "UPDATE identifier_values SET value = 'ORD-999999'",
  'identifier_values (salt)': "UPDATE identifier_values SET salt = '00'",
};

const APPEND_ONLY = ['events', 'namespaces', 'schemes', 'scheme_states', 'entities', 'identifiers', 'identifier_states', 'bindings', 'erasures'];

export function immutabilitySuite(kind: StoreKind): void {
  describe('append-only tables', () => {
    let ctx: TestRegistry;
    before(async () => {
      ctx = openTestRegistry(kind);
      const { registry } = ctx;
      await defineOrder(registry);
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('k1') });
      await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) });
      await registry.rebind({ namespace: ORDER, identifier: { value: legacy(1) }, binding: binding('k2') });
      await registry.deprecate({ namespace: ORDER, identifier: { value: legacy(1) }, sunset: '2027-01-31' });
      await registry.deprecateScheme(ORDER, 'v1', '2027-01-31', 'v2');
      await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(2) });
      await registry.erase({ namespace: ORDER, identifier: { value: legacy(2) } });
    });
    after(() => ctx.close());

    for (const [name, sql] of Object.entries(UPDATES)) {
      const table = name.split(' ')[0] as string;
      it(`refuses UPDATE on ${name}`, async () => {
        assert.ok((await countRows(ctx.raw, table)) > 0, `${table} has rows to protect`);
        await refused(ctx.raw, sql);
      });
    }

    for (const table of APPEND_ONLY) {
      it(`refuses DELETE on ${table}`, async () => {
        await refused(ctx.raw, `DELETE FROM ${table}`);
      });
    }

    it('refuses to delete a value (and its salt) that no erasure removed', async () => {
      assert.ok((await countRows(ctx.raw, 'identifier_values')) > 0, 'identifier_values has rows to protect');
      await refused(ctx.raw, 'DELETE FROM identifier_values', 'erasure');
    });

    it('leaves the registry verifiable, and writable, after every refusal', async () => {
      const report = await ctx.registry.verify();
      assert.equal(report.ok, true, JSON.stringify(report.first));
      await ctx.registry.register({ namespace: ORDER, scheme: 'v2', value: typeId(3) });
      assert.equal((await ctx.registry.verify()).ok, true);
    });
  });
}
