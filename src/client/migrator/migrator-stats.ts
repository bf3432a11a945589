import { STAGES, type Stage } from '../../model/flags.js';
import type { MigrationPath } from './reconciliation-queue.js';

/** A migrator's two kinds of calls. */
export type MigrationOperation = 'read' | 'write';

/** Latency over the latest calls of one path (ms). */
export interface LatencySummary {
  /** How many calls the figures cover (the latest, at most the migrator's `latencySamples`). */
  readonly samples: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** What one path of one operation did. */
export interface PathStats {
  /** Calls that ran the path. */
  readonly calls: number;
  /** Calls in which it threw. */
  readonly errors: number;
  /** errors / calls (0 before any call). */
  readonly errorRate: number;
  readonly latency: LatencySummary;
}

/** Compared reads: both paths ran in a comparing stage and both answered. */
export interface ComparisonStats {
  readonly total: number;
  readonly matches: number;
  readonly mismatches: number;
  /** matches / total; null before any comparison. */
  readonly consistency: number | null;
}

/** Everything a migrator counted since it was made. */
export interface MigratorStats {
  readonly namespace: string;
  readonly consumer: string;
  readonly read: Readonly<Record<MigrationPath, PathStats>>;
  readonly write: Readonly<Record<MigrationPath, PathStats>>;
  readonly comparisons: ComparisonStats;
  /** Calls by the stage they ran in. */
  readonly stages: Readonly<Record<Stage, number>>;
  /** Thresholds crossed, and the moves back that followed. */
  readonly guardrails: { readonly breaches: number; readonly moves: number };
  /** Non-authoritative writes that failed and were queued for reconciliation. */
  readonly reconciliation: { readonly queued: number };
}

/** The value at quantile `q` (nearest rank) of ascending `sorted`. */
const quantile = (sorted: readonly number[], q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;

/** One path of one operation: counts since the start, latencies of the latest calls. */
class PathCounter {
  calls = 0;
  errors = 0;
  readonly #latencies: number[] = [];
  #next = 0;

  constructor(readonly samples: number) {}

  record(failed: boolean, latencyMs: number): void {
    this.calls += 1;
    if (failed) this.errors += 1;
    if (this.#latencies.length < this.samples) this.#latencies.push(latencyMs);
    else {
      this.#latencies[this.#next] = latencyMs;
      this.#next = (this.#next + 1) % this.samples;
    }
  }

  stats(): PathStats {
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    const samples = sorted.length;
    const latency: LatencySummary = {
      samples,
      meanMs: samples === 0 ? 0 : sorted.reduce((sum, ms) => sum + ms, 0) / samples,
      p50Ms: quantile(sorted, 0.5),
      p90Ms: quantile(sorted, 0.9),
      p99Ms: quantile(sorted, 0.99),
      maxMs: sorted[samples - 1] ?? 0,
    };
    return { calls: this.calls, errors: this.errors, errorRate: this.calls === 0 ? 0 : this.errors / this.calls, latency };
  }
}

/** The counting behind {@link MigratorStats}. */
export class MigratorCounters {
  readonly #paths: Record<MigrationOperation, Record<MigrationPath, PathCounter>>;
  readonly #stages = Object.fromEntries(STAGES.map((stage) => [stage, 0])) as Record<Stage, number>;
  matches = 0;
  mismatches = 0;
  breaches = 0;
  moves = 0;
  queued = 0;

  constructor(latencySamples: number) {
    const pair = (): Record<MigrationPath, PathCounter> => ({ old: new PathCounter(latencySamples), new: new PathCounter(latencySamples) });
    this.#paths = { read: pair(), write: pair() };
  }

  stage(stage: Stage): void {
    this.#stages[stage] += 1;
  }

  path(operation: MigrationOperation, path: MigrationPath, failed: boolean, latencyMs: number): void {
    this.#paths[operation][path].record(failed, latencyMs);
  }

  compared(matched: boolean): void {
    if (matched) this.matches += 1;
    else this.mismatches += 1;
  }

  stats(namespace: string, consumer: string): MigratorStats {
    const total = this.matches + this.mismatches;
    const pair = (operation: MigrationOperation) => ({ old: this.#paths[operation].old.stats(), new: this.#paths[operation].new.stats() });
    return {
      namespace,
      consumer,
      read: pair('read'),
      write: pair('write'),
      comparisons: { total, matches: this.matches, mismatches: this.mismatches, consistency: total === 0 ? null : this.matches / total },
      stages: { ...this.#stages },
      guardrails: { breaches: this.breaches, moves: this.moves },
      reconciliation: { queued: this.queued },
    };
  }
}
