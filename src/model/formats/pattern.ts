import type { NormalizeResult } from './format.js';
import { rejection } from './rejection.js';

/** Longest `maxLength` a pattern scheme may declare. */
export const PATTERN_MAX_LENGTH_LIMIT = 1024;

/**
 * Compiles `pattern` as a full-match Unicode regex. Returns undefined when
 * the pattern does not compile on its own: checking it unwrapped first is
 * what stops a pattern such as `a)|(b` from escaping the `^(?:…)$` wrapper.
 */
export function compileFullMatch(pattern: string): RegExp | undefined {
  try {
    new RegExp(pattern, 'u');
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch {
    return undefined;
  }
}

/**
 * A normaliser for values matching `regex` in full. With `fold`, the value is
 * first folded to that case (locale-independent), which is the only
 * normalisation; without it the value is kept as given. `maxLength` is
 * checked on the folded value before the regex runs, so a hostile input
 * never reaches a costly regex. `reserved` characters (check digits) count
 * towards `maxLength` but are not part of the value passed in.
 */
export function patternNormalizer(
  source: string,
  regex: RegExp,
  maxLength: number,
  fold: 'upper' | 'lower' | undefined,
  reserved: number,
): (raw: string) => NormalizeResult {
  const limit = maxLength - reserved;
  const tooLong: NormalizeResult = rejection('pattern.max-length', `the value is longer than ${maxLength} characters`);
  const mismatch: NormalizeResult = rejection('pattern.match', `the value does not match /${source}/`);
  return (raw) => {
    // Case folding at most halves the UTF-16 length, so this bounds the folding work too.
    if (raw.length > limit * 2) return tooLong;
    const value = fold === 'upper' ? raw.toUpperCase() : fold === 'lower' ? raw.toLowerCase() : raw;
    if (value.length > limit) return tooLong;
    if (!regex.test(value)) return mismatch;
    return { ok: true, value };
  };
}
