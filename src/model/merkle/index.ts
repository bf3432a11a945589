/**
 * RFC 9162 Merkle trees: hashing, an append-only builder, the ranges that
 * proofs are made of, and proof verification. Pure functions, no I/O.
 */
export { EMPTY_ROOT, HASH_BYTES, hashFromHex, hashToHex, isHexHash, leafHash, nodeHash } from './merkle-hash.js';
export { MerkleBuilder, type MerkleBuilderOptions, type SubtreeListener } from './merkle-builder.js';
export { type LeafRange, consistencyRanges, inclusionRanges, isPowerOfTwo, perfectSubtrees, splitPoint } from './merkle-ranges.js';
export {
  consistencyProof,
  inclusionProof,
  merkleRoot,
  rangeRoot,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from './merkle-proofs.js';
