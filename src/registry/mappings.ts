import type { LifecycleState } from '../model/types.js';
import type { ProjectionRows } from '../model/rows.js';

/**
 * One identifier's current mapping as a replica or a restore must reproduce
 * it: the entity it names, its own lifecycle state, where it came from.
 * An erased identifier (its value removed on request) is keyed by its seq.
 */
export interface Mapping {
  readonly scheme: string;
  /** null once erased. */
  readonly value: string | null;
  readonly seq: number;
  readonly entity: string;
  readonly state: LifecycleState;
  readonly sunset: string | null;
  readonly derivedFrom: { readonly scheme: string; readonly value: string | null } | null;
  readonly migration: string | null;
  readonly createdAt: string;
}

/**
 * The key two registries compare a mapping by: `scheme/value`, or
 * `scheme#seq` for an erased one (scheme names hold neither `/` nor `#`).
 */
export function mappingKey(mapping: Pick<Mapping, 'scheme' | 'value' | 'seq'>): string {
  return mapping.value === null ? `${mapping.scheme}#${mapping.seq}` : `${mapping.scheme}/${mapping.value}`;
}

/** The current mappings of a namespace, from its projection rows (in any order). */
export function mappingsOf(rows: ProjectionRows): Mapping[] {
  const valueOf = new Map<number, string>();
  for (const row of rows.identifierValues) valueOf.set(row.identifier, row.value);
  const stateOf = new Map<number, { seq: number; state: LifecycleState; sunset: string | null }>();
  for (const row of rows.identifierStates) {
    const known = stateOf.get(row.identifier);
    if (!known || known.seq < row.seq) stateOf.set(row.identifier, { seq: row.seq, state: row.state, sunset: row.sunset });
  }
  const identifierBySeq = new Map(rows.identifiers.map((row) => [row.seq, row]));
  return rows.identifiers.map((row): Mapping => {
    const parent = row.derivedFrom === null ? undefined : identifierBySeq.get(row.derivedFrom);
    const state = stateOf.get(row.seq);
    return {
      scheme: row.scheme,
      value: valueOf.get(row.seq) ?? null,
      seq: row.seq,
      entity: row.entity,
      state: state?.state ?? 'active',
      sunset: state?.sunset ?? null,
      derivedFrom: parent ? { scheme: parent.scheme, value: valueOf.get(parent.seq) ?? null } : null,
      migration: row.migration,
      createdAt: row.createdAt,
    };
  });
}
