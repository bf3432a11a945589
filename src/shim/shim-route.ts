import { StableIdError } from '../model/errors.js';
import { type PathStep, isRecord, parsePath } from './json-path.js';

/** The part of a request an identifier travels in. */
export type IdentifierSource = 'params' | 'query' | 'body';

export const IDENTIFIER_SOURCES: readonly IdentifierSource[] = Object.freeze(['params', 'query', 'body']);

/** Where a route's requests carry an identifier, and which scheme its handler wants it in. */
export interface IdentifierLocation {
  /** The part of the request: path parameters, query string, or JSON body. */
  readonly in: IdentifierSource;
  /** A dotted path within that part: a parameter name, `customer.id`, `items[].customerId`. */
  readonly path: string;
  /** The identifier's namespace; default the route's. */
  readonly namespace?: string;
  /** The scheme the handler wants; default the route's. */
  readonly scheme?: string;
  /** Whether a request without it is refused with 400 INVALID_ARGUMENT; default true. */
  readonly required?: boolean;
}

/** Where a route's JSON response carries identifiers that go back to the caller in the caller's scheme. */
export interface ResponseLocation {
  /** A dotted path within the response body. */
  readonly path: string;
  /** The identifiers' namespace; default the route's. */
  readonly namespace?: string;
  /** The scheme the handler writes them in; default the route's, else the scheme wanted at the route's first request location of that namespace. */
  readonly scheme?: string;
}

/** What the shim does on one route. */
export interface ShimRoute {
  /** The namespace of every location that names none. */
  readonly namespace?: string;
  /** The scheme the handler wants, for every location that names none. */
  readonly scheme?: string;
  /** Where requests carry identifiers; at least one. */
  readonly identifiers: readonly IdentifierLocation[];
  /** Where the JSON response carries identifiers to translate back; a string is a path in the route's namespace. */
  readonly response?: readonly (string | ResponseLocation)[];
  /** A page about the deprecation, sent as `Link: <…>; rel="deprecation"` to callers who used a deprecated identifier. */
  readonly deprecationLink?: string;
}

/** A request location, checked, with its defaults applied and its path parsed. */
export interface CompiledLocation {
  readonly in: IdentifierSource;
  readonly path: string;
  readonly steps: readonly PathStep[];
  readonly namespace: string;
  readonly scheme: string;
  readonly required: boolean;
}

/** A response location, checked, with its defaults applied and its path parsed. */
export interface CompiledResponseLocation {
  readonly path: string;
  readonly steps: readonly PathStep[];
  readonly namespace: string;
  readonly scheme: string;
}

/** A route's shim configuration, checked and frozen. */
export interface CompiledShimRoute {
  readonly identifiers: readonly CompiledLocation[];
  readonly response: readonly CompiledResponseLocation[];
  readonly deprecationLink: string | null;
  /** Whether any identifier travels in the body: only then must the body be read. */
  readonly readsBody: boolean;
}

const invalid = (field: string, message: string): StableIdError =>
  new StableIdError('INVALID_ARGUMENT', `shim route ${field} ${message}`, { field, rule: 'shim.route' });

function name(field: string, value: unknown, fallback: string | undefined): string {
  const chosen = value ?? fallback;
  if (typeof chosen !== 'string' || chosen.length === 0) {
    throw invalid(field, value === undefined ? 'is missing and the route names no default' : 'must be a non-empty string');
  }
  return chosen;
}

function path(field: string, value: unknown): { path: string; steps: readonly PathStep[] } {
  if (typeof value !== 'string' || value.length === 0) throw invalid(field, 'must be a non-empty string');
  try {
    return { path: value, steps: parsePath(value) };
  } catch (error) {
    throw new StableIdError('INVALID_ARGUMENT', `shim route ${field}: ${(error as Error).message}`, { field, rule: 'shim.path' }, { cause: error });
  }
}

/**
 * Checks a route's shim configuration, applies its defaults and freezes it.
 * Throws a StableIdError INVALID_ARGUMENT naming the field that is wrong, so
 * that a misconfigured route fails when the app starts, not on a request.
 */
export function compileShimRoute(route: ShimRoute): CompiledShimRoute {
  if (!isRecord(route)) throw invalid('', 'must be an object');
  const routeNamespace = route.namespace === undefined ? undefined : name('namespace', route.namespace, undefined);
  const routeScheme = route.scheme === undefined ? undefined : name('scheme', route.scheme, undefined);
  if (!Array.isArray(route.identifiers) || route.identifiers.length === 0) throw invalid('identifiers', 'must list at least one location');
  const identifiers = route.identifiers.map((location: unknown, index): CompiledLocation => {
    const field = `identifiers[${index}]`;
    if (!isRecord(location)) throw invalid(field, 'must be an object');
    const source = location['in'];
    if (!IDENTIFIER_SOURCES.includes(source as IdentifierSource)) throw invalid(`${field}.in`, `must be one of ${IDENTIFIER_SOURCES.join(', ')}`);
    const required = location['required'] ?? true;
    if (typeof required !== 'boolean') throw invalid(`${field}.required`, 'must be a boolean');
    return Object.freeze({
      in: source as IdentifierSource,
      ...path(`${field}.path`, location['path']),
      namespace: name(`${field}.namespace`, location['namespace'], routeNamespace),
      scheme: name(`${field}.scheme`, location['scheme'], routeScheme),
      required,
    });
  });
  if (route.response !== undefined && !Array.isArray(route.response)) throw invalid('response', 'must be a list of locations');
  const response = (route.response ?? []).map((location: unknown, index): CompiledResponseLocation => {
    const field = `response[${index}]`;
    const given = typeof location === 'string' ? { path: location } : location;
    if (!isRecord(given)) throw invalid(field, 'must be a path or an object');
    const namespace = name(`${field}.namespace`, given['namespace'], routeNamespace);
    const wanted = routeScheme ?? identifiers.find((l) => l.namespace === namespace)?.scheme;
    return Object.freeze({ ...path(`${field}.path`, given['path']), namespace, scheme: name(`${field}.scheme`, given['scheme'], wanted) });
  });
  const link = route.deprecationLink;
  if (link !== undefined && (typeof link !== 'string' || link.length === 0 || /[\s<>]/.test(link))) {
    throw invalid('deprecationLink', 'must be a URI without spaces or angle brackets');
  }
  return Object.freeze({
    identifiers: Object.freeze(identifiers),
    response: Object.freeze(response),
    deprecationLink: link ?? null,
    readsBody: identifiers.some((l) => l.in === 'body'),
  });
}
