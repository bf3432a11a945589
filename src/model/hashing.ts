import { hash, randomFillSync } from 'node:crypto';

/** The hash that precedes the first event of every namespace's chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** Domain tag for value commitments, so they can never collide with event hashes. */
const VALUE_COMMITMENT_TAG = 'stableid/value/v1\u0000';

/**
 * RFC 8785 (JSON Canonicalization Scheme) encoding: the byte string every hash
 * in stableid is computed over, identical whatever key order or spacing the
 * caller used. Our hashed values hold only strings, finite numbers, booleans,
 * null, arrays and plain objects; for those, RFC 8785 is ECMAScript's own
 * string and number serialisation with object keys sorted by UTF-16 code
 * units, which is what this does. It is written out rather than taken from the
 * `canonicalize` package because it runs once per event on the bulk-import hot
 * path, several times faster; a property test holds it equal to that package.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return encodeString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('RFC 8785 has no encoding for NaN or Infinity');
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let text = '[';
        for (let i = 0; i < value.length; i += 1) text += (i === 0 ? '' : ',') + canonicalJson(value[i] === undefined ? null : value[i]);
        return `${text}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let text = '{';
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
        text += `${first ? '' : ','}${encodeString(key)}:${canonicalJson(member)}`;
        first = false;
      }
      return `${text}}`;
    }
    default:
      throw new TypeError(`RFC 8785 has no encoding for a ${typeof value}`);
  }
}

/** Printable ASCII other than '"' and '\\': the strings JSON writes as they are. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function encodeString(value: string): string {
  if (PLAIN.test(value)) return `"${value}"`;
  if (!value.isWellFormed()) throw new TypeError('RFC 8785 forbids lone surrogates in strings');
  return JSON.stringify(value);
}

export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/*
 * Salts come from the CSPRNG a pool at a time: one randomFillSync per 1,024
 * salts instead of one randomBytes call (several microseconds) per identifier.
 */
const SALT_BYTES = 16;
const saltPool = Buffer.allocUnsafe(SALT_BYTES * 1024);
let saltOffset = saltPool.length;

/** A fresh 128-bit salt from the CSPRNG, hex encoded. */
export function newSalt(): string {
  if (saltOffset + SALT_BYTES > saltPool.length) {
    randomFillSync(saltPool);
    saltOffset = 0;
  }
  const salt = saltPool.toString('hex', saltOffset, saltOffset + SALT_BYTES);
  saltOffset += SALT_BYTES;
  return salt;
}

/**
 * The salted commitment to an identifier value that the chain holds instead of
 * the value: erasing salt and value later leaves the chain verifiable while the
 * value can no longer be recovered from it (the salt defeats guessing).
 */
export function commitValue(salt: string, value: string): string {
  // The salt is fixed-length hex, so tag, salt and value cannot run into each other.
  return hash('sha256', VALUE_COMMITMENT_TAG + salt + value, 'hex');
}
