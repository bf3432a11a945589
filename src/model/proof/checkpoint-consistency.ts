import { hashFromHex, isHexHash } from '../merkle/merkle-hash.js';
import { verifyConsistency } from '../merkle/merkle-proofs.js';
import type { Checkpoint } from './checkpoint-note.js';

/**
 * Whether `proof` (node hashes in hex, as RFC 9162 §2.1.4 orders them) proves
 * that `newer` only appended to `older`: same namespace, no smaller, and the
 * older tree a prefix of the newer one. Pure; the signatures on the two
 * checkpoints are for the caller to check.
 */
export function checkpointsConsistent(older: Checkpoint, newer: Checkpoint, proof: readonly string[]): boolean {
  if (older.namespace !== newer.namespace || !proof.every(isHexHash)) return false;
  return verifyConsistency(older.size, newer.size, hashFromHex(older.root), hashFromHex(newer.root), proof.map(hashFromHex));
}
