import { hash } from 'node:crypto';

/*
 * The hashes of an RFC 9162 (Certificate Transparency v2) Merkle tree:
 * SHA-256, with leaves and interior nodes domain-separated by a one-byte
 * prefix, so that a leaf can never be passed off as a node or the reverse
 * (the second-preimage attack on unprefixed trees).
 */

/** The length of every hash in the tree. */
export const HASH_BYTES = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** The root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1). */
export const EMPTY_ROOT: Buffer = hash('sha256', Buffer.alloc(0), 'buffer');

// Scratch buffers: every call below hashes synchronously, so one buffer each serves all calls.
const leafScratch = Buffer.alloc(1 + HASH_BYTES);
leafScratch[0] = LEAF_PREFIX;
const nodeScratch = Buffer.alloc(1 + 2 * HASH_BYTES);
nodeScratch[0] = NODE_PREFIX;

/** SHA-256(0x00 || entry): the hash of one leaf. */
export function leafHash(entry: Uint8Array): Buffer {
  if (entry.length === HASH_BYTES) {
    leafScratch.set(entry, 1);
    return hash('sha256', leafScratch, 'buffer');
  }
  const input = Buffer.allocUnsafe(1 + entry.length);
  input[0] = LEAF_PREFIX;
  input.set(entry, 1);
  return hash('sha256', input, 'buffer');
}

/** SHA-256(0x01 || left || right): the hash of an interior node. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_BYTES || right.length !== HASH_BYTES) throw new RangeError('a Merkle node joins two 32-byte hashes');
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_BYTES);
  return hash('sha256', nodeScratch, 'buffer');
}

const HEX_HASH = /^[0-9a-f]{64}$/;

/** Whether `text` spells a hash: 64 lowercase hex digits. */
export function isHexHash(text: unknown): text is string {
  return typeof text === 'string' && HEX_HASH.test(text);
}

/** The 32 bytes a hex hash spells; throws a RangeError for anything else. */
export function hashFromHex(text: string): Buffer {
  if (!isHexHash(text)) throw new RangeError(`not a SHA-256 hash in lowercase hex: ${JSON.stringify(text).slice(0, 80)}`);
  return Buffer.from(text, 'hex');
}

export const hashToHex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
