import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Database from 'better-sqlite3';
import { hashEvent } from '../../src/model/events.js';
import { hashFromHex, hashToHex, leafHash, merkleRoot, consistencyProof as memoryConsistencyProof } from '../../src/model/merkle/index.js';
import {
  checkpointsConsistent,
  parseCheckpointNote,
  trustedKeysOf,
  verifyMappingProof,
} from '../../src/model/proof/index.js';
import type { Registry } from '../../src/registry/registry.js';
import { TILE_SIZE } from '../../src/store/store.js';
import { ORDER, type SqliteTestRegistry, allEvents, binding, defineOrder, legacy, openSqliteTestRegistry, rejectsWith, typeId } from './fixtures.js';
import { CUSTOMER, type ProofSeed, seedProofRegistry, testSigner } from './proof-fixtures.js';

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A copy of a JSON document with the value at `path` replaced, as a forger would edit it. */
function edited(document: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const copy = clone(document) as Record<string | number, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path.at(-1) as string | number] = value;
  return copy;
}

/** Rewrites event `seq` (its actor) and recomputes the chain from there, as an attacker with the file and stableid's code could. */
async function rewriteHistory(ctx: SqliteTestRegistry, namespace: string, seq: number, tiles: 'keep' | 'recompute'): Promise<void> {
  const db: Database.Database = ctx.store.connection;
  const events = (await allEvents(ctx.registry, namespace)).filter((e) => e.seq >= seq);
  const triggers = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all() as { name: string; sql: string }[];
  for (const { name } of triggers) db.exec(`DROP TRIGGER "${name}"`);
  let prevHash = events[0]?.prevHash as string;
  for (const event of events) {
    const rewritten = event.seq === seq ? { ...event, actor: 'mallory' } : event;
    const hash = hashEvent(rewritten, prevHash);
    db.prepare('UPDATE events SET actor = ?, prev_hash = ?, hash = ? WHERE namespace = ? AND seq = ?').run(rewritten.actor, hashFromHex(prevHash), hashFromHex(hash), namespace, event.seq);
    prevHash = hash;
  }
  db.prepare('UPDATE namespace_heads SET hash = ? WHERE namespace = ?').run(prevHash, namespace);
  if (tiles === 'recompute') {
    const leaves = (await allEvents(ctx.registry, namespace)).map((e) => leafHash(hashFromHex(e.hash)));
    for (const { idx } of db.prepare('SELECT idx FROM merkle_tiles WHERE namespace = ?').all(namespace) as { idx: number }[]) {
      db.prepare('UPDATE merkle_tiles SET root = ? WHERE namespace = ? AND idx = ?').run(merkleRoot(leaves.slice(idx * TILE_SIZE, (idx + 1) * TILE_SIZE)), namespace, idx);
    }
  }
  for (const { sql } of triggers) db.exec(sql);
}

describe('checkpoints and proofs', () => {
  let ctx: SqliteTestRegistry;
  let registry: Registry;
  let seed: ProofSeed;
  before(async () => {
    ctx = openSqliteTestRegistry();
    registry = ctx.registry;
    seed = await seedProofRegistry(registry);
  });
  after(() => ctx.close());

  const trusted = async () => trustedKeysOf(await registry.signingKeys());

  it('signs checkpoints with the active key, keeps them, and signs a head only once per key', async () => {
    const kept = await registry.checkpoints(ORDER);
    assert.deepEqual(
      kept.map((k) => [k.record.size, k.record.keyId]),
      [
        [seed.orderCheckpoints[0], seed.first.keyId],
        [seed.orderCheckpoints[1], seed.second.keyId],
      ],
    );
    const again = await registry.checkpoint(ORDER, seed.second);
    assert.equal(again.created, false);
    assert.equal(again.note, kept[1]?.note);
    for (const { note } of kept) assert.ok(parseCheckpointNote(note).signatures.length === 1);
    await rejectsWith(registry.checkpoint(ORDER, seed.first), 'KEY_CONFLICT');
    await rejectsWith(registry.checkpoint('nope', seed.second), 'NAMESPACE_NOT_FOUND');
    await rejectsWith(registry.checkpoints('nope'), 'NAMESPACE_NOT_FOUND');
  });

  it('records the Merkle tile of every 256 events a checkpoint covers, equal to the tree of their hashes', async () => {
    const tiles = ctx.store.connection.prepare('SELECT idx, root FROM merkle_tiles WHERE namespace = ? ORDER BY idx').all(ORDER) as { idx: number; root: Buffer }[];
    assert.equal(tiles.length, Math.floor((seed.orderCheckpoints[1] as number) / TILE_SIZE));
    const events = await allEvents(registry, ORDER);
    const leaves = events.slice(0, TILE_SIZE).map((e) => leafHash(hashFromHex(e.hash)));
    assert.equal(tiles[0]?.root.toString('hex'), hashToHex(merkleRoot(leaves)));
  });

  it('verifies every kept checkpoint against the log, before and after key rotation, with recorded or published keys', async () => {
    for (const { note, record } of await registry.checkpoints(ORDER)) {
      const result = await registry.verifyCheckpoint(note);
      assert.equal(result.ok, true, JSON.stringify(result.first));
      assert.equal(result.consistency.ok, true);
      assert.equal(result.signatures[0]?.status, 'valid');
      assert.equal(result.signatures[0]?.keyId, record.keyId);
    }
    const [old] = await registry.checkpoints(ORDER);
    const publishedSecond = [{ name: seed.second.name, keyId: seed.second.keyId, publicKey: seed.second.publicKey }];
    await rejectsWith(registry.verifyCheckpoint(old?.note as string, { trusted: publishedSecond }), 'SIGNATURE_INVALID');
    // The retired key signed within its period; the same signature dated after it is refused.
    const keys = await trusted();
    const retired = keys.find((k) => k.keyId === seed.first.keyId);
    assert.ok(retired?.validUntil);
    await rejectsWith(registry.verifyCheckpoint(old?.note as string, { trusted: [{ ...retired, validUntil: '2000-01-01T00:00:00.000Z' }] }), 'SIGNATURE_INVALID');
    await rejectsWith(registry.addSigningKey(testSigner()), 'KEY_CONFLICT');
    assert.equal((await registry.verify()).ok, true);
  });

  it('proves a resolution offline: identifiers, lineage, values, states and binding against the latest checkpoint', async () => {
    const proof = await registry.resolveWithProof(ORDER, { value: legacy(1) });
    assert.equal(proof.resolution.identifiers.length, 2);
    assert.equal(proof.resolution.identifier.state, 'deprecated');
    assert.equal(proof.resolution.binding?.key, 'k1-moved');
    const keys = await trusted();
    const verdict = verifyMappingProof(JSON.parse(JSON.stringify(proof)), keys);
    assert.deepEqual(verdict.problems, []);
    assert.equal(verdict.ok, true);
    assert.equal(verdict.checkpoint?.size, seed.orderCheckpoints[1]);
    // Logarithmic: each event's path has at most ⌈log2 size⌉ hashes.
    for (const { path } of proof.events) assert.ok(path.length <= Math.ceil(Math.log2(verdict.checkpoint?.size ?? 0)));
    const archived = await registry.resolveWithProof(ORDER, { value: legacy(4) });
    assert.equal(archived.resolution.identifier.state, 'archived');
    assert.equal(verifyMappingProof(archived, keys).ok, true);
  });

  it('refuses a proof with anything changed: the mapping, a value, a binding, a state, an event, a path, the salts, the checkpoint, the keys', async () => {
    const proof = await registry.resolveWithProof(ORDER, { value: legacy(2) });
    const keys = await trusted();
    assert.equal(verifyMappingProof(proof, keys).ok, true);
    const edits: [string, (string | number)[], unknown][] = [
      ['entity', ['resolution', 'entity'], 'ent_forged'],
      ['value', ['resolution', 'identifiers', 0, 'value'], legacy(999)],
      ['asked-for value', ['resolution', 'identifier', 'value'], legacy(999)],
      ['binding', ['resolution', 'binding', 'key'], 'elsewhere'],
      ['binding version', ['resolution', 'binding', 'version'], 7],
      ['state', ['resolution', 'identifiers', 0, 'state'], 'archived'],
      ['lineage', ['resolution', 'identifiers', 1, 'derivedFrom'], null],
      ['event actor', ['events', 0, 'event', 'actor'], 'mallory'],
      ['event dropped', ['events'], proof.events.slice(1)],
      ['path', ['events', 0, 'path', 0], '0'.repeat(64)],
      ['salts', ['salts'], {}],
      ['checkpoint', ['checkpoint'], proof.checkpoint.replace(/^size \d+$/m, 'size 1000')],
      ['format', ['format'], 'something else'],
    ];
    for (const [what, path, value] of edits) {
      const forged = edited(proof, path, value);
      const verdict = verifyMappingProof(forged, keys);
      assert.equal(verdict.ok, false, what);
      assert.ok(verdict.problems.length > 0, what);
    }
    assert.equal(verifyMappingProof(proof, [{ name: 'x', keyId: seed.second.keyId, publicKey: seed.first.publicKey }]).ok, false, 'another key');
    assert.equal(verifyMappingProof(proof, []).ok, false, 'no trusted key');
  });

  it('shows an erased value as erased, proven by its erasure event, and proves as-of answers', async () => {
    await registry.alias({ namespace: ORDER, from: { value: legacy(6) }, scheme: 'v2', value: typeId(6) });
    await registry.erase({ namespace: ORDER, identifier: { value: legacy(6) } });
    await rejectsWith(registry.resolveWithProof(ORDER, { value: typeId(6) }), 'CHECKPOINT_NOT_FOUND');
    await registry.checkpoint(ORDER, seed.second);
    const proof = await registry.resolveWithProof(ORDER, { value: typeId(6) });
    assert.equal(proof.resolution.identifiers[0]?.value, null);
    assert.ok(proof.events.some((e) => e.event.type === 'identifier.erased'));
    assert.equal(verifyMappingProof(proof, await trusted()).ok, true);
    const forged = edited(proof, ['events'], proof.events.filter((e) => e.event.type !== 'identifier.erased'));
    assert.equal(verifyMappingProof(forged, await trusted()).ok, false);

    const [first] = await registry.history(ORDER, 5, 1);
    const asOf = await registry.resolveWithProof(ORDER, { value: legacy(1) }, { asOf: first?.at as string });
    assert.equal(asOf.resolution.identifiers.length, 1);
    assert.equal(verifyMappingProof(asOf, await trusted()).ok, true);
  });

  it('answers CHECKPOINT_NOT_FOUND for a namespace never checkpointed', async () => {
    await registry.createNamespace({ name: 'fresh', owner: 'x' });
    await registry.addScheme('fresh', 'v1', { kind: 'integer', min: 1 });
    await registry.register({ namespace: 'fresh', scheme: 'v1', value: '7' });
    await rejectsWith(registry.resolveWithProof('fresh', { value: '7' }), 'CHECKPOINT_NOT_FOUND');
    assert.equal((await registry.checkpoints(CUSTOMER)).length, 1);
  });
});

describe('consistency between many checkpoints', () => {
  it('proves every pair of 24 checkpoints consistent, from tiles and leaves as from the whole tree in memory', async () => {
    const ctx = openSqliteTestRegistry();
    try {
      const { registry } = ctx;
      const signer = testSigner();
      await registry.addSigningKey(signer);
      await defineOrder(registry);
      const notes: string[] = [];
      // Sizes around and across tile boundaries (256, 512) and powers of two.
      const targets = [5, 6, 8, 9, 31, 64, 65, 100, 127, 255, 256, 257, 300, 383, 384, 511, 512, 513, 600, 640, 700, 768, 769, 777];
      let n = 0;
      for (const target of targets) {
        const head = (await allEvents(registry, ORDER)).length;
        const missing = target - head;
        if (missing > 0) {
          await registry.writeMany(
            Array.from({ length: missing }, () => ({ request: { op: 'register' as const, namespace: ORDER, scheme: 'v1', value: legacy((n += 1)), binding: binding(`k${n}`) } })),
          );
        }
        notes.push((await registry.checkpoint(ORDER, signer)).note);
      }
      const parsed = notes.map(parseCheckpointNote);
      assert.deepEqual(
        parsed.map((p) => p.checkpoint.size),
        targets,
      );
      const leaves = (await allEvents(registry, ORDER)).map((e) => leafHash(hashFromHex(e.hash)));
      let pairs = 0;
      for (let i = 0; i < parsed.length; i++) {
        for (let j = i; j < parsed.length; j++) {
          const [older, newer] = [parsed[i]?.checkpoint, parsed[j]?.checkpoint];
          if (!older || !newer) continue;
          const proof = await registry.consistencyProof(ORDER, older.size, newer.size);
          assert.deepEqual(proof, memoryConsistencyProof(leaves, older.size, newer.size).map(hashToHex), `${older.size} → ${newer.size}`);
          assert.ok(checkpointsConsistent(older, newer, proof), `${older.size} → ${newer.size}`);
          if (i !== j && proof.length > 0) assert.ok(!checkpointsConsistent(older, { ...newer, root: older.root }, proof));
          pairs += 1;
        }
      }
      assert.equal(pairs, (24 * 25) / 2);
      for (const note of notes) assert.equal((await registry.verifyCheckpoint(note)).ok, true);
      await rejectsWith(registry.consistencyProof(ORDER, 10, 5), 'INVALID_ARGUMENT');
      await rejectsWith(registry.consistencyProof(ORDER, 10, 100_000), 'INVALID_ARGUMENT');
    } finally {
      await ctx.close();
    }
  });
});

describe('rewritten history', () => {
  let ctx: SqliteTestRegistry;
  let notes: string[];
  let signer: ReturnType<typeof testSigner>;
  const setup = async (): Promise<void> => {
    ctx = openSqliteTestRegistry();
    signer = testSigner();
    await ctx.registry.addSigningKey(signer);
    await defineOrder(ctx.registry);
    await ctx.registry.writeMany(Array.from({ length: 300 }, (_, i) => ({ request: { op: 'register' as const, namespace: ORDER, scheme: 'v1', value: legacy(i + 1) } })));
    notes = [(await ctx.registry.checkpoint(ORDER, signer)).note];
    await ctx.registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(301) });
  };

  it('is found by the checkpoint and placed at the event rewritten, when the chain after it was left alone', async () => {
    await setup();
    try {
      const events = await allEvents(ctx.registry, ORDER);
      const target = events[99];
      assert.ok(target);
      // Event 100 rewritten with its own hash recomputed, the events after it untouched.
      const db = ctx.store.connection;
      const triggers = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'").all() as { name: string; sql: string }[];
      for (const { name } of triggers) db.exec(`DROP TRIGGER "${name}"`);
      db.prepare('UPDATE events SET actor = ?, hash = ? WHERE namespace = ? AND seq = ?').run('mallory', hashFromHex(hashEvent({ ...target, actor: 'mallory' }, target.prevHash)), ORDER, 100);
      for (const { sql } of triggers) db.exec(sql);
      const result = await ctx.registry.verifyCheckpoint(notes[0] as string);
      assert.equal(result.ok, false);
      assert.equal(result.consistency.ok, false);
      assert.equal(result.first?.seq, 100, result.first?.message);
      assert.equal((await ctx.registry.verify()).first?.seq, 100);
      await rejectsWith(ctx.registry.checkpoint(ORDER, signer), 'PROOF_FAILED');
    } finally {
      await ctx.close();
    }
  });

  it('is found by the checkpoint when the whole chain was recomputed, placed within the tile that no longer matches', async () => {
    await setup();
    try {
      await rewriteHistory(ctx, ORDER, 120, 'keep');
      const result = await ctx.registry.verifyCheckpoint(notes[0] as string);
      assert.equal(result.ok, false);
      assert.equal(result.consistency.ok, false);
      assert.equal(result.first?.kind, 'checkpoint-consistency');
      assert.equal(result.first?.seq, 1, result.first?.message);
      assert.match(result.first?.message ?? '', /within events 1…256/);
      await rejectsWith(ctx.registry.checkpoint(ORDER, signer), 'PROOF_FAILED');
    } finally {
      await ctx.close();
    }
  });

  it('is found by the checkpoint even when chain and tiles were all recomputed, though nothing stored shows where', async () => {
    await setup();
    try {
      await rewriteHistory(ctx, ORDER, 120, 'recompute');
      assert.equal((await ctx.registry.verify()).ok, false, 'the kept checkpoint no longer matches either');
      const result = await ctx.registry.verifyCheckpoint(notes[0] as string);
      assert.equal(result.ok, false);
      assert.equal(result.consistency.ok, false);
      assert.equal(result.first?.kind, 'checkpoint-consistency');
      assert.equal(result.first?.seq, null);
    } finally {
      await ctx.close();
    }
  });

  it('is found when events were removed from the end', async () => {
    await setup();
    try {
      const db = ctx.store.connection;
      const triggers = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'").all() as { name: string; sql: string }[];
      for (const { name } of triggers) db.exec(`DROP TRIGGER "${name}"`);
      db.prepare('DELETE FROM events WHERE namespace = ? AND seq >= 250').run(ORDER);
      for (const { sql } of triggers) db.exec(sql);
      const result = await ctx.registry.verifyCheckpoint(notes[0] as string);
      assert.equal(result.ok, false);
      assert.equal(result.first?.seq, 250, result.first?.message);
    } finally {
      await ctx.close();
    }
  });
});
