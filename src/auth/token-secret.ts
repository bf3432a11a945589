import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The shape of an API token's secret: `sid_<id>_<key>`. The id is public
 * (listed, logged, used to find the row); the key is 32 random bytes in
 * base64url and is never stored, only the SHA-256 of the whole secret. A
 * plain hash suffices: the key has 256 bits of entropy, so there is nothing
 * for a slow password hash to protect against guessing.
 */

const SECRET_PREFIX = 'sid';
const ID_BYTES = 8;
const KEY_BYTES = 32;

/** 16 hex characters: no `_`, so the id ends at the second underscore even though base64url keys may hold one. */
const ID_SHAPE = /^[0-9a-f]{16}$/;
const SECRET_SHAPE = /^sid_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A hash no secret has, compared against when the id is unknown so that every lookup does the same work. */
const NO_HASH = Buffer.alloc(32);

export function newTokenId(): string {
  return randomBytes(ID_BYTES).toString('hex');
}

export function isTokenId(value: string): boolean {
  return ID_SHAPE.test(value);
}

export function newSecret(id: string): string {
  return `${SECRET_PREFIX}_${id}_${randomBytes(KEY_BYTES).toString('base64url')}`;
}

/** The token id a well-formed secret names, or null for anything else. */
export function secretTokenId(secret: unknown): string | null {
  if (typeof secret !== 'string') return null;
  return SECRET_SHAPE.exec(secret)?.[1] ?? null;
}

/** The stored form of a secret: SHA-256, lowercase hex. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Whether `secret` hashes to `storedHash`, in time independent of where
 * they differ; `storedHash` undefined (no such token) costs the same and
 * answers false.
 */
export function secretMatches(secret: string, storedHash: string | undefined): boolean {
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  const stored = storedHash === undefined ? undefined : Buffer.from(storedHash, 'hex');
  const expected = stored?.length === actual.length ? stored : NO_HASH;
  return timingSafeEqual(actual, expected) && expected !== NO_HASH;
}
