import type { NormalizeResult } from './format.js';
import { rejection } from './rejection.js';

// TypeID spec v0.3: lowercase letters and underscores, 1–63 chars, a letter at both ends.
const PREFIX = /^[a-z](?:[a-z_]{0,61}[a-z])?$/;
const SUFFIX_LENGTH = 26;

/** Crockford base32, lowercase, as TypeID suffixes spell it: index is the char code, true when allowed. */
const SUFFIX_CHARS: readonly boolean[] = (() => {
  const table = new Array<boolean>(128).fill(false);
  for (const char of '0123456789abcdefghjkmnpqrstvwxyz') table[char.charCodeAt(0)] = true;
  return table;
})();

const CASE: NormalizeResult = rejection('typeid.case', 'a TypeID is all lowercase; uppercase letters are not allowed');
const SHAPE: NormalizeResult = rejection('typeid.shape', `a TypeID suffix is ${SUFFIX_LENGTH} characters after the last "_"`);
const ALPHABET: NormalizeResult = rejection('typeid.alphabet', 'a TypeID suffix uses only the Crockford base32 characters 0-9 a-z without i, l, o, u');
const OVERFLOW: NormalizeResult = rejection('typeid.overflow', 'a TypeID suffix starts with 0-7; larger values overflow 128 bits');

/** Whether `prefix` is a non-empty TypeID prefix per spec v0.3. */
export function isTypeIdPrefix(prefix: string): boolean {
  return PREFIX.test(prefix);
}

/**
 * A normaliser for TypeIDs of one prefix. A valid TypeID has exactly one
 * spelling, so the result is the input itself; anything else, including
 * uppercase, is rejected because the spec forbids it rather than folding it.
 */
export function typeIdNormalizer(prefix: string): (raw: string) => NormalizeResult {
  const wrongPrefix: NormalizeResult = rejection('typeid.prefix', `a TypeID of this scheme starts with "${prefix}_"`);
  return (raw) => {
    for (let i = 0; i < raw.length; i++) {
      const code = raw.charCodeAt(i);
      if (code >= 65 && code <= 90) return CASE;
    }
    // The prefix may itself contain "_", so the separator is the last one.
    const separator = raw.lastIndexOf('_');
    if (separator !== prefix.length || !raw.startsWith(prefix)) return wrongPrefix;
    if (raw.length - separator - 1 !== SUFFIX_LENGTH) return SHAPE;
    for (let i = separator + 1; i < raw.length; i++) {
      if (SUFFIX_CHARS[raw.charCodeAt(i)] !== true) return ALPHABET;
    }
    if (raw.charCodeAt(separator + 1) > 55 /* '7' */) return OVERFLOW;
    return { ok: true, value: raw };
  };
}
