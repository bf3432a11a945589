import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Database from 'better-sqlite3';
import {
  ORDER,
  type SqliteTestRegistry,
  binding,
  defineOrder,
  legacy,
  openSqliteTestRegistry,
  typeId,
} from '../registry/fixtures.js';

/** Asserts that the raw statement is refused by a trigger, and that nothing changed. */
function refused(db: Database.Database, sql: string, fragment = 'append-only'): void {
  const before = snapshot(db);
  assert.throws(
    () => db.prepare(sql).run(),
    (error: unknown) => error instanceof Error && error.message.includes(fragment),
    sql,
  );
  assert.deepEqual(snapshot(db), before, `${sql} changed something`);
}

function snapshot(db: Database.Database): Record<string, unknown[]> {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
  return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}"`).all()]));
}

describe('append-only tables', () => {
  let ctx: SqliteTestRegistry;
  let db: Database.Database;
  before(async () => {
    ctx = openSqliteTestRegistry();
    db = ctx.store.connection;
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

  const UPDATES: Record<string, string> = {
    events: "UPDATE events SET actor = 'mallory'",
    namespaces: "UPDATE namespaces SET owner = 'mallory'",
    schemes: "UPDATE schemes SET format = '{}'",
    scheme_states: "UPDATE scheme_states SET state = 'active'",
    entities: "UPDATE entities SET id = 'ent_stolen'",
    identifiers: "UPDATE identifiers SET entity = 'ent_stolen'",
    identifier_states: "UPDATE identifier_states SET state = 'active'",
    bindings: "UPDATE bindings SET key = 'elsewhere'",
    erasures: 'UPDATE erasures SET seq = seq + 1',
    identifier_values: "UPDATE identifier_values SET value = 'ORD-999999'",
    'identifier_values (salt)': "UPDATE identifier_values SET salt = '00'",
  };

  for (const [name, sql] of Object.entries(UPDATES)) {
    const table = name.split(' ')[0] as string;
    it(`refuses UPDATE on ${name}`, () => {
      assert.ok((db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n > 0, `${table} has rows to protect`);
      refused(db, sql);
    });
  }

  for (const table of ['events', 'namespaces', 'schemes', 'scheme_states', 'entities', 'identifiers', 'identifier_states', 'bindings', 'erasures']) {
    it(`refuses DELETE on ${table}`, () => {
      refused(db, `DELETE FROM ${table}`);
    });
  }

  it('refuses to delete a value (and its salt) that no erasure removed', () => {
    refused(db, 'DELETE FROM identifier_values', 'erasure');
  });

  it('leaves the registry verifiable after every refusal', async () => {
    const report = await ctx.registry.verify();
    assert.equal(report.ok, true, JSON.stringify(report.first));
  });
});
