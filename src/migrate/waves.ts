import { createHash } from 'node:crypto';
import { StableIdError } from '../model/errors.js';
import type { SchemeValue } from './document-change.js';

/** The default waves: 1%, 10%, 50% and then every document. */
export const DEFAULT_WAVES: readonly number[] = [1, 10, 50, 100];

/** Reads `1,10,50,100`: cumulative percentages, rising, ending at 100. */
export function parseWaves(text: string): number[] {
  const waves = text.split(',').map((part) => Number(part.trim()));
  const rising = waves.every((wave, index) => Number.isFinite(wave) && wave > 0 && wave <= 100 && (index === 0 || wave > (waves[index - 1] as number)));
  if (waves.length === 0 || !rising || waves.at(-1) !== 100) {
    throw new StableIdError('INVALID_ARGUMENT', `waves must be rising percentages ending at 100, e.g. 1,10,50,100; got ${JSON.stringify(text)}`, { field: 'waves' });
  }
  return waves;
}

/**
 * Where a document falls in 0 ≤ position < 100, from its external
 * identifier: the same document lands in the same wave on every run and
 * after a re-key, and waves are spread evenly over the collection.
 */
export function wavePosition(identifier: SchemeValue): number {
  const digest = createHash('sha256').update(`stableid/wave/v1\u0000${identifier.scheme}\u0000${identifier.value}`).digest();
  return (digest.readUInt32BE(0) / 2 ** 32) * 100;
}

/** Whether a document belongs to the waves up to and including wave `index`. */
export function inWaves(identifier: SchemeValue, waves: readonly number[], index: number): boolean {
  return wavePosition(identifier) < (waves[index] ?? 100);
}
