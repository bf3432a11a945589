/*
 * Which subtrees an RFC 9162 tree and its proofs are made of, as ranges of
 * leaf indexes [start, end). Pure arithmetic: callers compute each range's
 * root however suits them (from leaves in memory, or from stored subtree
 * roots and leaves read in order), so that a proof over a million leaves
 * touches O(log n) ranges and never builds the tree.
 */

/** Leaves [start, end) of a tree: the subtree whose root a proof needs. */
export type LeafRange = readonly [start: number, end: number];

/** The largest power of two strictly less than n, for n >= 2: where RFC 9162 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  if (!Number.isSafeInteger(n) || n < 2) throw new RangeError(`a tree of ${n} leaves has no split`);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export const isPowerOfTwo = (n: number): boolean => Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;

/**
 * [start, end) as the perfect subtrees it is made of, left to right, each
 * aligned on its own size (sizes strictly decreasing after the first). The
 * root of any subtree of an RFC 9162 tree is these pieces' roots folded
 * from the right: H(p1, H(p2, … H(pk-1, pk))).
 */
export function perfectSubtrees(start: number, end: number): LeafRange[] {
  checkRange(start, end);
  const pieces: LeafRange[] = [];
  let at = start;
  while (at < end) {
    let size = 1;
    while ((at === 0 || at % (size * 2) === 0) && size * 2 <= end - at) size *= 2;
    pieces.push([at, at + size]);
    at += size;
  }
  return pieces;
}

/**
 * The ranges whose roots make the inclusion proof of leaf `index` in a tree
 * of `size` leaves, in proof order: the sibling nearest the leaf first
 * (RFC 9162 §2.1.3.1, PATH(m, D[n])).
 */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  checkRange(0, size);
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  const ranges: LeafRange[] = [];
  let start = 0;
  let n = size;
  let m = index;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      ranges.push([start + k, start + n]);
      n = k;
    } else {
      ranges.push([start, start + k]);
      start += k;
      m -= k;
      n -= k;
    }
  }
  return ranges.reverse();
}

/**
 * The ranges whose roots make the consistency proof between the tree of the
 * first `from` leaves and the tree of `to` leaves, in proof order (RFC 9162
 * §2.1.4.1, PROOF(m, D[n])). Empty when from is 0 or equals to: every tree
 * extends the empty one, and a tree is consistent with itself when the
 * roots are equal.
 */
export function consistencyRanges(from: number, to: number): LeafRange[] {
  checkRange(0, to);
  if (!Number.isSafeInteger(from) || from < 0 || from > to) throw new RangeError(`a tree of ${from} leaves is not a prefix of one of ${to}`);
  if (from === 0 || from === to) return [];
  const ranges: LeafRange[] = [];
  let start = 0;
  let n = to;
  let m = from;
  let whole = true;
  // SUBPROOF(m, D[start:start+n], whole), iteratively: each step adds one sibling, outermost first.
  while (m !== n) {
    const k = splitPoint(n);
    if (m <= k) {
      ranges.push([start + k, start + n]);
      n = k;
    } else {
      ranges.push([start, start + k]);
      start += k;
      m -= k;
      n -= k;
      whole = false;
    }
  }
  if (!whole) ranges.push([start, start + n]);
  return ranges.reverse();
}

function checkRange(start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`[${start}, ${end}) is not a range of leaves`);
  }
}
