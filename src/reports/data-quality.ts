import type { RunRecord, RunStatus } from '../migrate/runs/run-store.js';
import { normalizeIdentifier } from '../model/formats/index.js';
import type { ProjectionRows } from '../model/rows.js';
import type { LifecycleState } from '../model/types.js';
import { mappingsOf } from '../registry/mappings.js';
import { laterState } from '../registry/schemes.js';
import { type BindingCheck, type MissingBinding, currentBindings } from './binding-check.js';
import { type SchemeTimeline, bytewise, schemeTimelines } from './registry-facts.js';

/**
 * The data quality of a namespace: a score from 0 to 100 and every item
 * that cost points. Pure: built from the namespace's projection rows, its
 * runs and, optionally, a check of its bindings against a source.
 */

export type QualityMeasure = 'validity' | 'uniqueness' | 'coverage' | 'bindings' | 'migrations';

/**
 * How much each measure weighs in the score. A measure with nothing to
 * measure (no bindings checked, no finished run) is left out and the others
 * share its weight.
 */
export const QUALITY_WEIGHTS: Readonly<Record<QualityMeasure, number>> = Object.freeze({
  validity: 30,
  uniqueness: 20,
  coverage: 20,
  bindings: 15,
  migrations: 15,
});

export interface MeasureResult {
  readonly measure: QualityMeasure;
  readonly weight: number;
  /** Items that passed, of those measured. */
  readonly passed: number;
  readonly total: number;
  /** passed / total, or null when there was nothing to measure (then it does not count). */
  readonly share: number | null;
  /** What was measured, in a sentence. */
  readonly what: string;
}

export interface InvalidIdentifier {
  readonly scheme: string;
  readonly value: string;
  readonly entity: string;
  readonly seq: number;
  /** The format rule it breaks, or `value.not-canonical` when it is valid but not stored in its canonical spelling. */
  readonly rule: string;
  readonly message: string;
}

/**
 * - `spelling`: identifiers of one scheme whose stored values are spellings of one canonical value;
 * - `scheme`: an entity with more than one identifier in one scheme;
 * - `binding`: entities whose current bindings name the same record.
 */
export interface Duplicate {
  readonly kind: 'spelling' | 'scheme' | 'binding';
  /** What they share: `scheme/canonical value`, `entity/scheme` or `store/collection/key`. */
  readonly shared: string;
  readonly entities: readonly string[];
  readonly identifiers: readonly { readonly scheme: string; readonly value: string }[];
}

export interface EntityWithoutActive {
  readonly entity: string;
  readonly identifiers: readonly { readonly scheme: string; readonly value: string | null; readonly state: LifecycleState }[];
}

export interface UnsuccessfulRun {
  readonly run: string;
  readonly migration: string;
  readonly status: RunStatus;
  readonly updatedAt: string;
  readonly reason: string | null;
}

export interface NamespaceQuality {
  readonly namespace: string;
  /** 0 to 100, one decimal. */
  readonly score: number;
  readonly measures: readonly MeasureResult[];
  readonly counts: { readonly entities: number; readonly identifiers: number; readonly erased: number; readonly runs: number };
  readonly failing: {
    readonly invalid: readonly InvalidIdentifier[];
    readonly duplicates: readonly Duplicate[];
    readonly withoutActive: readonly EntityWithoutActive[];
    /** null when no source was checked. */
    readonly missingBindings: readonly MissingBinding[] | null;
    readonly unsuccessfulRuns: readonly UnsuccessfulRun[];
  };
  /** The binding check's scope, when one ran. */
  readonly bindingSource: { readonly source: string; readonly store: string | null } | null;
}

export interface QualityInput {
  readonly namespace: string;
  readonly rows: ProjectionRows;
  /** Runs of the namespace (others are ignored). */
  readonly runs: readonly RunRecord[];
  /** The namespace's current bindings checked against a source, or null. */
  readonly bindings: BindingCheck | null;
}

const SUCCESS: readonly RunStatus[] = ['completed'];
const UNSUCCESSFUL: readonly RunStatus[] = ['failed', 'aborted', 'rolled-back'];

export function assessQuality(input: QualityInput): NamespaceQuality {
  const { rows } = input;
  const schemes = new Map<string, SchemeTimeline>(schemeTimelines(rows.schemes, rows.schemeStates).map((scheme) => [scheme.name, scheme]));
  const mappings = mappingsOf(rows).sort((a, b) => a.seq - b.seq);
  const withValue = mappings.filter((m): m is typeof m & { value: string } => m.value !== null);

  const invalid: InvalidIdentifier[] = [];
  const canonicalOf = new Map<number, string>();
  for (const mapping of withValue) {
    const scheme = schemes.get(mapping.scheme);
    const fail = (rule: string, message: string): void => {
      invalid.push({ scheme: mapping.scheme, value: mapping.value, entity: mapping.entity, seq: mapping.seq, rule, message });
    };
    if (!scheme) {
      fail('scheme.missing', `scheme ${mapping.scheme} is not defined in the namespace`);
      continue;
    }
    const result = normalizeIdentifier(scheme.format, mapping.value);
    if (!result.ok) fail(result.rule, result.message);
    else {
      canonicalOf.set(mapping.seq, result.value);
      if (result.value !== mapping.value) fail('value.not-canonical', `stored as ${JSON.stringify(mapping.value)}, whose canonical spelling is ${JSON.stringify(result.value)}`);
    }
  }

  const duplicates: Duplicate[] = [];
  const group = <T>(items: readonly T[], key: (item: T) => string | null): Map<string, T[]> => {
    const groups = new Map<string, T[]>();
    for (const item of items) {
      const k = key(item);
      if (k !== null) groups.set(k, [...(groups.get(k) ?? []), item]);
    }
    return new Map([...groups].filter(([, list]) => list.length > 1).sort(([a], [b]) => bytewise(a, b)));
  };
  for (const [shared, list] of group(withValue, (m) => (canonicalOf.has(m.seq) ? `${m.scheme}/${canonicalOf.get(m.seq)}` : null))) {
    duplicates.push({ kind: 'spelling', shared, entities: unique(list.map((m) => m.entity)), identifiers: list.map((m) => ({ scheme: m.scheme, value: m.value })) });
  }
  for (const [shared, list] of group(withValue, (m) => `${m.entity}/${m.scheme}`)) {
    duplicates.push({ kind: 'scheme', shared, entities: unique(list.map((m) => m.entity)), identifiers: list.map((m) => ({ scheme: m.scheme, value: m.value })) });
  }
  const bindings = currentBindings(rows.bindings);
  for (const [shared, list] of group(bindings, (b) => `${b.store}/${b.collection}/${b.key}`)) {
    const entities = unique(list.map((b) => b.entity));
    duplicates.push({ kind: 'binding', shared, entities, identifiers: withValue.filter((m) => entities.includes(m.entity)).map((m) => ({ scheme: m.scheme, value: m.value })) });
  }

  const byEntity = new Map<string, typeof mappings>();
  for (const mapping of mappings) byEntity.set(mapping.entity, [...(byEntity.get(mapping.entity) ?? []), mapping]);
  const entities = [...new Set([...rows.entities.map((e) => e.id), ...byEntity.keys()])].sort(bytewise);
  const withoutActive: EntityWithoutActive[] = [];
  const erased = new Set<string>();
  for (const entity of entities) {
    const own = byEntity.get(entity) ?? [];
    const live = own.filter((m) => m.value !== null);
    // An entity whose every value was erased on request is gone by design, not a defect: it is not measured.
    if (own.length > 0 && live.length === 0) {
      erased.add(entity);
      continue;
    }
    const states = live.map((m) => ({ scheme: m.scheme, value: m.value, state: laterState(m.state, schemes.get(m.scheme)?.state ?? 'active') }));
    if (!states.some((s) => s.state === 'active')) withoutActive.push({ entity, identifiers: states });
  }

  const involved = new Set(duplicates.flatMap((d) => d.entities));
  const runs = input.runs.filter((run) => run.namespace === input.namespace);
  const finished = runs.filter((run) => SUCCESS.includes(run.status) || UNSUCCESSFUL.includes(run.status));
  const unsuccessfulRuns = finished
    .filter((run) => UNSUCCESSFUL.includes(run.status))
    .sort((a, b) => bytewise(a.updatedAt, b.updatedAt) || bytewise(a.id, b.id))
    .map((run) => ({ run: run.id, migration: run.migration, status: run.status, updatedAt: run.updatedAt, reason: failureReason(run) }));
  const measured = entities.length - erased.size;
  const check = input.bindings;
  const measures: MeasureResult[] = [
    measure('validity', withValue.length - invalid.length, withValue.length, 'identifiers valid and canonical under their scheme’s format'),
    measure('uniqueness', measured - [...involved].filter((entity) => !erased.has(entity)).length, measured, 'entities in no duplicate'),
    measure('coverage', measured - withoutActive.length, measured, 'entities with at least one active identifier'),
    measure('bindings', check ? check.checked - check.missing.length : 0, check ? check.checked : 0, check ? 'bindings whose document the source holds' : 'not checked (no source given)'),
    measure('migrations', finished.length - unsuccessfulRuns.length, finished.length, 'finished migration runs that completed'),
  ];
  return {
    namespace: input.namespace,
    score: score(measures),
    measures,
    counts: { entities: entities.length, identifiers: mappings.length, erased: mappings.length - withValue.length, runs: runs.length },
    failing: { invalid, duplicates, withoutActive, missingBindings: check ? check.missing : null, unsuccessfulRuns },
    bindingSource: check ? { source: check.source, store: check.store } : null,
  };
}

function measure(name: QualityMeasure, passed: number, total: number, what: string): MeasureResult {
  return { measure: name, weight: QUALITY_WEIGHTS[name], passed, total, share: total === 0 ? null : passed / total, what };
}

/** The weighted mean of the measured shares, as 0–100 with one decimal; 100 when nothing could be measured. */
export function score(measures: readonly MeasureResult[]): number {
  const counted = measures.filter((m) => m.share !== null);
  const weight = counted.reduce((sum, m) => sum + m.weight, 0);
  if (weight === 0) return 100;
  const value = counted.reduce((sum, m) => sum + m.weight * (m.share as number), 0) / weight;
  return Math.round(value * 1000) / 10;
}

function failureReason(run: RunRecord): string | null {
  const failure = run.details['failure'] as { reasons?: unknown } | undefined;
  if (failure && Array.isArray(failure.reasons) && failure.reasons.length > 0) return failure.reasons.map(String).join('; ');
  if (run.status === 'aborted') return 'aborted';
  if (run.status === 'rolled-back') return 'rolled back';
  return null;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)].sort(bytewise);
}
