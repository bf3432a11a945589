import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type Database from 'better-sqlite3';
import type { DivergenceKind, VerifyReport } from '../../src/registry/verify.js';
import {
  ORDER,
  type SqliteTestRegistry,
  binding,
  defineOrder,
  legacy,
  openSqliteTestRegistry,
  typeId,
} from '../registry/fixtures.js';

const OTHER = 'customer';

/**
 * A registry with two namespaces (so that tampering with one is pinned to
 * it) and one of each kind of row: identifiers with values, an alias,
 * binding versions, lifecycle changes and an erasure.
 */
async function populated(): Promise<SqliteTestRegistry & { seqs: { registered: number; aliased: number; rebound: number; erased: number } }> {
  const ctx = openSqliteTestRegistry();
  const { registry } = ctx;
  await registry.createNamespace({ name: OTHER, owner: 'crm-team' });
  await registry.addScheme(OTHER, 'v1', { kind: 'integer', min: 1 });
  await registry.register({ namespace: OTHER, scheme: 'v1', value: '1' });
  await defineOrder(registry);
  const registered = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('k1') });
  const aliased = await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) });
  const rebound = await registry.rebind({ namespace: ORDER, identifier: { value: legacy(1) }, binding: binding('k2') });
  await registry.deprecate({ namespace: ORDER, identifier: { value: legacy(1) }, sunset: '2027-01-31' });
  const erasedReg = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(2) });
  await registry.erase({ namespace: ORDER, identifier: { value: legacy(2) } });
  await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(3) });
  return {
    ...ctx,
    seqs: {
      registered: registered.seq as number,
      aliased: aliased.seq as number,
      rebound: rebound.seq as number,
      erased: erasedReg.seq as number,
    },
  };
}

/** Drops the triggers that protect `table`, as an attacker with write access to the file could. */
function dropTriggers(db: Database.Database, table: string): void {
  const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?").all(table) as { name: string }[];
  for (const { name } of triggers) db.exec(`DROP TRIGGER "${name}"`);
}

function assertDetected(report: VerifyReport, expected: { seq: number; kind: DivergenceKind; table: string }): void {
  assert.equal(report.ok, false, 'verify must notice the tampering');
  assert.ok(report.first, 'verify names the first divergence');
  assert.deepEqual(
    { namespace: report.first.namespace, seq: report.first.seq, kind: report.first.kind, table: report.first.table },
    { namespace: ORDER, ...expected },
    JSON.stringify(report.first),
  );
  const order = report.namespaces.find((n) => n.namespace === ORDER);
  assert.equal(order?.ok, false);
  assert.ok((order?.divergences.length ?? 0) >= 1);
  // The untouched namespace still verifies.
  assert.equal(report.namespaces.find((n) => n.namespace === OTHER)?.ok, true);
}

describe('tamper detection', () => {
  let ctx: Awaited<ReturnType<typeof populated>>;
  let db: Database.Database;
  beforeEach(async () => {
    ctx = await populated();
    db = ctx.store.connection;
  });
  afterEach(() => ctx.close());

  it('a clean registry verifies ok', async () => {
    const report = await ctx.registry.verify();
    assert.equal(report.ok, true, JSON.stringify(report.first));
    assert.equal(report.first, null);
    assert.deepEqual(
      report.namespaces.map((n) => [n.namespace, n.ok]),
      [
        [OTHER, true],
        [ORDER, true],
      ],
    );
    const events = report.namespaces.find((n) => n.namespace === ORDER)?.events;
    assert.equal(events, (db.prepare('SELECT COUNT(*) AS n FROM events WHERE namespace = ?').get(ORDER) as { n: number }).n);
    assert.equal((await ctx.registry.verify([ORDER])).namespaces.length, 1);
  });

  it('detects a changed identifier value (value-commitment)', async () => {
    dropTriggers(db, 'identifier_values');
    const changed = db.prepare('UPDATE identifier_values SET value = ? WHERE namespace = ? AND identifier = ?').run(legacy(666), ORDER, ctx.seqs.registered);
    assert.equal(changed.changes, 1);
    assertDetected(await ctx.registry.verify(), { seq: ctx.seqs.registered, kind: 'value-commitment', table: 'secrets' });
  });

  it('detects a changed event body (event-hash)', async () => {
    dropTriggers(db, 'events');
    const row = db.prepare('SELECT body FROM events WHERE namespace = ? AND seq = ?').get(ORDER, ctx.seqs.rebound) as { body: string };
    const body = JSON.parse(row.body) as { binding: { key: string } };
    body.binding.key = 'stolen';
    db.prepare('UPDATE events SET body = ? WHERE namespace = ? AND seq = ?').run(JSON.stringify(body), ORDER, ctx.seqs.rebound);
    assertDetected(await ctx.registry.verify(), { seq: ctx.seqs.rebound, kind: 'event-hash', table: 'events' });
  });

  it('detects a changed event recorded with a recomputed hash (prev-hash of the next event)', async () => {
    dropTriggers(db, 'events');
    // Rewriting the actor and the event's own hash still breaks the link from the next event.
    db.prepare("UPDATE events SET actor = 'mallory', hash = ? WHERE namespace = ? AND seq = ?").run('f'.repeat(64), ORDER, ctx.seqs.registered);
    const report = await ctx.registry.verify();
    assert.equal(report.ok, false);
    const kinds = report.namespaces.find((n) => n.namespace === ORDER)?.divergences.map((d) => [d.seq, d.kind]);
    assert.deepEqual(kinds?.slice(0, 2), [
      [ctx.seqs.registered, 'event-hash'],
      [ctx.seqs.registered + 1, 'prev-hash'],
    ]);
  });

  it('detects a changed salt (value-commitment)', async () => {
    dropTriggers(db, 'identifier_values');
    db.prepare('UPDATE identifier_values SET salt = ? WHERE namespace = ? AND identifier = ?').run('0'.repeat(32), ORDER, ctx.seqs.aliased);
    assertDetected(await ctx.registry.verify(), { seq: ctx.seqs.aliased, kind: 'value-commitment', table: 'secrets' });
  });

  it('detects a deleted identifier row (missing-row)', async () => {
    dropTriggers(db, 'identifiers');
    const deleted = db.prepare('DELETE FROM identifiers WHERE namespace = ? AND seq = ?').run(ORDER, ctx.seqs.aliased);
    assert.equal(deleted.changes, 1);
    assertDetected(await ctx.registry.verify(), { seq: ctx.seqs.aliased, kind: 'missing-row', table: 'identifiers' });
  });

  it('detects an extra entity row (extra-row)', async () => {
    // Inserts are not refused by triggers at all; verify is what catches them.
    db.prepare("INSERT INTO entities (id, namespace, created_seq, created_at) VALUES ('ent_forged', ?, ?, '2025-01-01T00:00:00.000Z')").run(ORDER, 3);
    assertDetected(await ctx.registry.verify(), { seq: 3, kind: 'extra-row', table: 'entities' });
  });

  it('detects a changed binding key (changed-row)', async () => {
    dropTriggers(db, 'bindings');
    db.prepare("UPDATE bindings SET key = 'stolen' WHERE namespace = ? AND version = 2").run(ORDER);
    assertDetected(await ctx.registry.verify(), { seq: ctx.seqs.rebound, kind: 'changed-row', table: 'bindings' });
  });

  it('detects a changed namespace head (head)', async () => {
    const last = db.prepare('SELECT MAX(seq) AS seq FROM events WHERE namespace = ?').get(ORDER) as { seq: number };
    db.prepare('UPDATE namespace_heads SET seq = seq - 1 WHERE namespace = ?').run(ORDER);
    assertDetected(await ctx.registry.verify(), { seq: last.seq, kind: 'head', table: 'namespace_heads' });
  });

  it('detects a changed head hash (head)', async () => {
    const last = db.prepare('SELECT MAX(seq) AS seq FROM events WHERE namespace = ?').get(ORDER) as { seq: number };
    db.prepare('UPDATE namespace_heads SET hash = ? WHERE namespace = ?').run('0'.repeat(64), ORDER);
    assertDetected(await ctx.registry.verify(), { seq: last.seq, kind: 'head', table: 'namespace_heads' });
  });

  it('detects a value put back after its erasure (erased-value-kept)', async () => {
    // identifier_values accepts inserts; nothing derived from the log holds an erased value.
    const entity = (db.prepare('SELECT entity FROM identifiers WHERE namespace = ? AND seq = ?').get(ORDER, ctx.seqs.erased) as { entity: string }).entity;
    db.prepare('INSERT INTO identifier_values (namespace, scheme, value, identifier, entity, salt) VALUES (?, ?, ?, ?, ?, ?)').run(
      ORDER, 'v1', legacy(2), ctx.seqs.erased, entity, '0'.repeat(32),
    );
    const report = await ctx.registry.verify();
    assert.equal(report.ok, false);
    const found = report.namespaces.find((n) => n.namespace === ORDER)?.divergences.map((d) => d.kind);
    assert.ok(found?.includes('erased-value-kept'), JSON.stringify(found));
    assert.equal(report.first?.seq, ctx.seqs.erased);
  });

  it('detects a removed value with no erasure (missing-value)', async () => {
    dropTriggers(db, 'identifier_values');
    db.prepare('DELETE FROM identifier_values WHERE namespace = ? AND identifier = ?').run(ORDER, ctx.seqs.aliased);
    const report = await ctx.registry.verify();
    assert.equal(report.ok, false);
    const kinds = report.namespaces.find((n) => n.namespace === ORDER)?.divergences.map((d) => d.kind);
    assert.ok(kinds?.includes('missing-value'), JSON.stringify(kinds));
  });
});
