import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  EMPTY_ROOT,
  MerkleBuilder,
  consistencyProof,
  consistencyRanges,
  hashToHex,
  inclusionProof,
  inclusionRanges,
  leafHash,
  merkleRoot,
  nodeHash,
  perfectSubtrees,
  rootFromInclusionProof,
  splitPoint,
  verifyConsistency,
  verifyInclusion,
} from '../../src/model/merkle/index.js';

const sha256 = (...parts: (number[] | Buffer)[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(Buffer.isBuffer(part) ? part : Buffer.from(part));
  return hash.digest();
};
const hex = (buffer: Buffer): string => buffer.toString('hex');

/** MTH straight from the definition of RFC 9162 §2.1.1, recursive: the reference the fast code is held to. */
function referenceRoot(entries: readonly Buffer[]): Buffer {
  if (entries.length === 0) return sha256([]);
  if (entries.length === 1) return sha256([0x00], entries[0] as Buffer);
  let k = 1;
  while (k * 2 < entries.length) k *= 2;
  return sha256([0x01], referenceRoot(entries.slice(0, k)), referenceRoot(entries.slice(k)));
}

/** n distinct entries, as the stores' leaves are: 32-byte hashes. */
const entries = (n: number, salt = 'e'): Buffer[] => Array.from({ length: n }, (_, i) => sha256(Buffer.from(`${salt}${i}`)));
const leavesOf = (items: readonly Buffer[]): Buffer[] => items.map((e) => leafHash(e));
const flip = (buffer: Buffer): Buffer => {
  const copy = Buffer.from(buffer);
  copy[0] = (copy[0] as number) ^ 1;
  return copy;
};

describe('Merkle hashing (RFC 9162)', () => {
  it('prefixes leaves with 0x00 and nodes with 0x01, and hashes the empty tree to SHA-256 of nothing', () => {
    const entry = Buffer.from('stableid');
    assert.equal(hex(leafHash(entry)), hex(sha256([0x00], entry)));
    const [a, b] = entries(2) as [Buffer, Buffer];
    assert.equal(hex(nodeHash(a, b)), hex(sha256([0x01], a, b)));
    assert.notEqual(hex(nodeHash(a, b)), hex(nodeHash(b, a)));
    assert.equal(hex(EMPTY_ROOT), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(hex(new MerkleBuilder().root()), hex(EMPTY_ROOT));
    // A leaf of 65 bytes that spells a node never hashes like that node: the prefixes differ.
    assert.notEqual(hex(leafHash(Buffer.concat([Buffer.from([1]), a, b]))), hex(nodeHash(a, b)));
  });

  it('gives the roots of the Certificate Transparency test vectors for trees of 1 to 8 leaves', () => {
    const inputs = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => Buffer.from(h, 'hex'));
    const roots = [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
      'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
      '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
      'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    ];
    const builder = new MerkleBuilder();
    for (const [i, input] of inputs.entries()) {
      builder.appendEntry(input);
      assert.equal(hex(builder.root()), roots[i], `tree of ${i + 1}`);
      assert.equal(hex(merkleRoot(leavesOf(inputs.slice(0, i + 1)))), roots[i]);
      assert.equal(hex(referenceRoot(inputs.slice(0, i + 1))), roots[i]);
    }
  });

  it('equals the recursive definition for every size up to 300 and for random sizes, appending one leaf at a time', () => {
    const items = entries(300);
    const builder = new MerkleBuilder();
    for (let n = 0; n <= items.length; n++) {
      assert.equal(hex(builder.root()), hex(referenceRoot(items.slice(0, n))), `size ${n}`);
      if (n < items.length) builder.appendEntry(items[n] as Buffer);
    }
    fc.assert(
      fc.property(fc.integer({ min: 301, max: 1500 }), (n) => hex(merkleRoot(leavesOf(entries(n, 'r')))) === hex(referenceRoot(entries(n, 'r')))),
      { numRuns: 10 },
    );
  });

  it('builds the same tree from stored subtree roots and from leaves, and reports each completed subtree of the watched size', () => {
    const items = entries(37);
    const tiles: [number, string][] = [];
    const builder = new MerkleBuilder({ level: 3, onSubtree: (index, root) => tiles.push([index, hex(root)]) });
    for (const item of items) builder.appendEntry(item);
    assert.deepEqual(
      tiles,
      [0, 1, 2, 3].map((i) => [i, hex(referenceRoot(items.slice(i * 8, i * 8 + 8)))]),
    );
    const fromTiles = new MerkleBuilder();
    for (const [, root] of tiles) fromTiles.appendSubtree(8, Buffer.from(root, 'hex'));
    for (const item of items.slice(32)) fromTiles.appendEntry(item);
    assert.equal(hex(fromTiles.root()), hex(builder.root()));
    assert.throws(() => new MerkleBuilder().appendSubtree(3, EMPTY_ROOT), RangeError);
    const misaligned = new MerkleBuilder();
    misaligned.appendEntry(items[0] as Buffer);
    assert.throws(() => misaligned.appendSubtree(2, EMPTY_ROOT), RangeError);
  });
});

/*
 * The tree of RFC 9162 §2.1.5 (and RFC 6962 §2.1.3), seven leaves d0…d6, built by hand:
 *
 *             hash
 *            /    \
 *           k      l
 *          / \    / \
 *         g   h  i   j
 *        / \ / \ / \ |
 *        a b c d e f d6
 */
describe('the seven-leaf tree of RFC 9162, by hand', () => {
  const d = entries(7, 'd');
  const [a, b, c, dd, e, f, j] = leavesOf(d) as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
  const g = nodeHash(a, b);
  const h = nodeHash(c, dd);
  const i = nodeHash(e, f);
  const k = nodeHash(g, h);
  const l = nodeHash(i, j);
  const root = nodeHash(k, l);
  const leaves = [a, b, c, dd, e, f, j];

  it('has the root composed by hand, and the hand-composed roots of its prefixes', () => {
    assert.equal(hex(merkleRoot(leaves)), hex(root));
    assert.equal(hex(merkleRoot(leaves.slice(0, 3))), hex(nodeHash(g, c)));
    assert.equal(hex(merkleRoot(leaves.slice(0, 4))), hex(k));
    assert.equal(hex(merkleRoot(leaves.slice(0, 6))), hex(nodeHash(k, i)));
  });

  it('has the audit paths the RFC lists: d0 [b, h, l], d3 [c, g, l], d4 [f, j, k], d6 [i, k]', () => {
    const expected: [number, Buffer[]][] = [
      [0, [b, h, l]],
      [3, [c, g, l]],
      [4, [f, j, k]],
      [6, [i, k]],
    ];
    for (const [index, path] of expected) {
      assert.deepEqual(inclusionProof(leaves, index).map(hex), path.map(hex), `d${index}`);
      assert.ok(verifyInclusion(leaves[index] as Buffer, index, 7, path, root));
    }
  });

  it('has the consistency proofs the RFC lists: 3→7 [c, d, g, l], 4→7 [l], 6→7 [i, j, k]', () => {
    const expected: [number, Buffer[], Buffer][] = [
      [3, [c, dd, g, l], nodeHash(g, c)],
      [4, [l], k],
      [6, [i, j, k], nodeHash(k, i)],
    ];
    for (const [from, proof, fromRoot] of expected) {
      assert.deepEqual(consistencyProof(leaves, from).map(hex), proof.map(hex), `${from} → 7`);
      assert.ok(verifyConsistency(from, 7, fromRoot, root, proof));
    }
  });
});

describe('Merkle proofs', () => {
  it('splits at the largest power of two below n and covers a range with aligned perfect subtrees', () => {
    assert.deepEqual([2, 3, 4, 5, 8, 9, 1025].map(splitPoint), [1, 2, 2, 4, 4, 8, 1024]);
    assert.deepEqual(perfectSubtrees(0, 7), [
      [0, 4],
      [4, 6],
      [6, 7],
    ]);
    assert.deepEqual(perfectSubtrees(512, 1000), [
      [512, 768],
      [768, 896],
      [896, 960],
      [960, 992],
      [992, 1000],
    ]);
  });

  it('proves and verifies the inclusion of every leaf of every tree up to 70 leaves', () => {
    for (let n = 1; n <= 70; n++) {
      const leaves = leavesOf(entries(n));
      const root = merkleRoot(leaves);
      for (let index = 0; index < n; index++) {
        const proof = inclusionProof(leaves, index);
        assert.ok(verifyInclusion(leaves[index] as Buffer, index, n, proof, root), `${index} of ${n}`);
        assert.equal(hex(rootFromInclusionProof(leaves[index] as Buffer, index, n, proof) as Buffer), hex(root));
      }
    }
  });

  // The size is not among the things altered: a checkpoint signs its size with its root, and a proof is checked against both.
  it('refuses every inclusion proof that was altered: a hash, the leaf, the index, the root, a hash too many or too few', () => {
    for (const n of [2, 5, 8, 13, 64, 70]) {
      const leaves = leavesOf(entries(n));
      const root = merkleRoot(leaves);
      for (let index = 0; index < n; index++) {
        const leaf = leaves[index] as Buffer;
        const proof = inclusionProof(leaves, index);
        for (let at = 0; at < proof.length; at++) assert.ok(!verifyInclusion(leaf, index, n, proof.map((p, x) => (x === at ? flip(p) : p)), root));
        assert.ok(!verifyInclusion(flip(leaf), index, n, proof, root));
        if (n > 1) assert.ok(!verifyInclusion(leaf, (index + 1) % n, n, proof, root), `index ${index} of ${n}`);
        assert.ok(!verifyInclusion(leaf, index, n, [...proof, root], root));
        if (proof.length > 0) assert.ok(!verifyInclusion(leaf, index, n, proof.slice(1), root));
        assert.ok(!verifyInclusion(leaf, index, n, proof, flip(root)));
        assert.ok(!verifyInclusion(leaf, n, n, proof, root));
      }
    }
  });

  it('proves and verifies consistency between every pair of sizes up to 70, and refuses altered proofs', () => {
    const items = entries(70);
    const leaves = leavesOf(items);
    const roots = Array.from({ length: 71 }, (_, n) => merkleRoot(leaves.slice(0, n)));
    for (let to = 0; to <= 70; to++) {
      for (let from = 0; from <= to; from++) {
        const proof = consistencyProof(leaves, from, to);
        const [fromRoot, toRoot] = [roots[from] as Buffer, roots[to] as Buffer];
        assert.ok(verifyConsistency(from, to, fromRoot, toRoot, proof), `${from} → ${to}`);
        if (from === 0) continue;
        assert.ok(!verifyConsistency(from, to, flip(fromRoot), toRoot, proof), `${from} → ${to}: another old root`);
        if (from < to) {
          assert.ok(!verifyConsistency(from, to, fromRoot, flip(toRoot), proof), `${from} → ${to}: another new root`);
          for (let at = 0; at < proof.length; at++) assert.ok(!verifyConsistency(from, to, fromRoot, toRoot, proof.map((p, x) => (x === at ? flip(p) : p))));
          assert.ok(!verifyConsistency(from, to, fromRoot, toRoot, [...proof, toRoot]));
          assert.ok(!verifyConsistency(from, to, fromRoot, toRoot, proof.slice(1)));
        }
      }
    }
    assert.ok(!verifyConsistency(5, 4, roots[5] as Buffer, roots[4] as Buffer, []));
  });

  it('refuses consistency between a tree and a rewritten history, wherever the rewrite is', () => {
    const leaves = leavesOf(entries(40));
    for (let changed = 0; changed < 40; changed += 3) {
      const forked = leaves.map((leaf, i) => (i === changed ? flip(leaf) : leaf));
      for (const from of [changed + 1, 20, 33]) {
        if (from <= changed || from > 40) continue;
        const oldRoot = merkleRoot(leaves.slice(0, from));
        assert.ok(!verifyConsistency(from, 40, oldRoot, merkleRoot(forked), consistencyProof(forked, from)), `leaf ${changed}, from ${from}`);
      }
    }
  });

  it('keeps proofs logarithmic: at most ⌈log2 n⌉ hashes to include a leaf, and ⌈log2 n⌉ + 1 for consistency, at a million leaves and beyond', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 2 ** 40 }), fc.double({ min: 0, max: 1, noNaN: true }), (size, where) => {
        const bound = Math.ceil(Math.log2(size));
        const index = Math.min(size - 1, Math.floor(where * size));
        return inclusionRanges(index, size).length <= bound && consistencyRanges(Math.max(1, index), size).length <= bound + 1;
      }),
    );
    assert.equal(inclusionRanges(0, 1_000_000).length, 20);
  });
});
