import { StableIdError } from '../model/errors.js';
import type { ProjectionRows, SchemeRow, SchemeStateRow } from '../model/rows.js';
import type { SchemeFormat } from '../model/formats/index.js';
import type { LifecycleState } from '../model/types.js';
import type { Registry } from '../registry/registry.js';

/**
 * What the reports read from the registry, gathered in one
 * place: the reports themselves are pure functions of these facts.
 */

/** A scheme with its lifecycle dates. */
export interface SchemeTimeline {
  readonly namespace: string;
  readonly name: string;
  readonly format: SchemeFormat;
  readonly state: LifecycleState;
  /** The sunset in force (an ISO instant) while deprecated, else null. */
  readonly sunset: string | null;
  /** The sunset last set by a deprecation, kept once archived; null if never deprecated. */
  readonly lastSunset: string | null;
  readonly replacement: string | null;
  readonly createdAt: string;
  /** When it was first deprecated, or null. */
  readonly deprecatedAt: string | null;
  /** When it was archived, or null. */
  readonly archivedAt: string | null;
  /** When its current state was recorded (its creation while active). */
  readonly changedAt: string;
}

export interface NamespaceSchemes {
  readonly namespace: string;
  /** By creation. */
  readonly schemes: readonly SchemeTimeline[];
}

/** The schemes of a namespace with their dates, from its scheme rows and state changes (in seq order). Pure. */
export function schemeTimelines(rows: readonly SchemeRow[], states: readonly SchemeStateRow[]): SchemeTimeline[] {
  return [...rows]
    .sort((a, b) => a.createdSeq - b.createdSeq)
    .map((row) => {
      let state: LifecycleState = 'active';
      let sunset: string | null = null;
      let replacement: string | null = null;
      let deprecatedAt: string | null = null;
      let archivedAt: string | null = null;
      let lastSunset: string | null = null;
      let changedAt = row.createdAt;
      for (const change of [...states].sort((a, b) => a.seq - b.seq)) {
        if (change.scheme !== row.name) continue;
        ({ state, sunset, replacement } = change);
        changedAt = change.at;
        if (change.state === 'deprecated') {
          deprecatedAt ??= change.at;
          lastSunset = change.sunset;
        }
        if (change.state === 'archived') archivedAt = change.at;
      }
      return Object.freeze({ namespace: row.namespace, name: row.name, format: row.format, state, sunset: state === 'deprecated' ? sunset : null, lastSunset, replacement, createdAt: row.createdAt, deprecatedAt, archivedAt, changedAt });
    });
}

/** The namespaces to report on: the ones named (each must exist), else every namespace, by name. */
export async function selectNamespaces(registry: Registry, names?: readonly string[]): Promise<string[]> {
  const known = (await registry.listNamespaces()).map((namespace) => namespace.name);
  if (names === undefined || names.length === 0) return known;
  for (const name of names) {
    if (!known.includes(name)) throw new StableIdError('NAMESPACE_NOT_FOUND', `namespace "${name}" does not exist`, { namespace: name });
  }
  return [...new Set(names)].sort(bytewise);
}

/** The schemes of each namespace with their dates: a small read per namespace. */
export async function readSchemeTimelines(registry: Registry, names?: readonly string[]): Promise<NamespaceSchemes[]> {
  const namespaces = await selectNamespaces(registry, names);
  return registry.store.read(async (reader) => {
    const result: NamespaceSchemes[] = [];
    for (const namespace of namespaces) {
      const [rows, states] = await Promise.all([reader.listSchemes(namespace), reader.schemeStates(namespace)]);
      result.push({ namespace, schemes: schemeTimelines(rows, states) });
    }
    return result;
  });
}

/**
 * Every current-state row of a namespace, from one snapshot: what the
 * calendar (identifier lifecycles) and the quality report (every
 * identifier, entity and binding) work from. Memory grows with the namespace.
 */
export async function readNamespaceRows(registry: Registry, namespace: string): Promise<ProjectionRows> {
  return registry.store.read((reader) => reader.projection(namespace));
}

/** Compares as bytes (UTF-16 code units), not by locale: reports read the same everywhere. */
export function bytewise(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
