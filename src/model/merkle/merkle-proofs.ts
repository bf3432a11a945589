import { MerkleBuilder } from './merkle-builder.js';
import { nodeHash } from './merkle-hash.js';
import { type LeafRange, consistencyRanges, inclusionRanges, isPowerOfTwo, perfectSubtrees } from './merkle-ranges.js';

/*
 * Proofs over RFC 9162 trees: built from leaf hashes held in memory (small
 * trees, tests), and verified with the algorithms of RFC 9162 §2.1.3.2 and
 * §2.1.4.2, which need nothing but the proof, the sizes and the roots.
 */

/** The root of leaves [start, end) of `leaves` (leaf hashes), which must be a subtree of an RFC 9162 tree. */
export function rangeRoot(leaves: readonly Buffer[], start: number, end: number): Buffer {
  if (end > leaves.length) throw new RangeError(`leaves [${start}, ${end}) of ${leaves.length}`);
  const builder = new MerkleBuilder();
  for (const [from, to] of perfectSubtrees(start, end)) builder.appendSubtree(to - from, subtreeRoot(leaves, from, to));
  return builder.root();
}

function subtreeRoot(leaves: readonly Buffer[], start: number, end: number): Buffer {
  const builder = new MerkleBuilder();
  for (let i = start; i < end; i++) builder.appendLeafHash(leaves[i] as Buffer);
  return builder.root();
}

/** MTH(D[n]) of the given leaf hashes. */
export function merkleRoot(leaves: readonly Buffer[]): Buffer {
  return rangeRoot(leaves, 0, leaves.length);
}

/** The inclusion proof of leaf `index` in the tree of the first `size` leaves. */
export function inclusionProof(leaves: readonly Buffer[], index: number, size = leaves.length): Buffer[] {
  return rootsOf(leaves, inclusionRanges(index, size));
}

/** The consistency proof between the trees of the first `from` and the first `to` leaves. */
export function consistencyProof(leaves: readonly Buffer[], from: number, to = leaves.length): Buffer[] {
  return rootsOf(leaves, consistencyRanges(from, to));
}

const rootsOf = (leaves: readonly Buffer[], ranges: readonly LeafRange[]): Buffer[] => ranges.map(([start, end]) => rangeRoot(leaves, start, end));

/**
 * The root that an inclusion proof of `leaf` (a leaf hash) at `index` leads
 * to in a tree of `size` leaves, or null when the proof cannot belong to
 * such a tree (wrong length, index out of range). RFC 9162 §2.1.3.2.
 */
export function rootFromInclusionProof(leaf: Buffer, index: number, size: number, proof: readonly Buffer[]): Buffer | null {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

/** Whether `proof` proves that `leaf` (a leaf hash) is leaf `index` of the tree of `size` leaves whose root is `root`. */
export function verifyInclusion(leaf: Buffer, index: number, size: number, proof: readonly Buffer[], root: Buffer): boolean {
  const computed = rootFromInclusionProof(leaf, index, size, proof);
  return computed !== null && computed.equals(root);
}

/**
 * Whether `proof` proves that the tree of `from` leaves with root `fromRoot`
 * is a prefix of the tree of `to` leaves with root `toRoot`: the later tree
 * only appended to the earlier one. RFC 9162 §2.1.4.2, with the two cases the
 * RFC leaves out: from = to (the roots must be equal, the proof empty) and
 * from = 0 (every tree extends the empty one; the proof is empty).
 */
export function verifyConsistency(from: number, to: number, fromRoot: Buffer, toRoot: Buffer, proof: readonly Buffer[]): boolean {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || from > to) return false;
  if (from === to) return proof.length === 0 && fromRoot.equals(toRoot);
  if (from === 0) return proof.length === 0;
  const path = isPowerOfTwo(from) ? [fromRoot, ...proof] : [...proof];
  const [first, ...rest] = path;
  if (!first) return false;
  let fn = from - 1;
  let sn = to - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = first;
  let sr = first;
  for (const c of rest) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(fromRoot) && sr.equals(toRoot);
}
