import type { NormalizeResult } from './format.js';
import { rejection } from './rejection.js';

const LENGTH = 36;
const VERSION_AT = 14;
const VARIANT_AT = 19;
const NIL = '00000000-0000-0000-0000-000000000000';
const MAX = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

/** Hex digit value per char code (either case), -1 where not hex. */
const HEX: readonly number[] = (() => {
  const table = new Array<number>(128).fill(-1);
  for (let i = 0; i < 16; i++) {
    const lower = i.toString(16);
    table[lower.charCodeAt(0)] = i;
    table[lower.toUpperCase().charCodeAt(0)] = i;
  }
  return table;
})();

const SHAPE: NormalizeResult = rejection('uuid.shape', 'a UUID is 32 hex digits in groups 8-4-4-4-12 separated by "-", without braces or "urn:uuid:"');
const VARIANT: NormalizeResult = rejection('uuid.variant', 'the UUID variant is not RFC 9562 (the first digit of the fourth group must be 8, 9, a or b)');
const VERSION_7: NormalizeResult = rejection('uuidv7.version', 'not a version 7 UUID (the first digit of the third group must be 7)');

function isHyphenAt(index: number): boolean {
  return index === 8 || index === 13 || index === 18 || index === 23;
}

/**
 * Canonical spelling of a UUID: hyphenated, lowercase. Uppercase hex is an
 * equivalent spelling and is folded; other spellings are rejected so that
 * every UUID has one stored form. With `requireV7`, only RFC 9562 version 7
 * is accepted; otherwise any version is, and the nil and max UUIDs too.
 */
export function normalizeUuid(raw: string, requireV7: boolean): NormalizeResult {
  if (raw.length !== LENGTH) return SHAPE;
  let hasUpper = false;
  for (let i = 0; i < LENGTH; i++) {
    const code = raw.charCodeAt(i);
    if (isHyphenAt(i)) {
      if (code !== 45) return SHAPE;
    } else {
      if (code >= 128 || HEX[code] === -1) return SHAPE;
      if (code >= 65 && code <= 70) hasUpper = true;
    }
  }
  const value = hasUpper ? raw.toLowerCase() : raw;
  const variant = HEX[value.charCodeAt(VARIANT_AT)] ?? -1;
  if (requireV7) {
    if (value.charCodeAt(VERSION_AT) !== 55 /* '7' */) return VERSION_7;
  } else if (value === NIL || value === MAX) {
    return { ok: true, value };
  }
  // RFC 9562 variant is binary 10xx: hex 8, 9, a or b.
  if (variant < 8 || variant > 11) return VARIANT;
  return { ok: true, value };
}
