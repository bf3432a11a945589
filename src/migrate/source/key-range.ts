import type { Partition } from './source.js';

/** A WHERE condition on `key` and the values its placeholders take, in order. */
export interface KeyCondition {
  readonly sql: string;
  readonly values: readonly string[];
}

/** A bound of a key-range partition: a key, or null where the range is open. */
const bound = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * The keys of `partition` after `cursor` (exclusive), as SQL over the column
 * `key`; `placeholder(i)` spells the i-th (0-based) parameter in the
 * dialect at hand. The cursor is applied on top of the range rather than
 * trusted to lie inside it, so a stray cursor can never widen a partition.
 */
export function keyCondition(partition: Partition | undefined, cursor: string | null, placeholder: (index: number) => string): KeyCondition {
  const terms: string[] = [];
  const values: string[] = [];
  const add = (operator: string, value: string): void => {
    terms.push(`key ${operator} ${placeholder(values.length)}`);
    values.push(value);
  };
  const from = bound(partition?.['from']);
  const to = bound(partition?.['to']);
  if (from !== null) add('>=', from);
  if (to !== null) add('<', to);
  if (cursor !== null) add('>', cursor);
  return { sql: terms.length === 0 ? 'TRUE' : terms.join(' AND '), values };
}
