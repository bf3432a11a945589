/**
 * Identifier formats: how the values of a scheme are spelled, their one
 * canonical spelling, and optional check digits. Pure functions, no I/O.
 */
export type { CheckDigitAlgorithm } from './check-digit.js';
export { withCheckDigit } from './check-digit.js';
export type { NormalizeResult, SchemeFormat, SchemeFormatKind } from './format.js';
export { describeFormat, normalizeIdentifier, parseSchemeFormat, requireIdentifier } from './format.js';
