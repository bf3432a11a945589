import type { NormalizeResult } from './format.js';
import { rejection } from './rejection.js';

/** Most significant digits an integer may have; bounds the work BigInt does on hostile input. */
export const INTEGER_MAX_DIGITS = 40;

const SHAPE: NormalizeResult = rejection('integer.shape', `an integer is decimal digits (at most ${INTEGER_MAX_DIGITS} after leading zeros) with an optional leading "-"`);

/**
 * Canonical decimal spelling of `raw`, or undefined when it is not decimal
 * digits with an optional leading "-" and at most {@link INTEGER_MAX_DIGITS}
 * significant digits. Leading zeros and the sign of zero are equivalent
 * spellings and are dropped, so the limit counts what remains; "+" is not
 * accepted, so that each number is written one way.
 */
export function canonicalInteger(raw: string): string | undefined {
  const negative = raw.charCodeAt(0) === 45; /* '-' */
  const start = negative ? 1 : 0;
  if (raw.length === start) return undefined;
  let firstSignificant = -1;
  for (let i = start; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code < 48 || code > 57) return undefined;
    if (firstSignificant < 0 && code !== 48) firstSignificant = i;
  }
  if (firstSignificant < 0) return '0';
  if (raw.length - firstSignificant > INTEGER_MAX_DIGITS) return undefined;
  if (firstSignificant === start) return raw;
  return negative ? '-' + raw.slice(firstSignificant) : raw.slice(firstSignificant);
}

/**
 * A normaliser for decimal integers within the inclusive bounds `min` and
 * `max` (canonical decimal strings, either may be absent). Bounds are
 * compared as BigInt, so ranges beyond 2^53 are exact.
 */
export function integerNormalizer(min: string | undefined, max: string | undefined): (raw: string) => NormalizeResult {
  const low = min === undefined ? undefined : BigInt(min);
  const high = max === undefined ? undefined : BigInt(max);
  const range = rejection(
    'integer.range',
    min !== undefined && max !== undefined
      ? `the integer must be between ${min} and ${max}`
      : min !== undefined
        ? `the integer must be at least ${min}`
        : `the integer must be at most ${max ?? ''}`,
  );
  return (raw) => {
    const value = canonicalInteger(raw);
    if (value === undefined) return SHAPE;
    if (low !== undefined || high !== undefined) {
      const number = BigInt(value);
      if ((low !== undefined && number < low) || (high !== undefined && number > high)) return range;
    }
    return { ok: true, value };
  };
}
