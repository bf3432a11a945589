import { StableIdError } from '../model/errors.js';
import type { LifecycleState } from '../model/types.js';
import type { LatencySummary } from './latency.js';

/** How a recorded identifier failed: not recognized, recognized as another entity, or no usable answer. */
export type FailureKind = 'missing' | 'changed' | 'error';

/** One identifier that failed on one target: what was recorded and what the target answered. */
export interface ProbeFailure {
  readonly namespace: string;
  readonly scheme: string;
  readonly value: string;
  readonly kind: FailureKind;
  readonly expected: { readonly entity: string; readonly state: LifecycleState };
  /** The entity found (`changed`), or the code and message of the answer (`missing`, `error`). */
  readonly actual: { readonly entity: string | null; readonly state: LifecycleState | null } | { readonly code: string; readonly message: string };
}

/** What one target answered for the whole probe. */
export interface TargetReport {
  /** The target's kind: registry, service, sdk, shim. */
  readonly target: string;
  readonly description: string;
  /** Every identifier passed. */
  readonly ok: boolean;
  readonly checked: number;
  readonly passed: number;
  readonly missing: number;
  readonly changed: number;
  readonly errors: number;
  /** Identifiers that passed but whose state moved since recording (deprecated, archived): told, never a failure. */
  readonly stateChanged: number;
  readonly latencyMs: LatencySummary;
  /** The failures in the probe's order; the first {@link MAX_KEPT_FAILURES} of them. */
  readonly failures: readonly ProbeFailure[];
}

/** One replay of a probe through one or more targets. */
export interface ProbeReport {
  /** Every identifier passed on every target. */
  readonly ok: boolean;
  readonly recordedAt: string;
  /** The identifiers replayed through each target. */
  readonly records: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly targets: readonly TargetReport[];
}

/** The most failures a target report keeps; its counts hold them all. */
export const MAX_KEPT_FAILURES = 1000;

/** The identifier a failure is about, e.g. `order/v1 ORD-000042`. */
export const failureName = (failure: Pick<ProbeFailure, 'namespace' | 'scheme' | 'value'>): string => `${failure.namespace}/${failure.scheme} ${failure.value}`;

/** A failure in a line: the identifier, what was expected and what was found. */
export function describeFailure(failure: ProbeFailure): string {
  const name = failureName(failure);
  const actual = failure.actual;
  if ('code' in actual) return `${name} ${failure.kind === 'missing' ? 'no longer recognized' : 'not answered'} (${actual.code}: ${actual.message})`;
  return `${name} resolves to ${actual.entity ?? '?'}, recorded ${failure.expected.entity}`;
}

/** How many identifiers failed on a target. */
export const failedCount = (target: TargetReport): number => target.missing + target.changed + target.errors;

/**
 * The probe's failures in a sentence per failing target, naming up to
 * `limit` identifiers each: what a gate reason or an error message says.
 */
export function summarizeFailures(report: ProbeReport, limit = 10): string[] {
  return report.targets
    .filter((target) => !target.ok)
    .map((target) => {
      const failed = failedCount(target);
      const named = target.failures.slice(0, limit).map(describeFailure);
      const more = failed > named.length ? `; and ${failed - named.length} more` : '';
      return `${failed} of ${target.checked} identifier(s) failed on ${target.target} (${target.missing} missing, ${target.changed} changed, ${target.errors} errors): ${named.join('; ')}${more}`;
    });
}

/** PROBE_FAILED for a report that did not pass, naming the identifiers. */
export function probeFailedError(report: ProbeReport): StableIdError {
  const first = report.targets.flatMap((target) => target.failures)[0];
  return new StableIdError('PROBE_FAILED', `the probe failed: ${summarizeFailures(report, 5).join('; ')}`, {
    failed: report.targets.reduce((sum, target) => sum + failedCount(target), 0),
    targets: report.targets.filter((target) => !target.ok).map((target) => target.target),
    ...(first ? { namespace: first.namespace, scheme: first.scheme, value: first.value } : {}),
  });
}
