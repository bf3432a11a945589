import { StableIdError } from '../model/errors.js';
import type { IdentifierRef, WriteRequest } from './requests.js';
import { refuseNul } from './validation.js';
import { WRITE_OPS } from './requests.js';

type Fields = Record<string, unknown>;

function field(input: Fields, name: string, where: string): string {
  const value = input[name];
  if (typeof value !== 'string') {
    throw new StableIdError('INVALID_ARGUMENT', `${where}${name} must be a string`, { field: `${where}${name}` });
  }
  return refuseNul(`${where}${name}`, value);
}

function optionalField(input: Fields, name: string): string | null {
  const value = input[name];
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw new StableIdError('INVALID_ARGUMENT', `${name} must be a string`, { field: name });
  return refuseNul(name, value);
}

function ref(input: unknown, where: string): IdentifierRef {
  if (typeof input !== 'object' || input === null) {
    throw new StableIdError('INVALID_ARGUMENT', `${where} must be an object with a value and optionally a scheme`, { field: where });
  }
  const fields = input as Fields;
  const scheme = optionalField(fields, 'scheme');
  const value = field(fields, 'value', `${where}.`);
  return scheme === null ? { value } : { scheme, value };
}

/**
 * Checks that an untrusted object (a line of an import file, a JSON body) has
 * the shape of a write request, and returns it typed. Values are checked
 * against their schemes later, by the registry.
 */
export function parseWriteRequest(input: unknown): WriteRequest {
  if (checked.has(input as object)) return input as WriteRequest;
  const request = checkShape(input);
  checked.add(request);
  return request;
}

/** Requests this module built itself: a bulk import checks each line once, not again in the registry. */
const checked = new WeakSet<object>();

function checkShape(input: unknown): WriteRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new StableIdError('INVALID_ARGUMENT', 'a write request must be a JSON object', {});
  }
  const fields = input as Fields;
  const op = fields['op'] ?? 'register';
  const namespace = field(fields, 'namespace', '');
  switch (op) {
    case 'register': {
      const binding = fields['binding'];
      return { op: 'register', namespace, scheme: field(fields, 'scheme', ''), value: field(fields, 'value', ''), binding: (binding ?? null) as never };
    }
    case 'alias':
      return {
        op: 'alias',
        namespace,
        from: ref(fields['from'], 'from'),
        scheme: field(fields, 'scheme', ''),
        value: field(fields, 'value', ''),
        migration: optionalField(fields, 'migration'),
      };
    case 'rebind':
      return { op: 'rebind', namespace, identifier: ref(fields['identifier'], 'identifier'), binding: fields['binding'] as never, migration: optionalField(fields, 'migration') };
    case 'deprecate':
      return { op: 'deprecate', namespace, identifier: ref(fields['identifier'], 'identifier'), sunset: field(fields, 'sunset', '') };
    case 'archive':
    case 'erase':
      return { op: op as 'archive' | 'erase', namespace, identifier: ref(fields['identifier'], 'identifier') };
    default:
      throw new StableIdError('INVALID_ARGUMENT', `op must be one of ${WRITE_OPS.join(', ')}, got ${JSON.stringify(op)}`, { field: 'op' });
  }
}
