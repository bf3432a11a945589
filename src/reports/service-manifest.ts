import { StableIdError } from '../model/errors.js';
import { requireName } from '../registry/validation.js';
import { requireParty } from '../usage/usage-report.js';

/**
 * What a service declares about the identifiers it handles: per namespace,
 * the schemes it accepts (reads from callers, URLs, messages) and those it
 * emits (writes, returns, publishes), with the limitations its users should
 * know. A service publishes it as a JSON file; `stableid matrix` reads it.
 */
export interface ServiceManifest {
  readonly service: string;
  readonly version: string | null;
  /** The team that answers for the service. */
  readonly owner: string | null;
  /** By namespace name, in the file's order. */
  readonly namespaces: readonly NamespaceSupport[];
  /** Limitations that hold for the service as a whole. */
  readonly limitations: readonly string[];
}

export interface NamespaceSupport {
  readonly namespace: string;
  readonly accepts: readonly string[];
  readonly emits: readonly string[];
  readonly limitations: readonly string[];
}

/** The manifest format this version reads; a manifest may name it in `manifestVersion`. */
export const MANIFEST_VERSION = 1;

const TOP_KEYS = ['manifestVersion', 'service', 'version', 'owner', 'namespaces', 'limitations', '$schema'];
const NAMESPACE_KEYS = ['accepts', 'emits', 'limitations'];
const MAX_NOTE = 500;
const MAX_NOTES = 50;

/**
 * Validates a manifest (any JSON value) and returns it frozen. Unknown
 * fields, a namespace or scheme name that is not one, a scheme listed twice,
 * a namespace that declares nothing: each is INVALID_ARGUMENT naming the
 * field (e.g. `namespaces.order.accepts[1]`) and, when given, `origin` (the
 * file it came from).
 */
export function parseServiceManifest(input: unknown, origin?: string): ServiceManifest {
  const fail = (field: string, message: string): StableIdError =>
    new StableIdError('INVALID_ARGUMENT', `${origin === undefined ? 'service manifest' : `manifest ${origin}`}: ${field} ${message}`, {
      field,
      rule: 'manifest',
      ...(origin === undefined ? {} : { file: origin }),
    });
  const wrap = <T>(field: string, fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof StableIdError && error.code === 'INVALID_ARGUMENT') throw fail(field, error.message.replace(/^\S+ /, ''));
      throw error;
    }
  };
  if (!isRecord(input)) throw fail('$', 'must be a JSON object');
  for (const key of Object.keys(input)) if (!TOP_KEYS.includes(key)) throw fail(key, `is not a known field (known: ${TOP_KEYS.filter((k) => k !== '$schema').join(', ')})`);
  const version = input['manifestVersion'];
  if (version !== undefined && version !== MANIFEST_VERSION) throw fail('manifestVersion', `must be ${MANIFEST_VERSION}, got ${JSON.stringify(version)}`);
  const service = wrap('service', () => requireParty('service', input['service']));
  const serviceVersion = optionalText(input['version'], 'version', fail);
  const owner = optionalText(input['owner'], 'owner', fail);
  const namespacesInput = input['namespaces'];
  if (!isRecord(namespacesInput) || Object.keys(namespacesInput).length === 0) throw fail('namespaces', 'must be an object with at least one namespace, e.g. {"order": {"accepts": ["v1"]}}');
  const namespaces = Object.entries(namespacesInput).map(([name, support]): NamespaceSupport => {
    const where = `namespaces.${name}`;
    const namespace = wrap(where, () => requireName('namespace', name));
    if (!isRecord(support)) throw fail(where, 'must be an object with accepts, emits and limitations');
    for (const key of Object.keys(support)) if (!NAMESPACE_KEYS.includes(key)) throw fail(`${where}.${key}`, `is not a known field (known: ${NAMESPACE_KEYS.join(', ')})`);
    const accepts = schemeList(support['accepts'], `${where}.accepts`, fail, wrap);
    const emits = schemeList(support['emits'], `${where}.emits`, fail, wrap);
    if (accepts.length === 0 && emits.length === 0) throw fail(where, 'declares no scheme: list what the service accepts or emits');
    return Object.freeze({ namespace, accepts, emits, limitations: notes(support['limitations'], `${where}.limitations`, fail) });
  });
  return Object.freeze({ service, version: serviceVersion, owner, namespaces: Object.freeze(namespaces), limitations: notes(input['limitations'], 'limitations', fail) });
}

type Fail = (field: string, message: string) => StableIdError;

function schemeList(value: unknown, field: string, fail: Fail, wrap: <T>(field: string, fn: () => T) => T): readonly string[] {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value)) throw fail(field, 'must be an array of scheme names');
  const seen = new Set<string>();
  for (const [index, item] of value.entries()) {
    const name = wrap(`${field}[${index}]`, () => requireName('scheme', item));
    if (seen.has(name)) throw fail(`${field}[${index}]`, `repeats scheme ${name}`);
    seen.add(name);
  }
  return Object.freeze([...seen]);
}

function notes(value: unknown, field: string, fail: Fail): readonly string[] {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value) || value.length > MAX_NOTES) throw fail(field, `must be an array of at most ${MAX_NOTES} strings`);
  return Object.freeze(
    value.map((note, index) => {
      if (typeof note !== 'string' || note.trim() === '' || note.length > MAX_NOTE || note.includes('\u0000')) {
        throw fail(`${field}[${index}]`, `must be non-empty text of at most ${MAX_NOTE} characters`);
      }
      return note.trim();
    }),
  );
}

function optionalText(value: unknown, field: string, fail: Fail): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.trim() === '' || value.length > 128 || /\p{Cc}/u.test(value)) throw fail(field, 'must be 1 to 128 printable characters');
  return value.trim();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
