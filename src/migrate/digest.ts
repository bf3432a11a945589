import { createHash } from 'node:crypto';

/** Digest ranges: the identifier-hash space is cut into this many ranges, each with its own count and set hash. */
export const DIGEST_RANGES = 64;
const MODULUS = 1n << 256n;

/** One range of a digest: how many items, and the sum of their SHA-256 modulo 2^256 (order-independent, and a duplicate counts twice). */
export interface DigestRange {
  readonly count: number;
  readonly sum: string;
}

/**
 * An order-independent digest of a multiset of items, per range of their
 * hashes: equal digests mean, with overwhelming probability, the same items
 * the same number of times; unequal ranges say where to look.
 */
export interface SetDigest {
  readonly count: number;
  readonly ranges: readonly DigestRange[];
}

export class DigestBuilder {
  readonly #counts = new Array<number>(DIGEST_RANGES).fill(0);
  readonly #sums = new Array<bigint>(DIGEST_RANGES).fill(0n);
  #count = 0;

  add(item: string): void {
    const hash = createHash('sha256').update(item).digest();
    const range = digestRange(hash);
    this.#counts[range] = (this.#counts[range] ?? 0) + 1;
    this.#sums[range] = ((this.#sums[range] ?? 0n) + BigInt(`0x${hash.toString('hex')}`)) % MODULUS;
    this.#count += 1;
  }

  digest(): SetDigest {
    return {
      count: this.#count,
      ranges: this.#counts.map((count, index) => ({ count, sum: (this.#sums[index] ?? 0n).toString(16).padStart(64, '0') })),
    };
  }
}

/** The range an item's hash falls in. */
export function digestRange(hash: Buffer): number {
  return (hash[0] ?? 0) % DIGEST_RANGES;
}

/** The range of an item, for narrowing a mismatch down to its members. */
export function rangeOf(item: string): number {
  return digestRange(createHash('sha256').update(item).digest());
}

/** The ranges where two digests differ. */
export function differingRanges(a: SetDigest, b: SetDigest): number[] {
  const differing: number[] = [];
  for (let index = 0; index < DIGEST_RANGES; index++) {
    const x = a.ranges[index];
    const y = b.ranges[index];
    if (x?.count !== y?.count || x?.sum !== y?.sum) differing.push(index);
  }
  return differing;
}

export function sameDigest(a: SetDigest, b: SetDigest): boolean {
  return differingRanges(a, b).length === 0;
}
