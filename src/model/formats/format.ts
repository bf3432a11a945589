import { StableIdError } from '../errors.js';
import {
  type CheckDigitAlgorithm,
  checkCharCount,
  computeCheckChars,
  isCheckDigitAlgorithm,
} from './check-digit.js';
import { rejection } from './rejection.js';
import { canonicalInteger, integerNormalizer } from './integer.js';
import { PATTERN_MAX_LENGTH_LIMIT, compileFullMatch, patternNormalizer } from './pattern.js';
import { isTypeIdPrefix, typeIdNormalizer } from './typeid.js';
import { normalizeUlid } from './ulid.js';
import { normalizeUuid } from './uuid.js';

/**
 * How the identifiers of one scheme are spelled. Values returned by
 * {@link parseSchemeFormat} are frozen and canonical (known keys only, no
 * undefined keys, bounds as canonical decimal strings), so two equal formats
 * serialise identically.
 */
export type SchemeFormat =
  | { readonly kind: 'typeid'; readonly prefix: string; readonly checkDigit?: CheckDigitAlgorithm }
  | { readonly kind: 'uuidv7'; readonly checkDigit?: CheckDigitAlgorithm }
  | { readonly kind: 'uuid'; readonly checkDigit?: CheckDigitAlgorithm }
  | { readonly kind: 'ulid'; readonly checkDigit?: CheckDigitAlgorithm }
  | {
      readonly kind: 'integer';
      /** Inclusive lower bound, a decimal string so that bounds beyond 2^53 are exact. */
      readonly min?: string;
      /** Inclusive upper bound, a decimal string so that bounds beyond 2^53 are exact. */
      readonly max?: string;
      readonly checkDigit?: CheckDigitAlgorithm;
    }
  | {
      readonly kind: 'pattern';
      /** Unicode regex source, matched against the whole value (check digits excluded). */
      readonly pattern: string;
      /** Longest value in UTF-16 code units, check digits included. */
      readonly maxLength: number;
      /** Case the value is folded to before matching; absent means no folding. */
      readonly case?: 'upper' | 'lower';
      readonly checkDigit?: CheckDigitAlgorithm;
    };

/** Every format kind, in the order they are documented. */
export type SchemeFormatKind = SchemeFormat['kind'];

/**
 * The outcome of normalising one raw value: its one canonical spelling, or
 * the rule it breaks. `rule` is a stable dotted id ('typeid.prefix',
 * 'uuid.shape', 'value.whitespace', ...) meant for programs; `message` is for
 * people and may change.
 */
export type NormalizeResult =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly rule: string; readonly message: string };

// ---------------------------------------------------------------------------
// Parsing scheme definitions

const KINDS: readonly SchemeFormatKind[] = ['typeid', 'uuidv7', 'uuid', 'ulid', 'integer', 'pattern'];

const KEYS: Readonly<Record<SchemeFormatKind, readonly string[]>> = {
  typeid: ['kind', 'prefix', 'checkDigit'],
  uuidv7: ['kind', 'checkDigit'],
  uuid: ['kind', 'checkDigit'],
  ulid: ['kind', 'checkDigit'],
  integer: ['kind', 'min', 'max', 'checkDigit'],
  pattern: ['kind', 'pattern', 'maxLength', 'case', 'checkDigit'],
};

/** A short, never-throwing rendering of an offending value for error messages. */
function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : typeof value;
}

function invalid(field: string, rule: string, message: string): StableIdError {
  return new StableIdError('INVALID_SCHEME', message, { field, rule });
}

function isSchemeFormatKind(value: unknown): value is SchemeFormatKind {
  return typeof value === 'string' && (KINDS as readonly string[]).includes(value);
}

/** Own property only, so that nothing inherited (or `__proto__`) reaches a definition. */
function own(record: object, key: string): unknown {
  return Object.hasOwn(record, key) ? (record as Record<string, unknown>)[key] : undefined;
}

function parseBound(record: object, field: 'min' | 'max'): string | undefined {
  const value = own(record, field);
  if (value === undefined) return undefined;
  let canonical: string | undefined;
  if (typeof value === 'string') canonical = canonicalInteger(value);
  else if (typeof value === 'number' && Number.isSafeInteger(value)) canonical = String(value);
  else if (typeof value === 'bigint') canonical = canonicalInteger(value.toString());
  if (canonical === undefined) {
    throw invalid(
      field,
      `scheme.${field}`,
      `${field} must be an integer: a decimal string of at most 40 digits or a safe JSON integer`,
    );
  }
  return canonical;
}

function parseCheckDigit(record: object): CheckDigitAlgorithm | undefined {
  const value = own(record, 'checkDigit');
  if (value === undefined) return undefined;
  if (!isCheckDigitAlgorithm(value)) {
    throw invalid('checkDigit', 'scheme.check-digit', `checkDigit must be "luhn" or "mod97-10", got ${show(value)}`);
  }
  return value;
}

/**
 * Validates a raw, user-supplied scheme definition (any JSON value) and
 * returns it frozen in canonical form: only the keys of its kind, keys in a
 * fixed order, no undefined keys, integer bounds as canonical decimal
 * strings. Bounds may be given as decimal strings or safe JSON integers.
 * Throws StableIdError('INVALID_SCHEME', message, { field, rule }) on
 * anything wrong; `rule` starts with 'scheme.' and `field` names the key
 * ('$' for the definition as a whole).
 */
export function parseSchemeFormat(input: unknown): SchemeFormat {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid('$', 'scheme.type', 'a scheme format must be a JSON object');
  }
  const kind = own(input, 'kind');
  if (!isSchemeFormatKind(kind)) {
    throw invalid('kind', 'scheme.kind', `kind must be one of ${KINDS.join(', ')}; got ${show(kind)}`);
  }
  const allowed = KEYS[kind];
  for (const key of Object.keys(input)) {
    if (!allowed.includes(key)) {
      throw invalid(key, 'scheme.unknown-key', `unknown key "${key}" for kind ${kind}; allowed: ${allowed.join(', ')}`);
    }
  }
  const checkDigit = parseCheckDigit(input);
  const tail = checkDigit === undefined ? {} : { checkDigit };

  switch (kind) {
    case 'typeid': {
      const prefix = own(input, 'prefix');
      if (typeof prefix !== 'string' || !isTypeIdPrefix(prefix)) {
        throw invalid(
          'prefix',
          'scheme.prefix',
          'prefix must be 1-63 lowercase letters or "_", starting and ending with a letter (TypeID spec v0.3)',
        );
      }
      return Object.freeze({ kind, prefix, ...tail });
    }
    case 'uuidv7':
    case 'uuid':
    case 'ulid':
      return Object.freeze({ kind, ...tail });
    case 'integer': {
      const min = parseBound(input, 'min');
      const max = parseBound(input, 'max');
      if (min !== undefined && max !== undefined && BigInt(min) > BigInt(max)) {
        throw invalid('min', 'scheme.range', `min ${min} is greater than max ${max}`);
      }
      return Object.freeze({
        kind,
        ...(min === undefined ? {} : { min }),
        ...(max === undefined ? {} : { max }),
        ...tail,
      });
    }
    case 'pattern': {
      const pattern = own(input, 'pattern');
      if (typeof pattern !== 'string' || pattern === '' || compileFullMatch(pattern) === undefined) {
        throw invalid('pattern', 'scheme.pattern', 'pattern must be a non-empty regular expression that compiles with the "u" flag');
      }
      const maxLength = own(input, 'maxLength');
      const reserved = checkDigit === undefined ? 0 : checkCharCount(checkDigit);
      if (
        typeof maxLength !== 'number' ||
        !Number.isInteger(maxLength) ||
        maxLength <= reserved ||
        maxLength > PATTERN_MAX_LENGTH_LIMIT
      ) {
        throw invalid(
          'maxLength',
          'scheme.max-length',
          `maxLength must be an integer from ${reserved + 1} to ${PATTERN_MAX_LENGTH_LIMIT}` +
            (reserved > 0 ? ' (it includes the check digits)' : ''),
        );
      }
      const foldCase = own(input, 'case');
      if (foldCase !== undefined && foldCase !== 'upper' && foldCase !== 'lower') {
        throw invalid('case', 'scheme.case', 'case must be "upper" or "lower" when present');
      }
      return Object.freeze({
        kind,
        pattern,
        maxLength,
        ...(foldCase === undefined ? {} : { case: foldCase }),
        ...tail,
      });
    }
  }
}

// ---------------------------------------------------------------------------
// Normalising values

type Normalizer = (raw: string) => NormalizeResult;

/**
 * Compiled normalisers per format object. Formats are immutable values, so
 * the work (validation, regex compilation, bound parsing) happens once per
 * object; a WeakMap lets formats that are no longer used be collected.
 */
const compiled = new WeakMap<SchemeFormat, Normalizer>();

const EMPTY: NormalizeResult = rejection('value.empty', 'the value is empty');
const WHITESPACE: NormalizeResult = rejection('value.whitespace', 'the value has leading or trailing whitespace or a control character; it is never trimmed silently');
const NOT_STRING: NormalizeResult = rejection('value.type', 'the value is not a string');

const EDGE_SPACE = /^\s$/u;

function isSpace(code: number, char: string): boolean {
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return EDGE_SPACE.test(char);
}

function isControl(code: number): boolean {
  return code < 32 || (code >= 127 && code <= 159);
}

/** The common rules every format shares; undefined when `raw` passes them. */
function commonFailure(raw: unknown): NormalizeResult | undefined {
  if (typeof raw !== 'string') return NOT_STRING;
  const length = raw.length;
  if (length === 0) return EMPTY;
  if (isSpace(raw.charCodeAt(0), raw.charAt(0)) || isSpace(raw.charCodeAt(length - 1), raw.charAt(length - 1))) {
    return WHITESPACE;
  }
  for (let i = 0; i < length; i++) {
    if (isControl(raw.charCodeAt(i))) return WHITESPACE;
  }
  return undefined;
}

/** The normaliser of the value without check digits; `reserved` is how many check characters follow it. */
function bodyNormalizer(format: SchemeFormat, reserved: number): Normalizer {
  switch (format.kind) {
    case 'typeid':
      return typeIdNormalizer(format.prefix);
    case 'uuid':
      return (raw) => normalizeUuid(raw, false);
    case 'uuidv7':
      return (raw) => normalizeUuid(raw, true);
    case 'ulid':
      return normalizeUlid;
    case 'integer':
      return integerNormalizer(format.min, format.max);
    case 'pattern': {
      // parseSchemeFormat has already proven that the pattern compiles.
      const regex = compileFullMatch(format.pattern) ?? /(?!)/u;
      return patternNormalizer(format.pattern, regex, format.maxLength, format.case, reserved);
    }
  }
}

/** Fixed length of a valid body, for formats that have one; lets a missing check digit be named as such. */
function fixedBodyLength(format: SchemeFormat): number | undefined {
  switch (format.kind) {
    case 'typeid':
      return format.prefix.length + 27;
    case 'uuid':
    case 'uuidv7':
      return 36;
    case 'ulid':
      return 26;
    default:
      return undefined;
  }
}

function withCheckDigits(format: SchemeFormat, algorithm: CheckDigitAlgorithm): Normalizer {
  const count = checkCharCount(algorithm);
  const body = bodyNormalizer(format, count);
  const bodyLength = fixedBodyLength(format);
  const rule = `check-digit.${algorithm}`;
  const [noun, is, does] = count === 1 ? ['check digit', 'is', 'does'] : ['check digits', 'are', 'do'];
  const missing = rejection(rule, `the ${algorithm} ${noun} ${is} missing from the end of the value`);
  const wrong = rejection(rule, `the ${algorithm} ${noun} at the end of the value ${does} not match it; check the value for a typo`);
  const empty: NormalizeResult = rejection('check-digit.empty', 'the value has no digit or letter for the check digit to protect');
  return (raw) => {
    if (raw.length === bodyLength && body(raw).ok) return missing;
    const split = raw.length - count;
    const given = split > 0 ? raw.slice(0, split) : '';
    const normalized = body(given);
    if (!normalized.ok) return normalized;
    const expected = computeCheckChars(algorithm, normalized.value);
    if (expected === undefined) return empty;
    if (split < 0 || !raw.endsWith(expected)) return wrong;
    return { ok: true, value: normalized.value === given ? raw : normalized.value + expected };
  };
}

function compile(format: SchemeFormat): Normalizer {
  let entry = compiled.get(format);
  if (entry === undefined) {
    // Formats built by hand rather than by parseSchemeFormat are validated here, once;
    // like any format they must not be mutated afterwards.
    const valid = parseSchemeFormat(format);
    entry = valid.checkDigit === undefined ? bodyNormalizer(valid, 0) : withCheckDigits(valid, valid.checkDigit);
    compiled.set(format, entry);
  }
  return entry;
}

/**
 * The one canonical spelling of `raw` in `format`, or the rule it breaks.
 * Never throws for a string `raw`; the result for a given format and raw is
 * always the same, and normalising a returned value returns it unchanged.
 * Throws StableIdError('INVALID_SCHEME') only when `format` itself is
 * invalid (possible only for formats not made by parseSchemeFormat).
 */
export function normalizeIdentifier(format: SchemeFormat, raw: string): NormalizeResult {
  const normalize = compile(format);
  return commonFailure(raw) ?? normalize(raw);
}

/**
 * The canonical spelling of `raw` in `format`. Throws
 * StableIdError('INVALID_IDENTIFIER', message, { rule, value: raw }) when it
 * breaks a rule; callers add the namespace and scheme to the context.
 */
export function requireIdentifier(format: SchemeFormat, raw: string): string {
  const result = normalizeIdentifier(format, raw);
  if (result.ok) return result.value;
  throw new StableIdError('INVALID_IDENTIFIER', result.message, { rule: result.rule, value: raw });
}

/** One short human line describing `format`, e.g. 'typeid (prefix "ord")' or 'pattern /ORD-\d{6}/ (max 10) + luhn'. */
export function describeFormat(format: SchemeFormat): string {
  const suffix = format.checkDigit === undefined ? '' : ` + ${format.checkDigit}`;
  switch (format.kind) {
    case 'typeid':
      return `typeid (prefix "${format.prefix}")${suffix}`;
    case 'uuid':
    case 'uuidv7':
    case 'ulid':
      return `${format.kind}${suffix}`;
    case 'integer': {
      const bounds = [
        ...(format.min === undefined ? [] : [`min ${format.min}`]),
        ...(format.max === undefined ? [] : [`max ${format.max}`]),
      ];
      return `integer${bounds.length > 0 ? ` (${bounds.join(', ')})` : ''}${suffix}`;
    }
    case 'pattern': {
      const options = [`max ${format.maxLength}`, ...(format.case === undefined ? [] : [`${format.case}case`])];
      return `pattern /${format.pattern}/ (${options.join(', ')})${suffix}`;
    }
  }
}
