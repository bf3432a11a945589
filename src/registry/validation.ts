import { StableIdError } from '../model/errors.js';
import type { Binding } from '../model/types.js';

const NAME = /^[a-z][a-z0-9_-]{0,62}$/;
const MAX_TEXT = 1024;

/** Namespace and scheme names: lowercase, start with a letter, at most 63 characters. */
export function requireName(kind: 'namespace' | 'scheme', name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new StableIdError(
      'INVALID_ARGUMENT',
      `${kind} name must match ${NAME.source} (lowercase letters, digits, '-' and '_', starting with a letter), got ${JSON.stringify(name)}`,
      { field: kind },
    );
  }
  return name;
}

export function requireText(field: string, value: unknown, max = MAX_TEXT): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || value.trim() !== value) {
    throw new StableIdError('INVALID_ARGUMENT', `${field} must be a non-empty string of at most ${max} characters without surrounding spaces`, {
      field,
    });
  }
  return refuseNul(field, value);
}

/** Free text (a reason): any characters but NUL, at most `max`; empty means none. */
export function optionalFreeText(field: string, value: unknown, max = MAX_TEXT): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.length > max) {
    throw new StableIdError('INVALID_ARGUMENT', `${field} must be a string of at most ${max} characters`, { field });
  }
  return refuseNul(field, value);
}

/** No text stableid keeps may hold a NUL character: PostgreSQL cannot store one, and every store must take the same input. */
export function refuseNul(field: string, value: string): string {
  if (value.includes('\u0000')) throw new StableIdError('INVALID_ARGUMENT', `${field} must not contain NUL characters`, { field });
  return value;
}

export function optionalText(field: string, value: unknown, max = MAX_TEXT): string | null {
  return value === undefined || value === null ? null : requireText(field, value, max);
}

export function requireBinding(value: unknown): Binding {
  if (typeof value !== 'object' || value === null) {
    throw new StableIdError('INVALID_ARGUMENT', 'binding must be an object with store, collection and key', { field: 'binding' });
  }
  const input = value as Record<string, unknown>;
  return Object.freeze({
    store: requireText('binding.store', input['store']),
    collection: requireText('binding.collection', input['collection']),
    key: requireText('binding.key', input['key']),
  });
}

export function optionalBinding(value: unknown): Binding | null {
  return value === undefined || value === null ? null : requireBinding(value);
}

export function sameBinding(a: Binding, b: Binding): boolean {
  return a.store === b.store && a.collection === b.collection && a.key === b.key;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** An ISO 8601 date or date-time, returned as a UTC instant (`toISOString`). */
export function requireInstant(field: string, value: unknown): string {
  if (typeof value === 'string' && ISO_DATE.test(value)) {
    const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  throw new StableIdError('INVALID_ARGUMENT', `${field} must be an ISO 8601 date or date-time (e.g. 2027-01-31), got ${JSON.stringify(value)}`, {
    field,
  });
}
