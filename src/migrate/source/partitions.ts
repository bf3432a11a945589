import { StableIdError } from '../../model/errors.js';
import type { CollectionTraits, Partition } from './source.js';

/** What the SQL sources share: keys in binary order, ranges for partitions, and no limit on a transaction. */
export const ORDERED: CollectionTraits = Object.freeze({ ordered: true, repeats: false, maxWrites: null });

/** The requested partition count, refused unless it is a positive integer. */
export function partitionCount(count: number): number {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new StableIdError('INVALID_ARGUMENT', `partition count must be a positive integer, got ${String(count)}`, { field: 'count' });
  }
  return count;
}

/** A page size, refused unless it is a positive integer. */
export function pageLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new StableIdError('INVALID_ARGUMENT', `scan limit must be a positive integer, got ${String(limit)}`, { field: 'limit' });
  }
  return limit;
}

/**
 * Key ranges from the first key of every partition but the first, ascending
 * (as an ntile query gives them): together they cover every key, including
 * keys written after the split. Ids name the position and the number of
 * ranges (`p0of4`), so the same split always yields the same ids.
 */
export function partitionsFrom(starts: readonly string[]): Partition[] {
  const bounds: (string | null)[] = [null, ...starts, null];
  const total = starts.length + 1;
  return Array.from({ length: total }, (_, index) =>
    Object.freeze({ id: `p${index}of${total}`, from: bounds[index] ?? null, to: bounds[index + 1] ?? null }),
  );
}
