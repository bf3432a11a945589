import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { DivergenceKind, VerifyReport } from '../../src/registry/verify.js';
import { ORDER, type TestRegistry, binding, defineOrder, legacy, openTestRegistry, typeId } from '../registry/fixtures.js';
import { quote } from './raw-sql.js';
import type { StoreKind } from './stores.js';

const OTHER = 'customer';

interface Seqs {
  readonly registered: number;
  readonly aliased: number;
  readonly rebound: number;
}

/**
 * Two namespaces (so that tampering with one is pinned to it) and one of
 * each kind of row: identifiers with values, an alias, binding versions, a
 * lifecycle change and an erasure.
 */
async function populate(ctx: TestRegistry): Promise<Seqs> {
  const { registry } = ctx;
  await registry.createNamespace({ name: OTHER, owner: 'crm-team' });
  await registry.addScheme(OTHER, 'v1', { kind: 'integer', min: 1 });
  await registry.register({ namespace: OTHER, scheme: 'v1', value: '1' });
  await defineOrder(registry);
  const registered = await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(1), binding: binding('k1') });
  const aliased = await registry.alias({ namespace: ORDER, from: { value: legacy(1) }, scheme: 'v2', value: typeId(1) });
  const rebound = await registry.rebind({ namespace: ORDER, identifier: { value: legacy(1) }, binding: binding('k2') });
  await registry.deprecate({ namespace: ORDER, identifier: { value: legacy(1) }, sunset: '2027-01-31' });
  await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(2) });
  await registry.erase({ namespace: ORDER, identifier: { value: legacy(2) } });
  await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(3) });
  return { registered: registered.seq as number, aliased: aliased.seq as number, rebound: rebound.seq as number };
}

function assertDetected(report: VerifyReport, expected: { seq: number; kind: DivergenceKind; table: string }): void {
  assert.equal(report.ok, false, 'verify must notice the tampering');
  assert.ok(report.first, 'verify names the first divergence');
  assert.deepEqual(
    { namespace: report.first.namespace, seq: report.first.seq, kind: report.first.kind, table: report.first.table },
    { namespace: ORDER, ...expected },
    JSON.stringify(report.first),
  );
  assert.equal(report.namespaces.find((n) => n.namespace === ORDER)?.ok, false);
  // The untouched namespace still verifies.
  assert.equal(report.namespaces.find((n) => n.namespace === OTHER)?.ok, true);
}

const order = quote(ORDER);

export function tamperSuite(kind: StoreKind): void {
  describe('tamper detection', () => {
    let ctx: TestRegistry;
    let seqs: Seqs;
    beforeEach(async () => {
      ctx = openTestRegistry(kind);
      seqs = await populate(ctx);
    });
    afterEach(() => ctx.close());

    /** Runs `sql` past the database's guards, or skips the test where this kind offers no way to. */
    async function tamper(t: { skip(message: string): void }, sql: string): Promise<boolean> {
      if (!ctx.raw.tamper) {
        t.skip(`${kind.name} offers no way past its guards`);
        return false;
      }
      await ctx.raw.tamper(sql);
      return true;
    }

    it('a clean registry verifies ok', async () => {
      const report = await ctx.registry.verify();
      assert.equal(report.ok, true, JSON.stringify(report.first));
      assert.deepEqual(
        report.namespaces.map((n) => [n.namespace, n.ok]),
        [
          [OTHER, true],
          [ORDER, true],
        ],
      );
    });

    it('detects an extra entity row (extra-row), which no guard refuses', async () => {
      await ctx.raw.query(`INSERT INTO entities (id, namespace, created_seq, created_at) VALUES ('ent_forged', ${order}, 3, '2025-01-01T00:00:00.000Z')`);
      assertDetected(await ctx.registry.verify(), { seq: 3, kind: 'extra-row', table: 'entities' });
    });

    it('detects a namespace head moved back (head)', async () => {
      const [last] = await ctx.raw.query(`SELECT MAX(seq) AS seq FROM events WHERE namespace = ${order}`);
      await ctx.raw.query(`UPDATE namespace_heads SET seq = seq - 1 WHERE namespace = ${order}`);
      assertDetected(await ctx.registry.verify(), { seq: Number(last?.['seq']), kind: 'head', table: 'namespace_heads' });
    });

    it('detects a changed binding key (changed-row)', async (t) => {
      if (!(await tamper(t, `UPDATE bindings SET key = 'stolen' WHERE namespace = ${order} AND version = 2`))) return;
      assertDetected(await ctx.registry.verify(), { seq: seqs.rebound, kind: 'changed-row', table: 'bindings' });
    });

    it('detects a deleted identifier row (missing-row)', async (t) => {
      if (!(await tamper(t, `DELETE FROM identifiers WHERE namespace = ${order} AND seq = ${seqs.aliased}`))) return;
      assertDetected(await ctx.registry.verify(), { seq: seqs.aliased, kind: 'missing-row', table: 'identifiers' });
    });

    it('detects a changed identifier value (value-commitment)', async (t) => {
      const changed = `UPDATE identifier_values SET value = ${quote(legacy(666))} WHERE namespace = ${order} AND identifier = ${seqs.registered}`;
      if (!(await tamper(t, changed))) return;
      assertDetected(await ctx.registry.verify(), { seq: seqs.registered, kind: 'value-commitment', table: 'secrets' });
    });

    it('detects a changed event (event-hash)', async (t) => {
      if (!(await tamper(t, `UPDATE events SET actor = 'mallory' WHERE namespace = ${order} AND seq = ${seqs.registered}`))) return;
      assertDetected(await ctx.registry.verify(), { seq: seqs.registered, kind: 'event-hash', table: 'events' });
    });

    it('puts the guards back after tampering', async (t) => {
      if (!(await tamper(t, `UPDATE bindings SET key = 'stolen' WHERE namespace = ${order} AND version = 2`))) return;
      await assert.rejects(ctx.raw.query(`DELETE FROM bindings WHERE namespace = ${order}`), /append-only/);
    });
  });
}
