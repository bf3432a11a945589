import { StableIdError } from '../model/errors.js';
import { normalizeIdentifier } from '../model/formats/index.js';
import type { SchemeRow, SchemeStateRow } from '../model/rows.js';
import type { LifecycleState, Scheme } from '../model/types.js';
import type { StoreReader } from '../store/store.js';
import type { IdentifierRef } from './requests.js';

/** A scheme with its lifecycle state at the instant it was loaded for. */
export interface SchemeInfo extends Scheme {
  readonly createdSeq: number;
  /** When the scheme took its current state (null: active since added). */
  readonly stateAt: string | null;
}

const SEVERITY: Record<LifecycleState, number> = { active: 0, deprecated: 1, archived: 2 };

/** The more advanced of two lifecycle states: an identifier is as retired as its scheme. */
export function laterState(a: LifecycleState, b: LifecycleState): LifecycleState {
  return SEVERITY[a] >= SEVERITY[b] ? a : b;
}

/** The namespace's schemes with their state as of `asOf` (null: now), by creation order. */
export async function loadSchemes(reader: Pick<StoreReader, 'listSchemes' | 'schemeStates'>, namespace: string, asOf: string | null): Promise<Map<string, SchemeInfo>> {
  const [rows, states] = await Promise.all([reader.listSchemes(namespace), reader.schemeStates(namespace)]);
  return schemesAsOf(rows, states, asOf);
}

/** The schemes of these rows with the state their state changes gave them as of `asOf` (null: now). */
export function schemesAsOf(rows: readonly SchemeRow[], states: readonly SchemeStateRow[], asOf: string | null): Map<string, SchemeInfo> {
  const schemes = new Map<string, SchemeInfo>();
  for (const row of rows) {
    if (asOf !== null && row.createdAt > asOf) continue;
    schemes.set(row.name, toScheme(row));
  }
  for (const change of states) {
    if (asOf !== null && change.at > asOf) continue;
    const scheme = schemes.get(change.scheme);
    if (!scheme) continue;
    schemes.set(change.scheme, { ...scheme, state: change.state, sunset: change.sunset, replacement: change.replacement, stateAt: change.at });
  }
  return schemes;
}

function toScheme(row: SchemeRow): SchemeInfo {
  return {
    namespace: row.namespace,
    name: row.name,
    format: row.format,
    state: 'active',
    sunset: null,
    replacement: null,
    createdAt: row.createdAt,
    createdSeq: row.createdSeq,
    stateAt: null,
  };
}

export interface Candidate {
  readonly scheme: SchemeInfo;
  readonly value: string;
}

/**
 * The (scheme, canonical value) pairs a reference may denote. With a scheme
 * named, that scheme must exist and accept the value; without one, every
 * scheme whose format accepts it. With `strict`, no candidate at all is an
 * INVALID_IDENTIFIER error naming the rule each scheme's format broke.
 */
export function locateCandidates(
  namespace: string,
  schemes: ReadonlyMap<string, SchemeInfo>,
  ref: IdentifierRef,
  strict = false,
): { matches: Candidate[] } {
  if (ref.scheme !== undefined) {
    const scheme = schemes.get(ref.scheme);
    if (!scheme) {
      if (!strict) return { matches: [] };
      throw new StableIdError('SCHEME_NOT_FOUND', `scheme "${ref.scheme}" does not exist in namespace "${namespace}"`, {
        namespace,
        scheme: ref.scheme,
      });
    }
    const value = requireValue(scheme, ref.value, strict);
    return { matches: value === null ? [] : [{ scheme, value }] };
  }
  const matches: Candidate[] = [];
  const failures: string[] = [];
  for (const scheme of schemes.values()) {
    const result = normalizeIdentifier(scheme.format, ref.value);
    if (result.ok) matches.push({ scheme, value: result.value });
    else failures.push(`${scheme.name}: ${result.rule}`);
  }
  if (strict && matches.length === 0) {
    throw new StableIdError(
      'INVALID_IDENTIFIER',
      `${JSON.stringify(ref.value)} is valid in no scheme of "${namespace}" (${failures.join('; ') || 'the namespace has no schemes'})`,
      { namespace, value: ref.value, rule: failures.length === 1 ? failures[0]?.split(': ')[1] : 'no-scheme-matches' },
    );
  }
  return { matches };
}

/** The canonical spelling of `raw` in the scheme; throws INVALID_IDENTIFIER with the failed rule (or returns null when not strict). */
export function requireValue(scheme: SchemeInfo, raw: string, strict = true): string | null {
  const result = normalizeIdentifier(scheme.format, raw);
  if (result.ok) return result.value;
  if (!strict) return null;
  throw new StableIdError('INVALID_IDENTIFIER', `${JSON.stringify(raw)} is not a valid ${scheme.namespace}/${scheme.name} identifier: ${result.message}`, {
    namespace: scheme.namespace,
    scheme: scheme.name,
    value: raw,
    rule: result.rule,
  });
}
