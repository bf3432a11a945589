import type { AttributeValue, KeySchemaElement, AttributeDefinition } from '@aws-sdk/client-dynamodb';
import { StableIdError } from '../../../model/errors.js';
import { decimalText, type Item } from './item-codec.js';

/** A key attribute: its name and its type (string, number or binary). */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N' | 'B';
}

/** A table's primary key: a partition key, and a sort key when it has one. */
export interface TableKey {
  readonly hash: KeyAttribute;
  readonly range: KeyAttribute | null;
}

/** The key of a table as DescribeTable gives it. */
export function tableKey(table: string, schema: readonly KeySchemaElement[] = [], definitions: readonly AttributeDefinition[] = []): TableKey {
  const attribute = (role: 'HASH' | 'RANGE'): KeyAttribute | null => {
    const name = schema.find((element) => element.KeyType === role)?.AttributeName;
    if (name === undefined) return null;
    const type = definitions.find((definition) => definition.AttributeName === name)?.AttributeType;
    if (type !== 'S' && type !== 'N' && type !== 'B') throw new StableIdError('INTERNAL', `table ${table}: key attribute "${name}" has no type`, { collection: table });
    return { name, type };
  };
  const hash = attribute('HASH');
  if (!hash) throw new StableIdError('INTERNAL', `table ${table} has no partition key`, { collection: table });
  return { hash, range: attribute('RANGE') };
}

/** One key part as an attribute value, or null when the text cannot be one (an empty string, a number spelled otherwise than DynamoDB gives it back). */
function partValue(attribute: KeyAttribute, text: string): AttributeValue | null {
  if (text === '') return null;
  if (attribute.type === 'S') return { S: text };
  if (attribute.type === 'N') return decimalText(text) === text ? { N: text } : null;
  return Buffer.from(text, 'base64').toString('base64') === text ? { B: Buffer.from(text, 'base64') } : null;
}

function partText(attribute: KeyAttribute, value: AttributeValue | undefined): string {
  if (attribute.type === 'S' && value?.S !== undefined) return value.S;
  if (attribute.type === 'N' && value?.N !== undefined) return decimalText(value.N) ?? value.N;
  if (attribute.type === 'B' && value?.B !== undefined) return Buffer.from(value.B).toString('base64');
  throw new StableIdError('INTERNAL', `an item lacks its key attribute "${attribute.name}"`, {});
}

/**
 * The key attributes a document key names, or null when it names no
 * possible item. A table with a partition key only is keyed by its value
 * (a number in plain decimal, binary as base64); a table with a sort key
 * too by the JSON array of both, e.g. `["ORD-1","2024-05-01"]`.
 */
export function keyAttributes(key: TableKey, text: string): Item | null {
  if (key.range === null) {
    const value = partValue(key.hash, text);
    return value && { [key.hash.name]: value };
  }
  let parts: unknown;
  try {
    parts = JSON.parse(text);
  } catch {
    return null;
  }
  // One spelling per key: two spellings of the same array would be two documents of one item.
  if (!Array.isArray(parts) || parts.length !== 2 || !parts.every((part) => typeof part === 'string') || JSON.stringify(parts) !== text) return null;
  const hash = partValue(key.hash, parts[0] as string);
  const range = partValue(key.range, parts[1] as string);
  return hash && range && { [key.hash.name]: hash, [key.range.name]: range };
}

/** The document key of an item (or of the key attributes alone). */
export function documentKey(key: TableKey, item: Item): string {
  const hash = partText(key.hash, item[key.hash.name]);
  return key.range === null ? hash : JSON.stringify([hash, partText(key.range, item[key.range.name])]);
}
