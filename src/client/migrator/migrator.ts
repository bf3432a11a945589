import { performance } from 'node:perf_hooks';
import { StableIdError } from '../../model/errors.js';
import { STAGES, STAGE_PATHS, type Stage, flagFor } from '../../model/flags.js';
import { type Clock, systemClock } from '../clock.js';
import { type FlagCacheOptions, FlagReader, type StageAnswer } from '../flag-reader.js';
import type { FlagSource, StageChange } from '../flag-source.js';
import { type Comparator, deepEqual } from './comparator.js';
import { type Breach, type Guardrail, GuardrailWindow, describeBreach, guardrailOf } from './guardrails.js';
import type { MigratorMetrics } from './migrator-metrics.js';
import { type MigrationOperation, MigratorCounters, type MigratorStats } from './migrator-stats.js';
import { type MigrationPath, type ReconciliationEntry, ReconciliationQueue, type RecordedError, recordedError } from './reconciliation-queue.js';

/** How a call that runs both paths runs them: one after the other (the authoritative first), one after the other in random order, or both at once. */
export type ExecutionOrder = 'serial' | 'random' | 'parallel';

/** A read on both implementations of one identifier. */
export interface ReadCall<T> {
  /** What the stage is bucketed on: the same identifier is always in the same stage for the consumer. */
  readonly identifier: string;
  readonly old: () => T | Promise<T>;
  readonly new: () => T | Promise<T>;
  /** Whether the two answers agree (default the migrator's comparator). */
  readonly compare?: Comparator<T>;
}

/** A write on both implementations of one identifier. */
export interface WriteCall<T> {
  readonly identifier: string;
  readonly old: () => T | Promise<T>;
  readonly new: () => T | Promise<T>;
  /** What a replay needs to redo this write; kept in the reconciliation entry if the non-authoritative write fails. */
  readonly payload?: unknown;
}

/** What the migrator records and tells `onEvent`. */
export type MigratorEvent =
  /** A compared read whose answers differ (or whose comparator threw: `error`). */
  | {
      readonly type: 'mismatch';
      readonly at: number;
      readonly stage: Stage;
      readonly identifier: string;
      readonly old: unknown;
      readonly new: unknown;
      readonly error?: RecordedError;
    }
  /** A non-authoritative write failed and was queued for reconciliation. */
  | { readonly type: 'queued'; readonly at: number; readonly entry: ReconciliationEntry }
  /** A non-authoritative write failed and the queue could not keep it: that write is not reconciled. */
  | { readonly type: 'queue-failed'; readonly at: number; readonly stage: Stage; readonly identifier: string; readonly path: MigrationPath; readonly error: RecordedError }
  /** A stage's guardrail was crossed, and what was done about it. */
  | GuardrailEvent;

export type MismatchEvent = Extract<MigratorEvent, { readonly type: 'mismatch' }>;

export interface GuardrailEvent {
  readonly type: 'guardrail';
  readonly at: number;
  /** The stage whose calls crossed its thresholds. */
  readonly stage: Stage;
  readonly breaches: readonly Breach[];
  /** The consumer's flag stage when the breach was acted on (null: no flag, `off`). */
  readonly from: Stage | null;
  /** The stage it was moved (or was to be moved) back to; null when there is none before. */
  readonly to: Stage | null;
  /** The reason sent with the stage change. */
  readonly reason: string;
  /**
   * `moved`: the stage was changed; `failed`: the change was refused or could
   * not be made (`error`); `already-behind`: the flag is already before the
   * stage; `no-earlier-stage`: the stage is the migration's first.
   */
  readonly outcome: 'moved' | 'failed' | 'already-behind' | 'no-earlier-stage';
  readonly error?: RecordedError;
  /** The sequence number of the stage change recorded, when the source tells it. */
  readonly seq?: number | null;
}

export interface MigratorOptions {
  readonly namespace: string;
  /** The consumer (service) migrating: its stage flag decides each call's paths. */
  readonly consumer: string;
  /**
   * Where stages come from: a FlagReader (`client.flags`), used as it is, or
   * any FlagSource (a registry in the same process), read through a
   * FlagReader of the migrator's own with `flagCache`.
   */
  readonly flags: FlagSource;
  readonly flagCache?: FlagCacheOptions;
  /** Default `serial`. */
  readonly order?: ExecutionOrder;
  /** How compared reads are judged (default deep equality). */
  readonly compare?: Comparator<unknown>;
  /** Thresholds per stage; crossing one moves the consumer back one stage. */
  readonly guardrails?: Partial<Readonly<Record<Stage, Guardrail>>>;
  /**
   * How a guardrail moves the consumer back. Default the flag source's own
   * `setStage` (over HTTP that needs a steward token); give one to route the
   * change elsewhere, e.g. through a client holding a steward token.
   */
  readonly setStage?: (namespace: string, consumer: string, change: StageChange) => Promise<unknown>;
  /** Told of every event as it is recorded; its failures are ignored. */
  readonly onEvent?: (event: MigratorEvent) => void;
  /** Default an in-memory queue of at most 10,000 entries. */
  readonly reconciliation?: ReconciliationQueue;
  /** Prometheus metrics to report into. */
  readonly metrics?: MigratorMetrics;
  /**
   * The time in ms: the flag cache's and the events' timestamps, and each
   * path's latency as the difference of two readings. Default `Date.now` for
   * the former, `performance.now` for latency.
   */
  readonly clock?: Clock;
  /** [0, 1), for the `random` order (default `Math.random`). */
  readonly random?: () => number;
  /** How many of the latest calls of each path latency percentiles cover (default 1000). */
  readonly latencySamples?: number;
  /** How many events `events()` keeps, and how many mismatches `mismatches()` keeps (default 1000 and 100). */
  readonly maxEvents?: number;
  readonly maxMismatches?: number;
}

type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

const PATHS_OF: Readonly<Record<'old' | 'new' | 'both', readonly MigrationPath[]>> = { old: ['old'], new: ['new'], both: ['old', 'new'] };
const other = (path: MigrationPath): MigrationPath => (path === 'old' ? 'new' : 'old');
const MAX_REASON = 500;

/**
 * Runs a consumer's reads and writes on the old implementation, the new one
 * or both, as its stage says (STAGE_PATHS), and returns the stage's
 * authoritative answer.
 *
 * Guarantees:
 * - each path the stage calls for runs exactly once per call; the migrator
 *   never retries one, and a replay of the reconciliation queue runs the
 *   caller's function, not the original;
 * - the call fails only when the authoritative path fails, with that path's
 *   error unchanged; a failing non-authoritative path is counted, never thrown;
 * - a non-authoritative write that fails while the authoritative one succeeds
 *   is in the reconciliation queue when the call returns;
 * - in a comparing stage, two answers are compared with the comparator and
 *   counted; a mismatch is recorded, never thrown;
 * - a guardrail acts once per breach: the stage's samples start over and no
 *   other breach is acted on until the move back is done (see {@link idle}).
 *
 * Writes should be idempotent (upserts): a call that failed on the
 * authoritative path is retried by its caller on both paths.
 */
export class Migrator {
  readonly namespace: string;
  readonly consumer: string;
  /** The failed non-authoritative writes, to inspect and replay. */
  readonly reconciliation: ReconciliationQueue;
  readonly #options: MigratorOptions;
  readonly #reader: FlagReader;
  readonly #order: ExecutionOrder;
  readonly #compare: Comparator<unknown>;
  readonly #clock: Clock;
  readonly #timer: () => number;
  readonly #random: () => number;
  readonly #windows = new Map<Stage, GuardrailWindow>();
  readonly #counters: MigratorCounters;
  readonly #events: MigratorEvent[] = [];
  readonly #mismatches: MismatchEvent[] = [];
  readonly #maxEvents: number;
  readonly #maxMismatches: number;
  #moving: Promise<void> | null = null;

  constructor(options: MigratorOptions) {
    this.#options = Object.freeze({ ...options });
    this.namespace = options.namespace;
    this.consumer = options.consumer;
    this.#clock = options.clock ?? systemClock;
    this.#timer = options.clock ?? (() => performance.now());
    this.#random = options.random ?? Math.random;
    this.#order = options.order ?? 'serial';
    if (!['serial', 'random', 'parallel'].includes(this.#order)) {
      throw new StableIdError('INVALID_ARGUMENT', `migrator order must be serial, random or parallel, not ${String(this.#order)}`, { field: 'order' });
    }
    this.#compare = options.compare ?? deepEqual;
    this.#reader = options.flags instanceof FlagReader ? options.flags : new FlagReader(options.flags, { ...options.flagCache, clock: this.#clock });
    for (const stage of STAGES) {
      const guardrail = options.guardrails?.[stage];
      if (guardrail !== undefined) this.#windows.set(stage, new GuardrailWindow(guardrailOf(stage, guardrail)));
    }
    this.#counters = new MigratorCounters(options.latencySamples ?? 1000);
    this.#maxEvents = options.maxEvents ?? 1000;
    this.#maxMismatches = options.maxMismatches ?? 100;
    this.reconciliation = options.reconciliation ?? new ReconciliationQueue({ clock: this.#clock });
    options.metrics?.attach(this);
  }

  /** The stage the consumer is in for `identifier`, as the next call would see it. */
  stageOf(identifier: string): Promise<StageAnswer> {
    return this.#reader.stage(this.namespace, this.consumer, identifier);
  }

  /** Reads by the stage's paths; returns the authoritative answer, comparing the two where the stage says. */
  async read<T>(call: ReadCall<T>): Promise<T> {
    const { stage } = await this.stageOf(call.identifier);
    const paths = STAGE_PATHS[stage];
    const settled = await this.#run('read', stage, PATHS_OF[paths.reads], paths.authoritative, call);
    const { old: oldRun, new: newRun } = settled;
    if (paths.compare && oldRun?.ok === true && newRun?.ok === true) this.#compared(stage, call, oldRun.value, newRun.value);
    this.#judge(stage);
    return this.#answer(settled[paths.authoritative]);
  }

  /** Writes by the stage's paths; returns the authoritative result, queueing a failed non-authoritative write for reconciliation. */
  async write<T>(call: WriteCall<T>): Promise<T> {
    const { stage } = await this.stageOf(call.identifier);
    const paths = STAGE_PATHS[stage];
    const settled = await this.#run('write', stage, PATHS_OF[paths.writes], paths.authoritative, call);
    const shadow = other(paths.authoritative);
    const failed = settled[shadow];
    if (settled[paths.authoritative]?.ok === true && failed?.ok === false) await this.#queue(stage, call, shadow, failed.error);
    this.#judge(stage);
    return this.#answer(settled[paths.authoritative]);
  }

  /** Everything counted so far. */
  stats(): MigratorStats {
    return this.#counters.stats(this.namespace, this.consumer);
  }

  /** Entries waiting in the reconciliation queue. */
  pending(): Promise<number> {
    return this.reconciliation.size();
  }

  /** The latest guardrail and reconciliation events, oldest first. */
  events(): readonly MigratorEvent[] {
    return [...this.#events];
  }

  /** The latest mismatches, oldest first. */
  mismatches(): readonly MismatchEvent[] {
    return [...this.#mismatches];
  }

  /** Settles once no guardrail move is in flight. */
  async idle(): Promise<void> {
    while (this.#moving !== null) await this.#moving;
  }

  /** Waits for a guardrail move in flight and stops reporting metrics. */
  async close(): Promise<void> {
    await this.idle();
    this.#options.metrics?.detach(this);
  }

  /** Runs `paths` (one or both) in the configured order; counts each. */
  async #run<T>(
    operation: MigrationOperation,
    stage: Stage,
    paths: readonly MigrationPath[],
    authoritative: MigrationPath,
    call: { readonly old: () => T | Promise<T>; readonly new: () => T | Promise<T> },
  ): Promise<Partial<Record<MigrationPath, Settled<T>>>> {
    this.#counters.stage(stage);
    const settled: Partial<Record<MigrationPath, Settled<T>>> = {};
    const runOne = async (path: MigrationPath): Promise<void> => {
      settled[path] = await this.#timed(operation, stage, path, call[path]);
    };
    if (paths.length > 1 && this.#order === 'parallel') await Promise.all(paths.map(runOne));
    else for (const path of this.#sequence(paths, authoritative)) await runOne(path);
    return settled;
  }

  /** The order paths run one after the other in: the authoritative first, unless the order is random and the draw says otherwise. */
  #sequence(paths: readonly MigrationPath[], authoritative: MigrationPath): readonly MigrationPath[] {
    if (paths.length === 1) return paths;
    const shadowFirst = this.#order === 'random' && this.#random() < 0.5;
    return shadowFirst ? [other(authoritative), authoritative] : [authoritative, other(authoritative)];
  }

  async #timed<T>(operation: MigrationOperation, stage: Stage, path: MigrationPath, run: () => T | Promise<T>): Promise<Settled<T>> {
    const started = this.#timer();
    let settled: Settled<T>;
    try {
      settled = { ok: true, value: await run() };
    } catch (error) {
      settled = { ok: false, error };
    }
    const latencyMs = Math.max(0, this.#timer() - started);
    this.#counters.path(operation, path, !settled.ok, latencyMs);
    this.#options.metrics?.observe(this, operation, path, latencyMs);
    if (path === 'new') this.#windows.get(stage)?.call(!settled.ok, latencyMs);
    return settled;
  }

  #answer<T>(settled: Settled<T> | undefined): T {
    if (settled === undefined) throw new StableIdError('INTERNAL', 'the authoritative path did not run', { namespace: this.namespace });
    if (!settled.ok) throw settled.error;
    return settled.value;
  }

  #compared<T>(stage: Stage, call: ReadCall<T>, oldValue: T, newValue: T): void {
    const compare = (call.compare ?? this.#compare) as Comparator<T>;
    let matched: boolean;
    let error: RecordedError | undefined;
    try {
      matched = compare(oldValue, newValue) === true;
    } catch (thrown) {
      matched = false;
      error = recordedError(thrown);
    }
    this.#counters.compared(matched);
    this.#windows.get(stage)?.compared(matched);
    if (matched) return;
    const event: MismatchEvent = { type: 'mismatch', at: this.#clock(), stage, identifier: call.identifier, old: oldValue, new: newValue, ...(error === undefined ? {} : { error }) };
    this.#mismatches.push(event);
    if (this.#mismatches.length > this.#maxMismatches) this.#mismatches.shift();
    this.#tell(event);
  }

  async #queue(stage: Stage, call: WriteCall<unknown>, path: MigrationPath, error: unknown): Promise<void> {
    try {
      const entry = await this.reconciliation.add({ namespace: this.namespace, consumer: this.consumer, identifier: call.identifier, path, stage, payload: call.payload, error });
      this.#counters.queued += 1;
      this.#record({ type: 'queued', at: this.#clock(), entry });
    } catch (thrown) {
      this.#record({ type: 'queue-failed', at: this.#clock(), stage, identifier: call.identifier, path, error: recordedError(thrown) });
    }
  }

  /** Acts on a breach of the stage's guardrail, once: its samples start over. */
  #judge(stage: Stage): void {
    if (this.#moving !== null) return;
    const window = this.#windows.get(stage);
    const breaches = window?.breaches() ?? [];
    if (window === undefined || breaches.length === 0) return;
    window.clear();
    this.#counters.breaches += 1;
    const moving = this.#moveBack(stage, breaches).finally(() => {
      if (this.#moving === moving) this.#moving = null;
    });
    this.#moving = moving;
  }

  /** Moves the consumer to the stage before `stage` in its migration (everyone: percent 100), and records why. */
  async #moveBack(stage: Stage, breaches: readonly Breach[]): Promise<void> {
    const { namespace, consumer } = this;
    const flag = flagFor((await this.#reader.flags(namespace)).stages, consumer);
    const order = flag?.stages ?? STAGES;
    const at = order.indexOf(stage);
    const to = at > 0 ? (order[at - 1] as Stage) : null;
    const from = flag?.stage ?? null;
    const why = breaches.map(describeBreach).join('; ');
    const reason = `guardrail of stage ${stage} crossed for ${consumer}: ${why}${to === null ? '' : `; moving back to ${to}`}`.slice(0, MAX_REASON);
    const event = { type: 'guardrail' as const, at: this.#clock(), stage, breaches, from, to, reason };
    if (to === null) {
      this.#record({ ...event, outcome: 'no-earlier-stage' });
      return;
    }
    if (flag !== undefined && order.indexOf(flag.stage) < at) {
      this.#record({ ...event, outcome: 'already-behind' });
      return;
    }
    const change: StageChange = { stage: to, percent: 100, stages: order, reason };
    try {
      let seq: number | null | undefined;
      if (this.#options.setStage === undefined) seq = (await this.#reader.setStage(namespace, consumer, change)).seq;
      else {
        const changed = await this.#options.setStage(namespace, consumer, change);
        this.#reader.invalidate(namespace);
        const told = (changed as { seq?: unknown } | null | undefined)?.seq;
        seq = typeof told === 'number' || told === null ? told : undefined;
      }
      this.#counters.moves += 1;
      this.#record({ ...event, outcome: 'moved', ...(seq === undefined ? {} : { seq }) });
    } catch (error) {
      this.#record({ ...event, outcome: 'failed', error: recordedError(error) });
    }
  }

  #record(event: MigratorEvent): void {
    this.#events.push(event);
    if (this.#events.length > this.#maxEvents) this.#events.shift();
    this.#tell(event);
  }

  #tell(event: MigratorEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch {
      // A listener's failure is its own: it never fails a call.
    }
  }
}
