import { isDeepStrictEqual } from 'node:util';

/** Whether the old and the new path's answers agree; a comparator that throws counts as a mismatch. */
export type Comparator<T> = (oldValue: T, newValue: T) => boolean;

/** The default comparator: deep, strict equality (`util.isDeepStrictEqual`). */
export const deepEqual: Comparator<unknown> = (oldValue, newValue) => isDeepStrictEqual(oldValue, newValue);
