import { StableIdError } from '../model/errors.js';
import { requireName } from '../registry/validation.js';

/**
 * What an API token may do: a role in one namespace, or in every namespace
 * (`*`). Pure functions only; the HTTP face asks {@link allows} (or
 * {@link authorize}) before it calls the registry.
 */

/** Roles from least to most: each implies every role before it. */
export const ROLES = ['read', 'write', 'steward', 'admin'] as const;

export type Role = (typeof ROLES)[number];

/** Every namespace, including ones created after the token. */
export const ALL_NAMESPACES = '*';

export interface Scope {
  /** A namespace name, or `*` for all of them. */
  readonly namespace: string;
  readonly role: Role;
}

/** Registry operations as the faces name them; write operations carry their `WriteRequest` op name. */
export type Operation =
  | 'resolve'
  | 'translate'
  | 'history'
  | 'list'
  | 'verify'
  | 'register'
  | 'alias'
  | 'rebind'
  | 'import'
  | 'deprecate'
  | 'archive'
  | 'erase'
  | 'scheme.add'
  | 'scheme.deprecate'
  | 'scheme.archive'
  | 'namespace.create'
  | 'token.create'
  | 'token.list'
  | 'token.revoke'
  | 'change.list'
  | 'change.decide'
  | 'flag.read'
  | 'flag.set'
  | 'usage.report';

/**
 * The role each operation needs in its namespace. Retiring identifiers,
 * erasing values and changing schemes break clients, hence stewards; what
 * spans namespaces (creating one, managing tokens) needs admin on `*`.
 * Transition stages and exposure flags steer live traffic, hence stewards too.
 * `list` is checked per namespace: a listing of all namespaces shows those
 * the token may read. `usage.report` (counts of a service's use of schemes)
 * needs read in every namespace the report names.
 */
export const REQUIRED_ROLE: Readonly<Record<Operation, Role>> = Object.freeze({
  resolve: 'read',
  translate: 'read',
  history: 'read',
  list: 'read',
  verify: 'read',
  register: 'write',
  alias: 'write',
  rebind: 'write',
  import: 'write',
  deprecate: 'steward',
  archive: 'steward',
  erase: 'steward',
  'scheme.add': 'steward',
  'scheme.deprecate': 'steward',
  'scheme.archive': 'steward',
  'namespace.create': 'admin',
  'token.create': 'admin',
  'token.list': 'admin',
  'token.revoke': 'admin',
  'change.list': 'read',
  'change.decide': 'steward',
  'flag.read': 'read',
  'flag.set': 'steward',
  'usage.report': 'read',
});

/**
 * Operations that need a token even where reads are open: they record what
 * the caller states (a usage report counts under the service it names).
 */
export const ALWAYS_AUTHENTICATED: ReadonlySet<Operation> = new Set<Operation>(['usage.report']);

/** Operations that act on no single namespace: only a `*` scope can allow them. */
const GLOBAL_OPERATIONS: ReadonlySet<Operation> = new Set<Operation>(['namespace.create', 'token.create', 'token.list', 'token.revoke']);

const SCOPE_SHAPE = /^([^:]+):([^:]+)$/;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The position of a role in {@link ROLES}: a higher rank implies every lower one. */
export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

/** Reads `order:read` or `*:admin`; anything else is INVALID_ARGUMENT naming the field `scope`. */
export function parseScope(text: string): Scope {
  const match = SCOPE_SHAPE.exec(text);
  if (!match) {
    throw new StableIdError('INVALID_ARGUMENT', `scope must be <namespace>:<role> or *:<role> (e.g. order:read), got ${JSON.stringify(text)}`, { field: 'scope' });
  }
  return scope(match[1] as string, match[2] as string);
}

/** A validated, frozen scope; the same rules as {@link parseScope}, for callers holding the parts. */
export function scope(namespace: unknown, role: unknown): Scope {
  if (!isRole(role)) {
    throw new StableIdError('INVALID_ARGUMENT', `scope role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(role)}`, { field: 'scope' });
  }
  if (namespace === ALL_NAMESPACES) return Object.freeze({ namespace: ALL_NAMESPACES, role });
  try {
    return Object.freeze({ namespace: requireName('namespace', namespace), role });
  } catch (error) {
    // The namespace rule's message, but the field the caller typed.
    throw new StableIdError('INVALID_ARGUMENT', `scope ${(error as Error).message}`, { field: 'scope' }, { cause: error });
  }
}

export function formatScope(value: Scope): string {
  return `${value.namespace}:${value.role}`;
}

/**
 * Validates a token's scopes: at least one, duplicates dropped, in the
 * order given. Scopes are validated again here because tokens are written
 * from several faces, and a malformed scope must never reach the table.
 */
export function normalizeScopes(scopes: readonly Scope[]): readonly Scope[] {
  if (!Array.isArray(scopes) || scopes.length === 0) {
    throw new StableIdError('INVALID_ARGUMENT', 'a token needs at least one scope (e.g. order:read)', { field: 'scope' });
  }
  const seen = new Set<string>();
  const result: Scope[] = [];
  for (const item of scopes) {
    const valid = scope((item as Partial<Scope> | null)?.namespace, (item as Partial<Scope> | null)?.role);
    const key = formatScope(valid);
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(valid);
  }
  return Object.freeze(result);
}

/**
 * Whether the scopes grant `needed` in `namespace`. A scope on `*` covers
 * every namespace; asking for `*` itself (operations on no single
 * namespace) is granted only by a `*` scope.
 */
export function allows(scopes: readonly Scope[], namespace: string, needed: Role): boolean {
  const rank = roleRank(needed);
  return scopes.some((granted) => (granted.namespace === ALL_NAMESPACES || granted.namespace === namespace) && roleRank(granted.role) >= rank);
}

/** The namespace and role an operation needs; global operations need theirs on `*`, whatever namespace is named. */
export function requirement(operation: Operation, namespace?: string): Scope {
  const role = REQUIRED_ROLE[operation];
  if (GLOBAL_OPERATIONS.has(operation)) return Object.freeze({ namespace: ALL_NAMESPACES, role });
  if (namespace === undefined) {
    throw new StableIdError('INVALID_ARGUMENT', `operation ${operation} acts on one namespace: name it`, { field: 'namespace', operation });
  }
  return Object.freeze({ namespace, role });
}

/** Whether the scopes allow the operation (in `namespace`, for operations on one). */
export function permits(scopes: readonly Scope[], operation: Operation, namespace?: string): boolean {
  const needed = requirement(operation, namespace);
  return allows(scopes, needed.namespace, needed.role);
}

/** Who is calling, as an authenticated token says. */
export interface Principal {
  /** The token's public id: safe to log. */
  readonly id: string;
  /** Recorded as the actor of every event the caller writes. */
  readonly actor: string;
  readonly scopes: readonly Scope[];
}

/**
 * Refuses an operation the principal's scopes do not allow with FORBIDDEN
 * (HTTP 403), naming the role it needed; without a principal, with
 * UNAUTHENTICATED (HTTP 401).
 */
export function authorize(principal: Principal | null | undefined, operation: Operation, namespace?: string): void {
  if (!principal) throw new StableIdError('UNAUTHENTICATED', 'a bearer token is required', { operation });
  const needed = requirement(operation, namespace);
  if (!allows(principal.scopes, needed.namespace, needed.role)) {
    throw new StableIdError('FORBIDDEN', `${operation} needs the ${needed.role} role on ${needed.namespace === ALL_NAMESPACES ? 'every namespace (*)' : `namespace ${needed.namespace}`}`, {
      operation,
      namespace: needed.namespace,
      required: formatScope(needed),
      actor: principal.actor,
      token: principal.id,
    });
  }
}
