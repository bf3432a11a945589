import { createHash } from 'node:crypto';

/*
 * The pure part of recording: how a sample is spread. Recording the same
 * registry with the same seed and size picks the same identifiers.
 */

/**
 * Where an identifier falls in [0, 1) for a seed: a hash of the seed, the
 * namespace, the scheme and the value. Another seed gives another sample.
 */
export function samplePosition(seed: string, namespace: string, scheme: string, value: string): number {
  const digest = createHash('sha256').update(`stableid/probe/v1\u0000${seed}\u0000${namespace}\u0000${scheme}\u0000${value}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/**
 * Shares `budget` picks between strata of the given sizes as evenly as they
 * allow: one each in turn, skipping the strata that are used up. A small
 * stratum (a scheme's few archived identifiers) is taken whole; the large
 * ones share the rest equally. The result is in the order of `sizes`.
 */
export function allocate(sizes: readonly number[], budget: number): number[] {
  const taken = sizes.map(() => 0);
  let left = Math.max(0, Math.floor(budget));
  while (left > 0) {
    let progressed = false;
    for (let index = 0; index < sizes.length && left > 0; index++) {
      if ((taken[index] as number) < (sizes[index] as number)) {
        taken[index] = (taken[index] as number) + 1;
        left -= 1;
        progressed = true;
      }
    }
    if (!progressed) break;
  }
  return taken;
}

/**
 * Picks `count` of `members` spread over their key order: the members
 * (sorted by value) are cut into `count` runs of equal length, and from each
 * run the one with the lowest position is taken. Every key range is
 * represented, and which member stands for it depends on the seed.
 */
export function spreadPick<T>(members: readonly T[], count: number, valueOf: (member: T) => string, positionOf: (member: T) => number): T[] {
  const sorted = [...members].sort((a, b) => compare(valueOf(a), valueOf(b)));
  const k = Math.min(Math.max(0, Math.floor(count)), sorted.length);
  const picked: T[] = [];
  for (let run = 0; run < k; run++) {
    const from = Math.floor((run * sorted.length) / k);
    const to = Math.floor(((run + 1) * sorted.length) / k);
    let best: T | undefined;
    let bestPosition = Infinity;
    for (let index = from; index < to; index++) {
      const member = sorted[index] as T;
      const position = positionOf(member);
      if (position < bestPosition) {
        best = member;
        bestPosition = position;
      }
    }
    if (best !== undefined) picked.push(best);
  }
  return picked;
}

/** Code-unit order: the same on every machine and locale. */
export const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
