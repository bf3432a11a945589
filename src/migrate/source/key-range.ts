import type { Partition } from './source.js';

/** A WHERE condition on `key` and the values its placeholders take, in order. */
export interface KeyCondition {
  readonly sql: string;
  readonly values: readonly string[];
}

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
  if (partition?.from != null) add('>=', partition.from);
  if (partition?.to != null) add('<', partition.to);
  if (cursor !== null) add('>', cursor);
  return { sql: terms.length === 0 ? 'TRUE' : terms.join(' AND '), values };
}
