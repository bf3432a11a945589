import type { NormalizeResult } from './format.js';
import { rejection } from './rejection.js';

const LENGTH = 26;

/** Crockford base32 in either case: index is the char code, true when allowed. */
const ALLOWED: readonly boolean[] = (() => {
  const table = new Array<boolean>(128).fill(false);
  for (const char of '0123456789ABCDEFGHJKMNPQRSTVWXYZ') {
    table[char.charCodeAt(0)] = true;
    table[char.toLowerCase().charCodeAt(0)] = true;
  }
  return table;
})();

const SHAPE: NormalizeResult = rejection('ulid.shape', `a ULID is ${LENGTH} Crockford base32 characters`);
const ALPHABET: NormalizeResult = rejection('ulid.alphabet', 'a ULID uses only 0-9 and A-Z without I, L, O and U');
const OVERFLOW: NormalizeResult = rejection('ulid.overflow', 'a ULID starts with 0-7; larger values overflow 128 bits');

/**
 * Canonical spelling of a ULID: uppercase. Lowercase is an equivalent
 * spelling and is folded. I, L, O and U are rejected rather than decoded as
 * 1, 1, 0 (Crockford's reading aids) so that a value has one stored form.
 */
export function normalizeUlid(raw: string): NormalizeResult {
  if (raw.length !== LENGTH) return SHAPE;
  let hasLower = false;
  for (let i = 0; i < LENGTH; i++) {
    const code = raw.charCodeAt(i);
    if (ALLOWED[code] !== true) return ALPHABET;
    if (code >= 97) hasLower = true;
  }
  if (raw.charCodeAt(0) > 55 /* '7' */) return OVERFLOW;
  return { ok: true, value: hasLower ? raw.toUpperCase() : raw };
}
