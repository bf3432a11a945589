import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { STAGES } from '../../model/flags.js';
import type { MigrationOperation, MigratorStats } from './migrator-stats.js';
import type { MigrationPath } from './reconciliation-queue.js';

/** What the metrics read of a migrator when scraped. */
export interface MeasuredMigrator {
  readonly namespace: string;
  readonly consumer: string;
  stats(): MigratorStats;
  /** Entries waiting in its reconciliation queue. */
  pending(): Promise<number>;
}

const OPERATIONS: readonly MigrationOperation[] = ['read', 'write'];
const PATHS: readonly MigrationPath[] = ['old', 'new'];
const LABELS = ['namespace', 'consumer'] as const;

/** Latency buckets, in seconds: from a cache hit to a slow remote call. */
export const DURATION_BUCKETS: readonly number[] = Object.freeze([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/**
 * The Prometheus face of migrators: one set of metrics in one registry
 * (prefix default `stableid_migrator_`), labelled by namespace and consumer,
 * for every migrator made with it. Counters and gauges read the migrators'
 * counts when the registry is scraped, so a figure is exported as soon as it
 * is counted; latency is a histogram observed as calls end.
 *
 * - `calls_total`, `errors_total` {namespace, consumer, operation, path}
 * - `duration_seconds` histogram {namespace, consumer, operation, path}
 * - `comparisons_total` {namespace, consumer, result=match|mismatch}; `consistency_ratio` {namespace, consumer}
 * - `stage_calls_total` {namespace, consumer, stage}
 * - `guardrail_breaches_total`, `guardrail_moves_total`, `reconciliation_queued_total`, `reconciliation_pending` {namespace, consumer}
 */
export class MigratorMetrics {
  readonly #migrators = new Set<MeasuredMigrator>();
  readonly #duration: Histogram<'namespace' | 'consumer' | 'operation' | 'path'>;

  constructor(registry: Registry, prefix = 'stableid_migrator_') {
    const migrators = this.#migrators;
    const each = (read: (stats: MigratorStats, labels: { namespace: string; consumer: string }) => void): void => {
      for (const migrator of migrators) read(migrator.stats(), { namespace: migrator.namespace, consumer: migrator.consumer });
    };
    const perPath = (name: string, help: string, count: (stats: MigratorStats, operation: MigrationOperation, path: MigrationPath) => number): void => {
      new Counter({
        name: `${prefix}${name}`,
        help,
        labelNames: [...LABELS, 'operation', 'path'],
        registers: [registry],
        collect() {
          this.reset();
          each((stats, labels) => {
            for (const operation of OPERATIONS) for (const path of PATHS) this.inc({ ...labels, operation, path }, count(stats, operation, path));
          });
        },
      });
    };
    const perMigrator = (name: string, help: string, count: (stats: MigratorStats) => number): void => {
      new Counter({
        name: `${prefix}${name}`,
        help,
        labelNames: [...LABELS],
        registers: [registry],
        collect() {
          this.reset();
          each((stats, labels) => this.inc(labels, count(stats)));
        },
      });
    };
    perPath('calls_total', 'Calls of each path, by operation.', (stats, operation, path) => stats[operation][path].calls);
    perPath('errors_total', 'Calls in which a path threw, by operation.', (stats, operation, path) => stats[operation][path].errors);
    new Counter({
      name: `${prefix}comparisons_total`,
      help: 'Compared reads, by whether the two answers agreed.',
      labelNames: [...LABELS, 'result'],
      registers: [registry],
      collect() {
        this.reset();
        each((stats, labels) => {
          this.inc({ ...labels, result: 'match' }, stats.comparisons.matches);
          this.inc({ ...labels, result: 'mismatch' }, stats.comparisons.mismatches);
        });
      },
    });
    new Gauge({
      name: `${prefix}consistency_ratio`,
      help: 'Share of compared reads whose answers agreed (absent before any comparison).',
      labelNames: [...LABELS],
      registers: [registry],
      collect() {
        this.reset();
        each((stats, labels) => {
          if (stats.comparisons.consistency !== null) this.set(labels, stats.comparisons.consistency);
        });
      },
    });
    new Counter({
      name: `${prefix}stage_calls_total`,
      help: 'Calls by the stage they ran in.',
      labelNames: [...LABELS, 'stage'],
      registers: [registry],
      collect() {
        this.reset();
        each((stats, labels) => {
          for (const stage of STAGES) this.inc({ ...labels, stage }, stats.stages[stage]);
        });
      },
    });
    perMigrator('guardrail_breaches_total', 'Guardrail thresholds crossed (once per breach).', (stats) => stats.guardrails.breaches);
    perMigrator('guardrail_moves_total', 'Consumers moved back one stage by a guardrail.', (stats) => stats.guardrails.moves);
    perMigrator('reconciliation_queued_total', 'Non-authoritative writes that failed and were queued for reconciliation.', (stats) => stats.reconciliation.queued);
    new Gauge({
      name: `${prefix}reconciliation_pending`,
      help: 'Entries waiting in the reconciliation queue.',
      labelNames: [...LABELS],
      registers: [registry],
      async collect() {
        this.reset();
        for (const migrator of migrators) this.set({ namespace: migrator.namespace, consumer: migrator.consumer }, await migrator.pending());
      },
    });
    this.#duration = new Histogram({
      name: `${prefix}duration_seconds`,
      help: 'How long each path took, by operation.',
      labelNames: [...LABELS, 'operation', 'path'],
      buckets: [...DURATION_BUCKETS],
      registers: [registry],
    });
  }

  /** Starts reporting a migrator's figures. */
  attach(migrator: MeasuredMigrator): void {
    this.#migrators.add(migrator);
  }

  /** Stops reporting them (its latency histogram keeps what it observed). */
  detach(migrator: MeasuredMigrator): void {
    this.#migrators.delete(migrator);
  }

  /** One path's latency. */
  observe(migrator: MeasuredMigrator, operation: MigrationOperation, path: MigrationPath, latencyMs: number): void {
    this.#duration.observe({ namespace: migrator.namespace, consumer: migrator.consumer, operation, path }, latencyMs / 1000);
  }
}
