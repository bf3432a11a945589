import { StableIdError } from '../../../model/errors.js';
import type { JsonObject, JsonValue } from '../source.js';

/**
 * How documents are stored: `json`, each the JSON text of a Redis string; or
 * `hash`, each a Redis hash of string fields.
 */
export type RedisFormat = 'json' | 'hash';

/** What a stored document holds, as read: a string's value, or a hash's fields and values, flat. */
export type StoredValue = string | readonly string[];

/**
 * The codec between document bodies and what Redis stores. JSON strings
 * hold any body exactly. A hash holds strings: a string value is stored as
 * it is, any other as its JSON text (a number as its digits, as every Redis
 * client writes one), and read back as that text — except the fields named
 * in `jsonFields` (the engine's marker among them), which are read back as
 * the JSON they hold.
 */
export class RedisCodec {
  readonly format: RedisFormat;
  readonly #jsonFields: ReadonlySet<string>;

  constructor(format: RedisFormat, jsonFields: readonly string[]) {
    this.format = format;
    this.#jsonFields = new Set(jsonFields);
  }

  /** The Redis type of a document: what SCAN's TYPE filter and the scripts check. */
  get type(): 'string' | 'hash' {
    return this.format === 'json' ? 'string' : 'hash';
  }

  /** A body as stored; refused with INVALID_ARGUMENT when the format cannot hold it (a hash needs a field). */
  encode(key: string, body: JsonObject): StoredValue {
    if (this.format === 'json') return JSON.stringify(body);
    const flat: string[] = [];
    for (const [field, value] of Object.entries(body)) flat.push(field, typeof value === 'string' ? value : JSON.stringify(value));
    if (flat.length === 0) {
      throw new StableIdError('INVALID_ARGUMENT', `the body of "${key}" has no field, and a Redis hash needs one`, { field: 'ops', value: key });
    }
    return flat;
  }

  /** A stored value as a body; `where` names the document in the error when a JSON string does not hold an object. */
  decode(key: string, stored: StoredValue, where: string): JsonObject {
    if (typeof stored !== 'string') {
      const body: JsonObject = {};
      for (let index = 0; index + 1 < stored.length; index += 2) {
        const field = stored[index] as string;
        const text = stored[index + 1] as string;
        body[field] = this.#jsonFields.has(field) ? parseOr(text) : text;
      }
      return body;
    }
    let body: unknown;
    try {
      body = JSON.parse(stored);
    } catch (error) {
      throw notADocument(key, where, 'is not valid JSON', error);
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw notADocument(key, where, 'is not a JSON object');
    return body as JsonObject;
  }
}

function parseOr(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

function notADocument(key: string, where: string, what: string, cause?: unknown): StableIdError {
  return new StableIdError(
    'INTERNAL',
    `document "${key}" of ${where} ${what}: every key the collection's pattern matches must hold a document (narrow the pattern, or use format=hash for hashes)`,
    { key, collection: where },
    cause === undefined ? {} : { cause },
  );
}
