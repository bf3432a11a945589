import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashFromHex } from '../../src/model/merkle/index.js';
import { newKeyRecord, parseCheckpointNote, retirement, trustedKeysOf, verifyMappingProof } from '../../src/model/proof/index.js';
import { ORDER, type TestRegistry, allEvents, legacy, openTestRegistry, rejectsWith } from '../registry/fixtures.js';
import { type ProofSeed, seedProofRegistry, testSigner } from '../registry/proof-fixtures.js';
import { countRows, quote } from './raw-sql.js';
import type { StoreKind } from './stores.js';

export function proofsSuite(kind: StoreKind): void {
  describe('checkpoints, keys and Merkle tiles', () => {
    let ctx: TestRegistry;
    let seed: ProofSeed;
    before(async () => {
      ctx = openTestRegistry(kind);
      seed = await seedProofRegistry(ctx.registry);
    });
    after(() => ctx.close());

    it('reads event hashes by seq, tiles by index, checkpoints by size and keys by period', async () => {
      const events = await allEvents(ctx.registry, ORDER);
      await ctx.store.read(async (reader) => {
        const hashes = await reader.eventHashes(ORDER, 10, 14);
        assert.deepEqual(
          hashes.map((h) => [h.seq, h.hash.toString('hex')]),
          events.slice(9, 14).map((e) => [e.seq, e.hash]),
        );
        assert.deepEqual(await reader.eventHashes(ORDER, 100_000, 100_010), []);
        assert.deepEqual((await reader.merkleTiles(ORDER, 0, 10)).map((t) => t.index), [0]);
        assert.deepEqual(await reader.merkleTiles(ORDER, 1, 10), []);
        assert.deepEqual((await reader.checkpoints(ORDER)).map((c) => c.size), [...seed.orderCheckpoints]);
        assert.deepEqual((await reader.signingKeys()).map((k) => [k.keyId, k.validUntil === null]), [
          [seed.first.keyId, false],
          [seed.second.keyId, true],
        ]);
        const erased = events.find((e) => e.type === 'identifier.erased');
        assert.ok(erased?.type === 'identifier.erased');
        assert.deepEqual((await reader.erasures(ORDER, [erased.body.identifier, 1, 2])).map((e) => e.seq), [erased.seq]);
        assert.deepEqual(await reader.erasures(ORDER, []), []);
      });
    });

    it('keeps a checkpoint or tile recorded twice as it was, and refuses to retire a key that is not active, changing nothing', async () => {
      const read = () => ctx.store.read(async (reader) => ({ checkpoints: await reader.checkpoints(ORDER), tiles: await reader.merkleTiles(ORDER, 0, 10) }));
      const before = await read();
      const [checkpoint] = before.checkpoints;
      assert.ok(checkpoint);
      await ctx.store.write((tx) => tx.addCheckpoint(checkpoint, before.tiles));
      await ctx.store.write((tx) => tx.addCheckpoint({ ...checkpoint, signature: 'other' }, [{ index: 0, root: hashFromHex('0'.repeat(64)) }]));
      assert.deepEqual(await read(), before);

      const keys = await ctx.store.read((reader) => reader.signingKeys());
      const third = testSigner('third');
      const at = new Date().toISOString();
      await rejectsWith(
        ctx.store.write((tx) => tx.addSigningKey(newKeyRecord(third, at), { keyId: seed.first.keyId, ...retirement(seed.first.keyId, at, third) })),
        'KEY_CONFLICT',
      );
      assert.deepEqual(await ctx.store.read((reader) => reader.signingKeys()), keys);
      assert.equal((await ctx.registry.verify()).ok, true);
    });

    it('refuses in the database any change to checkpoints and tiles, and any change to keys but retiring the active one', async () => {
      for (const sql of [
        'UPDATE checkpoints SET size = size + 1',
        'DELETE FROM checkpoints',
        "UPDATE merkle_tiles SET namespace = 'x'",
        'DELETE FROM merkle_tiles',
        "UPDATE signing_keys SET name = 'x'",
        `UPDATE signing_keys SET valid_until = 'x' WHERE key_id = ${quote(seed.first.keyId)}`,
        'DELETE FROM signing_keys',
      ]) {
        await assert.rejects(ctx.raw.query(sql), /append-only/, sql);
      }
      assert.equal(await countRows(ctx.raw, 'signing_keys'), 2);
    });

    it('proves resolutions and checkpoints end to end', async () => {
      const trusted = trustedKeysOf(await ctx.registry.signingKeys());
      const proof = await ctx.registry.resolveWithProof(ORDER, { value: legacy(1) });
      assert.deepEqual(verifyMappingProof(proof, trusted).problems, []);
      for (const { note } of await ctx.registry.checkpoints(ORDER)) {
        const result = await ctx.registry.verifyCheckpoint(note);
        assert.equal(result.ok, true, JSON.stringify(result.first));
        assert.equal(parseCheckpointNote(note).checkpoint.namespace, ORDER);
      }
      const [older, newer] = seed.orderCheckpoints as [number, number];
      assert.ok((await ctx.registry.consistencyProof(ORDER, older, newer)).length > 0);
    });
  });
}
