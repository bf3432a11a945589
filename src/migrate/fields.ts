import type { JsonObject, JsonValue } from './source/source.js';

/** The value at a dotted path, or undefined where any step is missing or not an object. */
export function getField(document: JsonObject, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = document;
  for (const step of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = current[step];
  }
  return current;
}

/** A copy of the document with `value` at the dotted path, creating objects on the way; the input is left as it was. */
export function setField(document: JsonObject, path: string, value: JsonValue): JsonObject {
  const [step, ...rest] = path.split('.') as [string, ...string[]];
  if (rest.length === 0) return { ...document, [step]: value };
  const inner = document[step];
  const child = typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? inner : {};
  return { ...document, [step]: setField(child, rest.join('.'), value) };
}
