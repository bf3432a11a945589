import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { StableIdError } from '../../../model/errors.js';
import type { JsonObject, JsonValue } from '../source.js';

/** A DynamoDB item: attribute name to value. */
export type Item = Record<string, AttributeValue>;

/**
 * The tags a JSON body spells the DynamoDB types JSON lacks with: an object
 * of exactly one of these keys. `$N` carries a number a JavaScript number
 * would round, `$B` binary as base64, `$SS`/`$NS`/`$BS` sets, and `$M` a map
 * that would otherwise read as one of these tags.
 */
const TAGS = new Set(['$N', '$B', '$SS', '$NS', '$BS', '$M']);

const invalid = (path: string, message: string): StableIdError => new StableIdError('INVALID_ARGUMENT', `${path}: ${message}`, { field: 'ops', value: path });

/**
 * A decimal number's canonical spelling — sign, significant digits, and the
 * power of ten of the last one (`-25e-8`) — the same for every spelling of
 * the same number; null for what is not a decimal number.
 */
export function canonicalNumber(text: string): string | null {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!match) return null;
  const [, sign = '', whole = '', fraction = '', power = '0'] = match;
  if (whole === '' && fraction === '') return null;
  const digits = `${whole}${fraction}`.replace(/^0+/, '');
  if (digits === '') return '0';
  const significant = digits.replace(/0+$/, '');
  const exponent = Number(power) - fraction.length + (digits.length - significant.length);
  return `${sign === '-' ? '-' : ''}${significant}e${exponent}`;
}

/** A canonical number in plain decimal notation, as DynamoDB takes and gives numbers. */
function plainDecimal(canonical: string): string {
  if (canonical === '0') return '0';
  const negative = canonical.startsWith('-');
  const [digits = '', power = '0'] = canonical.replace(/^-/, '').split('e');
  const exponent = Number(power);
  let text: string;
  if (exponent >= 0) text = digits + '0'.repeat(exponent);
  else {
    const padded = digits.padStart(-exponent + 1, '0');
    text = `${padded.slice(0, exponent)}.${padded.slice(exponent)}`;
  }
  return `${negative ? '-' : ''}${text}`;
}

/** The plain decimal spelling of a number's text, or null when it is not a decimal number. */
export function decimalText(text: string): string | null {
  const canonical = canonicalNumber(text);
  return canonical === null ? null : plainDecimal(canonical);
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

function bytesOf(path: string, text: unknown): Uint8Array {
  if (typeof text !== 'string' || Buffer.from(text, 'base64').toString('base64') !== text) throw invalid(path, 'binary must be given as base64');
  return Buffer.from(text, 'base64');
}

/** Whether DynamoDB can hold a canonical number: 38 significant digits at most, magnitudes from 1e-130 to below 1e126. */
function storable(canonical: string): boolean {
  if (canonical === '0') return true;
  const [digits = '', power = '0'] = canonical.replace(/^-/, '').split('e');
  const magnitude = Number(power) + digits.length - 1;
  return digits.length <= 38 && magnitude >= -130 && magnitude <= 125;
}

function numberText(path: string, text: unknown): string {
  const canonical = typeof text === 'string' ? canonicalNumber(text) : null;
  if (canonical === null) throw invalid(path, `${JSON.stringify(text)} is not a number`);
  if (!storable(canonical)) throw invalid(path, `${String(text)} is out of DynamoDB's range (38 significant digits, magnitudes from 1e-130 to below 1e126)`);
  return plainDecimal(canonical);
}

function stringMember(path: string, member: unknown): string {
  if (typeof member !== 'string') throw invalid(path, 'a string set holds strings');
  return member;
}

function setOf<T>(path: string, members: unknown, member: (value: unknown) => T): T[] {
  if (!Array.isArray(members) || members.length === 0) throw invalid(path, 'a set must be a non-empty array');
  return members.map(member);
}

/** A JSON value as a DynamoDB attribute value; tagged objects become the types they name. */
export function toAttribute(value: JsonValue, path: string): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'boolean') return { BOOL: value };
  if (typeof value === 'number') return { N: numberText(path, String(value)) };
  if (typeof value === 'string') return { S: value };
  if (Array.isArray(value)) return { L: value.map((member, index) => toAttribute(member, `${path}[${index}]`)) };
  const keys = Object.keys(value);
  const tag = keys.length === 1 && TAGS.has(keys[0] as string) ? (keys[0] as string) : null;
  const tagged = tag === null ? undefined : value[tag];
  switch (tag) {
    case '$N':
      return { N: numberText(path, tagged) };
    case '$B':
      return { B: bytesOf(path, tagged) };
    case '$SS':
      return { SS: setOf(path, tagged, (member) => stringMember(path, member)) };
    case '$NS':
      return { NS: setOf(path, tagged, (member) => numberText(path, member)) };
    case '$BS':
      return { BS: setOf(path, tagged, (member) => bytesOf(path, member)) };
    case '$M':
      if (tagged === null || typeof tagged !== 'object' || Array.isArray(tagged)) throw invalid(path, '$M holds a map');
      return { M: toItem(tagged, path) };
    default:
      return { M: toItem(value, path) };
  }
}

/** A JSON object as DynamoDB attributes. */
export function toItem(body: JsonObject, path = ''): Item {
  const item: Item = {};
  for (const [name, value] of Object.entries(body)) item[name] = toAttribute(value, path === '' ? name : `${path}.${name}`);
  return item;
}

/** A DynamoDB number as JSON: a JavaScript number when it holds the same value exactly, else tagged `$N`. */
function fromNumber(text: string): JsonValue {
  const value = Number(text);
  if (Number.isFinite(value) && canonicalNumber(String(value)) === canonicalNumber(text)) return value === 0 ? 0 : value;
  return { $N: text };
}

/** A DynamoDB attribute value as JSON; set members sorted, so that equal sets read the same. */
export function fromAttribute(value: AttributeValue): JsonValue {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return fromNumber(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined) return value.L.map(fromAttribute);
  if (value.M !== undefined) {
    const map = fromItem(value.M);
    const keys = Object.keys(map);
    return keys.length === 1 && TAGS.has(keys[0] as string) ? { $M: map } : map;
  }
  if (value.B !== undefined) return { $B: base64(value.B) };
  if (value.SS !== undefined) return { $SS: [...value.SS].sort() };
  if (value.NS !== undefined) return { $NS: [...value.NS].sort() };
  if (value.BS !== undefined) return { $BS: value.BS.map(base64).sort() };
  throw new StableIdError('INTERNAL', `an attribute value of a type this source does not know: ${Object.keys(value).join(', ')}`, {});
}

/** DynamoDB attributes as a JSON object. */
export function fromItem(item: Item): JsonObject {
  const body: JsonObject = {};
  for (const [name, value] of Object.entries(item)) body[name] = fromAttribute(value);
  return body;
}

/** What the digest hashes of a value: its type and content, numbers by value and sets in order, so that what DynamoDB normalises does not count. */
function canonical(value: AttributeValue): unknown {
  if (value.N !== undefined) return { N: canonicalNumber(value.N) };
  if (value.NS !== undefined) return { NS: value.NS.map((member) => canonicalNumber(member)).sort() };
  if (value.SS !== undefined) return { SS: [...value.SS].sort() };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64).sort() };
  if (value.L !== undefined) return { L: value.L.map(canonical) };
  if (value.M !== undefined) return { M: canonicalItem(value.M) };
  return value;
}

function canonicalItem(item: Item): unknown[] {
  return Object.keys(item)
    .sort()
    .map((name) => [name, canonical(item[name] as AttributeValue)]);
}

/** The version of a stored item: a digest of all it holds, so that any writer's change moves it. */
export function itemDigest(item: Item): string {
  return createHash('sha256').update(JSON.stringify(canonicalItem(item))).digest('hex').slice(0, 32);
}
