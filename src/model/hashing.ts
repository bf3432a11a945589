import { createHash, randomBytes } from 'node:crypto';
import canonicalize from 'canonicalize';

/** The hash that precedes the first event of every namespace's chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** Domain tag for value commitments, so they can never collide with event hashes. */
const VALUE_COMMITMENT_TAG = 'stableid/value/v1\u0000';

/**
 * RFC 8785 (JSON Canonicalization Scheme) encoding: the byte string every hash
 * in stableid is computed over, identical whatever key order or spacing the
 * caller used.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON encoding');
  return text;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A fresh 128-bit salt, hex encoded. */
export function newSalt(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The salted commitment to an identifier value that the chain holds instead of
 * the value: erasing salt and value later leaves the chain verifiable while the
 * value can no longer be recovered from it (the salt defeats guessing).
 */
export function commitValue(salt: string, value: string): string {
  return createHash('sha256').update(VALUE_COMMITMENT_TAG).update(salt, 'hex').update(value, 'utf8').digest('hex');
}
