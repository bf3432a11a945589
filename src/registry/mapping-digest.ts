import { createHash } from 'node:crypto';
import { canonicalJson } from '../model/hashing.js';
import { type Mapping, mappingKey } from './mappings.js';

const HASH_BYTES = 32;

/** The digest of the mappings whose key hash starts with a prefix: how many, and the XOR of their record hashes. */
export interface RangeDigest {
  readonly prefix: string;
  readonly count: number;
  /** Hex; all zeros for an empty range. */
  readonly xor: string;
}

/** What differs of one mapping between two registries: the fields, each side's value. */
export type FieldDifference = { readonly field: string; readonly a: unknown; readonly b: unknown };

/** A mapping present on one side only, or present on both and different. */
export type MappingDifference =
  | { readonly kind: 'missing-in-a'; readonly key: string; readonly b: Mapping }
  | { readonly kind: 'missing-in-b'; readonly key: string; readonly a: Mapping }
  | { readonly kind: 'differs'; readonly key: string; readonly a: Mapping; readonly b: Mapping; readonly fields: readonly FieldDifference[] };

export interface MappingDiff {
  readonly namespace: string;
  readonly counts: { readonly a: number; readonly b: number };
  /** Ranges whose digests were compared, top level included. */
  readonly rangesCompared: number;
  /** The narrowest ranges that still differed, whose mappings were then compared one by one. */
  readonly rangesDiffering: readonly string[];
  readonly differences: readonly MappingDifference[];
}

/** The fields two registries must agree on for one identifier (its seq only keys erased ones). */
const COMPARED: readonly (keyof Mapping)[] = ['entity', 'state', 'sunset', 'derivedFrom', 'migration', 'createdAt'];

/**
 * A namespace's current mappings ordered by the SHA-256 of their keys, so
 * that any hex prefix of that hash names a range of about equal share on
 * every registry, with running XORs of the record hashes: a range's digest
 * costs two binary searches, whatever its size. Two registries compare range
 * digests top down and read mappings only where a narrow range differs —
 * the way chunked table checksums compare a primary with its replica.
 */
export class MappingDigest {
  readonly namespace: string;
  readonly #keyHashes: string[];
  readonly #mappings: Mapping[];
  /** Row i holds the XOR of the record hashes of mappings 0..i-1. */
  readonly #runningXor: Buffer;

  constructor(namespace: string, mappings: readonly Mapping[]) {
    this.namespace = namespace;
    const entries = mappings.map((mapping) => {
      const key = mappingKey(mapping);
      return { keyHash: createHash('sha256').update(key).digest('hex'), mapping, record: recordHash(key, mapping) };
    });
    entries.sort((x, y) => (x.keyHash < y.keyHash ? -1 : x.keyHash > y.keyHash ? 1 : 0));
    this.#keyHashes = entries.map((entry) => entry.keyHash);
    this.#mappings = entries.map((entry) => entry.mapping);
    this.#runningXor = Buffer.alloc((entries.length + 1) * HASH_BYTES);
    entries.forEach((entry, i) => {
      const from = i * HASH_BYTES;
      const to = from + HASH_BYTES;
      for (let b = 0; b < HASH_BYTES; b += 1) this.#runningXor[to + b] = (this.#runningXor[from + b] as number) ^ (entry.record[b] as number);
    });
  }

  get size(): number {
    return this.#mappings.length;
  }

  /** The digest of the mappings whose key hash starts with `prefix` (lowercase hex; '' for all). */
  range(prefix: string): RangeDigest {
    const [lo, hi] = this.#bounds(prefix);
    const xor = Buffer.alloc(HASH_BYTES);
    for (let b = 0; b < HASH_BYTES; b += 1) xor[b] = (this.#runningXor[lo * HASH_BYTES + b] as number) ^ (this.#runningXor[hi * HASH_BYTES + b] as number);
    return { prefix, count: hi - lo, xor: xor.toString('hex') };
  }

  /** The mappings of the range, by key. */
  mappings(prefix: string): Map<string, Mapping> {
    const [lo, hi] = this.#bounds(prefix);
    return new Map(this.#mappings.slice(lo, hi).map((mapping) => [mappingKey(mapping), mapping]));
  }

  /** [first, end) indexes of the key hashes that start with `prefix`. */
  #bounds(prefix: string): [number, number] {
    if (prefix === '') return [0, this.#keyHashes.length];
    const lo = lowerBound(this.#keyHashes, prefix);
    // The first hash past the prefix's range: the prefix with 'g' appended sorts after every hex continuation.
    const hi = lowerBound(this.#keyHashes, `${prefix}g`);
    return [lo, hi];
  }
}

/** Ranges holding at most this many mappings (on the larger side) are compared mapping by mapping. */
const LEAF_RANGE = 64;
const HEX = '0123456789abcdef';

/**
 * The mappings that differ between two registries' digests of one
 * namespace: range digests are compared from the whole namespace down,
 * splitting each differing range sixteen ways until it is small enough to
 * compare mapping by mapping.
 */
export function diffDigests(a: MappingDigest, b: MappingDigest): MappingDiff {
  const differences: MappingDifference[] = [];
  const rangesDiffering: string[] = [];
  let rangesCompared = 0;
  const visit = (prefix: string): void => {
    rangesCompared += 1;
    const left = a.range(prefix);
    const right = b.range(prefix);
    if (left.count === right.count && left.xor === right.xor) return;
    if (Math.max(left.count, right.count) > LEAF_RANGE && prefix.length < 64) {
      for (const digit of HEX) visit(prefix + digit);
      return;
    }
    rangesDiffering.push(prefix);
    differences.push(...compareMappings(a.mappings(prefix), b.mappings(prefix)));
  };
  visit('');
  differences.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  return { namespace: a.namespace, counts: { a: a.size, b: b.size }, rangesCompared, rangesDiffering, differences };
}

function compareMappings(a: ReadonlyMap<string, Mapping>, b: ReadonlyMap<string, Mapping>): MappingDifference[] {
  const found: MappingDifference[] = [];
  for (const [key, mine] of a) {
    const theirs = b.get(key);
    if (!theirs) {
      found.push({ kind: 'missing-in-b', key, a: mine });
      continue;
    }
    const fields = COMPARED.filter((field) => canonicalJson(mine[field]) !== canonicalJson(theirs[field])).map((field) => ({ field, a: mine[field], b: theirs[field] }));
    if (fields.length > 0) found.push({ kind: 'differs', key, a: mine, b: theirs, fields });
  }
  for (const [key, theirs] of b) if (!a.has(key)) found.push({ kind: 'missing-in-a', key, b: theirs });
  return found;
}

function recordHash(key: string, mapping: Mapping): Buffer {
  const compared = Object.fromEntries(COMPARED.map((field) => [field, mapping[field]]));
  return createHash('sha256').update(canonicalJson({ key, ...compared })).digest();
}

function lowerBound(sorted: readonly string[], target: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
