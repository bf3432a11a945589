import { performance } from 'node:perf_hooks';
import { StableIdError } from '../model/errors.js';
import { latencySummary } from './latency.js';
import type { Probe, ProbeRecord } from './probe-file.js';
import { MAX_KEPT_FAILURES, type ProbeFailure, type ProbeReport, type TargetReport } from './report.js';
import type { Observation, ProbeTarget } from './target.js';

/** Lookups a target has in flight at once when no concurrency is given. */
export const DEFAULT_CONCURRENCY = 8;

export interface ReplayOptions {
  /** Replay only the records of these namespaces (default: all of them). */
  readonly namespaces?: readonly string[];
  /** Lookups in flight at once per target (default {@link DEFAULT_CONCURRENCY}). */
  readonly concurrency?: number;
  readonly clock?: () => Date;
}

/**
 * Replays every record of the probe through each target, one target after
 * the other (so that their latencies do not mix), and reports per target
 * the identifiers no longer recognized (`missing`), recognized as another
 * entity (`changed`) or not answered (`errors`), with latency figures.
 * Reads only. The targets stay open: their owner closes them.
 */
export async function replayProbe(probe: Probe, targets: readonly ProbeTarget[], options: ReplayOptions = {}): Promise<ProbeReport> {
  const clock = options.clock ?? (() => new Date());
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new StableIdError('INVALID_ARGUMENT', `the concurrency must be a whole number >= 1, got ${concurrency}`, { field: 'concurrency' });
  }
  if (targets.length === 0) throw new StableIdError('INVALID_ARGUMENT', 'a probe replays through at least one target', { field: 'targets' });
  const only = options.namespaces && options.namespaces.length > 0 ? new Set(options.namespaces) : null;
  const records = only ? probe.records.filter((record) => only.has(record.namespace)) : probe.records;
  const startedAt = clock().toISOString();
  const reports: TargetReport[] = [];
  for (const target of targets) reports.push(await replayThrough(target, records, concurrency));
  return {
    ok: reports.every((report) => report.ok),
    recordedAt: probe.header.recordedAt,
    records: records.length,
    startedAt,
    finishedAt: clock().toISOString(),
    targets: reports,
  };
}

async function replayThrough(target: ProbeTarget, records: readonly ProbeRecord[], concurrency: number): Promise<TargetReport> {
  const observations = new Array<Observation>(records.length);
  const latencies = new Array<number>(records.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < records.length) {
      const index = next++;
      const started = performance.now();
      observations[index] = await target.lookup(records[index] as ProbeRecord);
      latencies[index] = performance.now() - started;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, records.length) }, worker));
  const counts = { passed: 0, missing: 0, changed: 0, errors: 0, stateChanged: 0 };
  const failures: ProbeFailure[] = [];
  records.forEach((record, index) => {
    const observation = observations[index] as Observation;
    const failure = judge(record, observation);
    if (failure === null) {
      counts.passed += 1;
      if (observation.kind === 'found' && observation.state !== null && observation.state !== record.state) counts.stateChanged += 1;
      return;
    }
    if (failure.kind === 'missing') counts.missing += 1;
    else if (failure.kind === 'changed') counts.changed += 1;
    else counts.errors += 1;
    if (failures.length < MAX_KEPT_FAILURES) failures.push(failure);
  });
  return {
    target: target.name,
    description: target.description,
    ok: counts.passed === records.length,
    checked: records.length,
    ...counts,
    latencyMs: latencySummary(latencies),
    failures,
  };
}

/** The failure an observation shows, or null when the identifier still resolves to its recorded entity. */
export function judge(record: ProbeRecord, observation: Observation): ProbeFailure | null {
  const { namespace, scheme, value } = record;
  const expected = { entity: record.entity, state: record.state };
  if (observation.kind === 'found') {
    // A target that does not name the entity (a shim without the header) passes by recognizing the identifier.
    if (observation.entity === null || observation.entity === record.entity) return null;
    return { namespace, scheme, value, kind: 'changed', expected, actual: { entity: observation.entity, state: observation.state } };
  }
  return { namespace, scheme, value, kind: observation.kind, expected, actual: { code: observation.code, message: observation.message } };
}
