import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { typeid } from 'typeid-js';
import { StableIdError } from '../model/errors.js';
import type { Registry } from '../registry/registry.js';
import { type BatchContext, type BatchCounts, emptyCounts } from './batch.js';
import { type CollectionDigests, digestCollection, identifierItem } from './collection-digest.js';
import { type SetDigest, differingRanges, rangeOf } from './digest.js';
import type { SchemeFormats } from './document-change.js';
import { getField } from './fields.js';
import { canonicalIdentifier } from './identifiers.js';
import type { Migration } from './migration.js';
import { migrationFormats, planMigration } from './plan.js';
import { type HookEvent, type Hooks, runHook } from './hooks.js';
import { type PartitionJob, runPartition } from './partition-runner.js';
import { HeldLease } from './run-lease.js';
import type { RunRecord, RunStatus, RunStore } from './runs/run-store.js';
import type { Fence, JsonObject, JsonValue, Partition, SourceCollection } from './source/source.js';
import { type WorkerReferences, type WorkerSpec, runInWorkers } from './workers.js';
import { DEFAULT_WAVES, inWaves } from './waves.js';

export interface RunDependencies {
  readonly registry: Registry;
  readonly runs: RunStore;
  readonly collection: SourceCollection;
  /** The source's description, recorded on the run. */
  readonly source: string;
  readonly migration: Migration;
  readonly clock?: () => Date;
  /** How worker processes open the same registry, source and migration; needed for `workers` > 1. */
  readonly references?: WorkerReferences;
  /** The kinds of extra gate check this runner can carry out, by kind; every kind a run's settings name must be here. */
  readonly gateChecks?: Readonly<Record<string, GateCheck>>;
}

/**
 * An extra check of a gate, named in the run's settings (so that a resumed
 * or continued run carries it out too): its kind, and options of its own.
 */
export interface GateCheckSpec {
  readonly kind: string;
  readonly [option: string]: JsonValue;
}

/** What an extra gate check found: each reason names what failed. */
export interface GateCheckResult {
  readonly ok: boolean;
  readonly reasons: readonly string[];
  /** Findings kept on the wave's record. */
  readonly details?: JsonObject;
}

/**
 * Carries out one kind of extra gate check, after the wave's own checks
 * passed. Reads only; it may run again on the same wave (after a crash).
 */
export type GateCheck = (spec: GateCheckSpec, context: { readonly registry: Registry; readonly run: RunRecord; readonly wave: number }) => Promise<GateCheckResult>;

/** Settings a run keeps; `migrate set` changes batchTimeMs and maxRate of a running one. */
export interface RunSettings {
  readonly waves: readonly number[];
  /** A fixed batch size; by default the size adapts to batchTimeMs. */
  readonly batchSize: number | null;
  readonly batchTimeMs: number;
  /** Documents per second at most; null for no limit. */
  readonly maxRate: number | null;
  /** `manual` stops at each gate until `migrate continue`. */
  readonly gate: 'auto' | 'manual';
  /** How many documents may fail before a gate fails the run. */
  readonly errorBudget: number;
  /** Extra checks each gate carries out once its own pass, in order. */
  readonly checks: readonly GateCheckSpec[];
}

export interface RunOptions extends Partial<RunSettings> {
  readonly actor?: string;
  /** Names this runner in the lease; default host, process and a random suffix. */
  readonly holder?: string;
  readonly leaseMs?: number;
  readonly onProgress?: (progress: RunProgress) => void;
  /** Hook commands that add to (and override) the migration's own. */
  readonly hooks?: Hooks;
  /** Processes to split each wave's key ranges between (default 1: this process). */
  readonly workers?: number;
}

export interface RunProgress {
  readonly run: string;
  /** 1-based wave number, and how many there are. */
  readonly wave: number;
  readonly waves: number;
  /** Documents read in this wave so far, of the collection's count. */
  readonly done: number;
  readonly total: number;
  readonly written: number;
  readonly failed: number;
}

/** The record of one finished wave and its gate. */
export interface WaveRecord {
  readonly wave: number;
  readonly percent: number;
  readonly counts: BatchCounts;
  readonly digest: SetDigest;
  readonly gate: GateResult;
  readonly finishedAt: string;
}

export interface GateResult {
  readonly ok: boolean;
  readonly reasons: readonly string[];
  /** Identifiers (scheme, value, entity) found more than once, or not at all, in the ranges that differ; and the documents that carry them. */
  readonly duplicated: readonly { readonly item: string; readonly keys: readonly string[] }[];
  readonly missing: readonly string[];
  /** The extra checks carried out, when the run has any. */
  readonly checks?: readonly (GateCheckResult & { readonly kind: string })[];
}

const DEFAULTS: RunSettings = { waves: DEFAULT_WAVES, batchSize: null, batchTimeMs: 500, maxRate: null, gate: 'auto', errorBudget: 0, checks: [] };
const MAX_FAILURES_KEPT = 100;

/** Statuses a new `migrate run` picks up instead of starting over. */
const RESUMABLE: readonly RunStatus[] = ['running', 'paused', 'failed', 'pending'];

/**
 * Runs (or resumes) a migration: a dry run that must be clean, every
 * external identifier registered, digests taken, then the waves, each
 * batch checkpointed and each wave closed by a gate.
 */
export async function runMigration(deps: RunDependencies, options: RunOptions = {}): Promise<RunRecord> {
  const clock = deps.clock ?? (() => new Date());
  const holder = options.holder ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const lease = await HeldLease.acquire(deps.runs, deps.migration.id, holder, options.leaseMs ?? 30_000, clock);
  try {
    const formats = await migrationFormats(deps.registry, deps.migration);
    const existing = (await deps.runs.listRuns(deps.migration.id)).find((run) => RESUMABLE.includes(run.status) || run.status === 'gated');
    if (existing?.status === 'gated') {
      throw new StableIdError('STATE_CONFLICT', `run ${existing.id} waits at its gate after wave ${existing.wave + 1}: release it with \`migrate continue ${existing.id}\``, {
        run: existing.id,
      });
    }
    requireGateChecks(deps, existing ? runSettings(existing).checks : (options.checks ?? []));
    const run = existing ?? (await startRun(deps, formats, options, clock));
    return await new WaveRunner(deps, formats, run, lease, options, clock).run();
  } finally {
    await lease.release();
  }
}

/** Releases a run held at a manual gate and runs its next waves. */
export async function continueRun(deps: RunDependencies, runId: string, options: RunOptions = {}): Promise<RunRecord> {
  const run = await requireRun(deps.runs, runId);
  if (run.status !== 'gated') throw new StableIdError('STATE_CONFLICT', `run ${runId} is ${run.status}, not waiting at a gate`, { run: runId });
  await deps.runs.updateRun(runId, { status: 'running', wave: run.wave + 1, details: run.details, updatedAt: (deps.clock ?? (() => new Date()))().toISOString() });
  return runMigration(deps, options);
}

export async function requireRun(runs: RunStore, id: string): Promise<RunRecord> {
  const run = await runs.getRun(id);
  if (!run) throw new StableIdError('RUN_NOT_FOUND', `no migration run ${JSON.stringify(id)}`, { run: id });
  return run;
}

/** The settings a run was started with, as recorded. */
export function runSettings(run: RunRecord): RunSettings {
  const recorded = (run.details['settings'] ?? {}) as Partial<RunSettings>;
  return { ...DEFAULTS, ...recorded, waves: run.waves };
}

async function startRun(deps: RunDependencies, formats: SchemeFormats, options: RunOptions, clock: () => Date): Promise<RunRecord> {
  const { registry, migration, collection } = deps;
  const plan = await planMigration(registry, collection, migration, { diffs: 0 });
  if (!plan.ok) {
    const first = plan.problems[0];
    throw new StableIdError(
      'MIGRATION_INVALID',
      `the plan of "${migration.id}" found ${plan.problemCount} problem(s)${first ? `, the first: ${first.kind} at ${JSON.stringify(first.key)}: ${first.message}` : ''}; run \`migrate plan\` for all of them`,
      { migration: migration.id, problems: plan.problemCount },
    );
  }
  const settings: RunSettings = {
    waves: options.waves ?? DEFAULTS.waves,
    batchSize: options.batchSize ?? DEFAULTS.batchSize,
    batchTimeMs: options.batchTimeMs ?? DEFAULTS.batchTimeMs,
    maxRate: options.maxRate ?? DEFAULTS.maxRate,
    gate: options.gate ?? DEFAULTS.gate,
    errorBudget: options.errorBudget ?? DEFAULTS.errorBudget,
    checks: options.checks ?? DEFAULTS.checks,
  };
  const id = typeid('run').toString();
  const now = clock().toISOString();
  const actor = options.actor ?? 'stableid';
  // Every identifier is known to the registry before anything moves, bound to where its document lives now.
  const store = bindingStore(deps);
  const unregistered = plan.identifierDiff.filter((entry) => entry.entity === null);
  if (unregistered.length > 0) {
    await registry.writeMany(
      unregistered.map((entry) => ({
        request: { op: 'register' as const, namespace: migration.namespace, scheme: entry.identifier.scheme, value: entry.identifier.value, binding: { store, collection: migration.collection, key: entry.key } },
      })),
      // A bulk write pays for a second connection (a worker thread on SQLite): worth it for large collections only.
      { bulk: unregistered.length > 5000, keepOutcomes: false, correlationId: id, actor, reason: `migration ${migration.id}, run ${id}: registered before the first wave` },
    );
  }
  const registeredAt = clock().toISOString();
  const digests = await digestCollection(registry, collection, migration, formats);
  const record: RunRecord = {
    id,
    migration: migration.id,
    namespace: migration.namespace,
    collection: migration.collection,
    source: deps.source,
    status: 'running',
    waves: settings.waves,
    wave: 0,
    actor,
    createdAt: now,
    updatedAt: registeredAt,
    details: json({ settings, plan: plan.counts, registered: unregistered.length, registeredAt, digestsBefore: digests, waves: [], failures: [] }),
  };
  await deps.runs.createRun(record);
  return record;
}

/** Refuses, before anything runs, a gate check this runner cannot carry out. */
function requireGateChecks(deps: RunDependencies, checks: readonly GateCheckSpec[]): void {
  for (const check of checks) {
    if (!deps.gateChecks?.[check.kind]) {
      throw new StableIdError('INVALID_ARGUMENT', `the run's gates carry out a "${check.kind}" check, which this runner does not provide`, { field: 'checks', kind: check.kind });
    }
  }
}

export const bindingStore = (deps: Pick<RunDependencies, 'migration' | 'source'>): string => deps.migration.bindingStore ?? deps.source;

/** What every batch of a wave needs, in the runner's process or a worker's. */
export function batchContext(
  deps: Pick<RunDependencies, 'registry' | 'runs' | 'collection' | 'migration' | 'source'>,
  formats: SchemeFormats,
  run: RunRecord,
  wave: number,
  fence: () => Fence,
  confirm: () => Promise<void>,
): BatchContext {
  return {
    run: run.id,
    registry: deps.registry,
    runs: deps.runs,
    collection: deps.collection,
    migration: deps.migration,
    formats,
    bindingStore: bindingStore(deps),
    inWave: (identifier) => inWaves(identifier, run.waves, wave),
    fence,
    confirm,
    actor: run.actor,
  };
}

/** A JSON value from a plain object built here (digests, counts, settings). */
export const json = (value: unknown): JsonObject => JSON.parse(JSON.stringify(value)) as JsonObject;

class WaveRunner {
  readonly #deps: RunDependencies;
  readonly #formats: SchemeFormats;
  readonly #lease: HeldLease;
  readonly #options: RunOptions;
  readonly #clock: () => Date;
  #run: RunRecord;

  constructor(deps: RunDependencies, formats: SchemeFormats, run: RunRecord, lease: HeldLease, options: RunOptions, clock: () => Date) {
    this.#deps = deps;
    this.#formats = formats;
    this.#run = run;
    this.#lease = lease;
    this.#options = options;
    this.#clock = clock;
  }

  async run(): Promise<RunRecord> {
    await this.#update({ status: 'running' });
    for (let wave = this.#run.wave; wave < this.#run.waves.length; wave++) {
      if (wave !== this.#run.wave) await this.#update({ wave });
      const fresh = (await this.#deps.runs.checkpoints(this.#run.id, wave)).length === 0;
      if (fresh && !(await this.#hook('beforeWave', wave))) await this.#fail(wave, ['the beforeWave hook failed'], []);
      const counts = await this.#wave(wave);
      if (counts === null) return this.#run;
      const gate = await this.#gate(counts);
      if (gate.result.ok) gate.result = await this.#checks(wave, gate.result);
      if (gate.result.ok && !(await this.#hook('afterWave', wave))) {
        gate.result = { ...gate.result, ok: false, reasons: [...gate.result.reasons, 'the afterWave hook failed'] };
      }
      const record: WaveRecord = { wave: wave + 1, percent: this.#run.waves[wave] ?? 100, counts, digest: gate.digest, gate: gate.result, finishedAt: this.#clock().toISOString() };
      const waves = [...((this.#run.details['waves'] as JsonValue[] | undefined) ?? []), json(record)];
      if (!gate.result.ok) await this.#fail(wave, gate.result.reasons, waves);
      const last = wave === this.#run.waves.length - 1;
      const stopAtGate = !last && runSettings(this.#run).gate === 'manual';
      // The wave's record and the move to the next wave in one write: a crash between them would gate the wave twice.
      await this.#update({
        status: last ? 'completed' : stopAtGate ? 'gated' : 'running',
        wave: last || stopAtGate ? wave : wave + 1,
        details: { ...this.#run.details, waves, ...(last ? { finishedAt: this.#clock().toISOString() } : {}) },
      });
      if (last) await this.#hook('success', wave);
      if (stopAtGate) return this.#run;
    }
    return this.#run;
  }

  /** Stops the run as failed: recorded, the failure hook told, GATE_FAILED thrown. */
  async #fail(wave: number, reasons: readonly string[], waves: readonly JsonValue[]): Promise<never> {
    const details = { ...this.#run.details, ...(waves.length > 0 ? { waves: [...waves] } : {}), failure: json({ code: 'GATE_FAILED', wave: wave + 1, reasons }) };
    await this.#update({ status: 'failed', details });
    await this.#hook('failure', wave);
    throw new StableIdError('GATE_FAILED', `the gate of wave ${wave + 1} of run ${this.#run.id} failed: ${reasons.join('; ')}`, { run: this.#run.id, wave: wave + 1 });
  }

  /** Runs the hook for the event, if any, and records what it did; false when it failed. */
  async #hook(event: HookEvent, wave: number): Promise<boolean> {
    const command = { ...this.#deps.migration.hooks, ...this.#options.hooks }[event];
    if (!command) return true;
    const result = await runHook(event, command, { run: this.#run.id, migration: this.#run.migration, wave: wave + 1, payload: { run: this.#run, wave: wave + 1 } });
    const kept = ((this.#run.details['hooks'] as JsonValue[] | undefined) ?? []).slice(-49);
    await this.#update({ details: { ...this.#run.details, hooks: [...kept, json(result)] } });
    return result.exitCode === 0;
  }

  /**
   * One wave, partition by partition from its checkpoints — in this process,
   * or split between worker processes — and its counts; null when the run was
   * paused or aborted meanwhile.
   */
  async #wave(wave: number): Promise<BatchCounts | null> {
    const { collection, runs } = this.#deps;
    const run = this.#run.id;
    const total = await collection.count();
    const partitions = await this.#partitions(wave);
    const counts = emptyCounts();
    for (const checkpoint of await runs.checkpoints(run, wave)) add(counts, checkpoint.counts as unknown as BatchCounts);
    const onBatch = async (batch: BatchCounts, failures: readonly { key: string; reason: string }[]): Promise<void> => {
      add(counts, batch);
      await this.#noteFailures(failures);
      this.#options.onProgress?.({ run, wave: wave + 1, waves: this.#run.waves.length, done: counts.seen, total, written: counts.written, failed: counts.failed });
    };
    const workers = Math.min(this.#options.workers ?? 1, partitions.length);
    const finished =
      workers > 1
        ? await runInWorkers(this.#workerSpec(wave), partitions, workers, onBatch, () => this.#lease.check())
        : await this.#inProcess(wave, partitions, onBatch);
    if (!finished) return null;
    // The counts as checkpointed, which is what a resumed wave starts from too.
    const recorded = emptyCounts();
    for (const checkpoint of await runs.checkpoints(run, wave)) add(recorded, checkpoint.counts as unknown as BatchCounts);
    return recorded;
  }

  async #inProcess(wave: number, partitions: readonly Partition[], onBatch: PartitionJob['onBatch']): Promise<boolean> {
    const checkpoints = new Map((await this.#deps.runs.checkpoints(this.#run.id, wave)).map((c) => [c.partition, c]));
    const job: PartitionJob = {
      runs: this.#deps.runs,
      run: this.#run.id,
      wave,
      collection: this.#deps.collection,
      context: batchContext(this.#deps, this.#formats, this.#run, wave, () => this.#lease.fence, () => this.#lease.confirm()),
      current: async () => ((await this.#stopped()) ? null : this.#run),
      pace: (run) => runSettings(run),
      check: () => this.#lease.check(),
      onBatch,
    };
    for (const partition of partitions) {
      if (!(await runPartition(job, partition, checkpoints.get(partition.id)))) return false;
    }
    return true;
  }

  /** The wave's key ranges: split once, when the wave starts, and kept on the run so that a resume walks the same ones. */
  async #partitions(wave: number): Promise<Partition[]> {
    const recorded = (this.#run.details['partitions'] ?? {}) as Record<string, unknown>;
    const known = recorded[String(wave)];
    if (Array.isArray(known)) return known as unknown as Partition[];
    const partitions = await this.#deps.collection.partitions(Math.max(1, this.#options.workers ?? 1));
    await this.#update({ details: { ...this.#run.details, partitions: { ...recorded, [String(wave)]: json(partitions) as unknown as JsonValue } as JsonObject } });
    return partitions;
  }

  #workerSpec(wave: number): WorkerSpec {
    const references = this.#deps.references;
    if (!references) {
      throw new StableIdError('INVALID_ARGUMENT', 'workers run in processes of their own: they need the registry, the source and the migration module named (as the CLI does)', { field: 'workers' });
    }
    return { ...references, run: this.#run.id, wave, fence: this.#lease.fence, lease: this.#lease.lease, leaseMs: this.#lease.ttlMs, actor: this.#run.actor, workers: this.#options.workers ?? 1 };
  }

  /** Whether `migrate pause` or `abort` stopped the run; picks up `migrate set` on the way. */
  async #stopped(): Promise<boolean> {
    const current = await this.#deps.runs.getRun(this.#run.id);
    if (current) this.#run = current;
    return this.#run.status === 'paused' || this.#run.status === 'aborted';
  }

  async #noteFailures(failures: readonly { key: string; reason: string }[]): Promise<void> {
    if (failures.length === 0) return;
    const kept = (this.#run.details['failures'] as JsonValue[] | undefined) ?? [];
    if (kept.length >= MAX_FAILURES_KEPT) return;
    await this.#update({ details: { ...this.#run.details, failures: [...kept, ...json(failures.slice(0, MAX_FAILURES_KEPT - kept.length) as unknown as JsonObject) as unknown as JsonValue[]] } });
  }

  /**
   * The gate: the identifiers of the whole collection, resolved through the
   * registry, must be exactly those before the run — each present once, each
   * with the same entity — and the failures within the error budget.
   */
  async #gate(counts: BatchCounts): Promise<{ result: GateResult; digest: SetDigest }> {
    const { registry, collection, migration } = this.#deps;
    const before = (this.#run.details['digestsBefore'] as unknown as CollectionDigests).identifiers;
    const after = (await digestCollection(registry, collection, migration, this.#formats)).identifiers;
    const reasons: string[] = [];
    const settings = runSettings(this.#run);
    const failed = totalFailed(this.#run) + counts.failed;
    if (failed > settings.errorBudget) reasons.push(`${failed} document(s) failed, over the error budget of ${settings.errorBudget}`);
    const differing = differingRanges(before, after);
    if (differing.length === 0) return { result: { ok: reasons.length === 0, reasons, duplicated: [], missing: [] }, digest: after };
    // Narrow down: the members of the differing ranges now, against what the run's before-images say was there.
    const found = new Map<string, string[]>();
    await digestCollection(registry, collection, migration, this.#formats, { ranges: new Set(differing), found });
    const duplicated = [...found].filter(([, keys]) => keys.length > 1).map(([item, keys]) => ({ item, keys }));
    const missing = await this.#missing(new Set(differing), found);
    reasons.push(
      `identifiers differ from before the run in ${differing.length} digest range(s) (count ${before.count} before, ${after.count} now)` +
        `${duplicated.length > 0 ? `; ${duplicated.length} carried by more than one document` : ''}${missing.length > 0 ? `; ${missing.length} missing` : ''}`,
    );
    return { result: { ok: false, reasons, duplicated, missing }, digest: after };
  }

  /** The run's extra gate checks, in order, once the gate's own passed; any failure fails the gate. */
  async #checks(wave: number, passed: GateResult): Promise<GateResult> {
    const specs = runSettings(this.#run).checks;
    if (specs.length === 0) return passed;
    const checks: (GateCheckResult & { kind: string })[] = [];
    for (const spec of specs) {
      const check = this.#deps.gateChecks?.[spec.kind] as GateCheck;
      checks.push({ kind: spec.kind, ...(await check(spec, { registry: this.#deps.registry, run: this.#run, wave })) });
    }
    const reasons = [...passed.reasons, ...checks.flatMap((check) => check.reasons)];
    return { ...passed, ok: checks.every((check) => check.ok), reasons, checks };
  }

  /** Identifiers the run's before-images held in the given ranges that no document carries now. */
  async #missing(ranges: ReadonlySet<number>, found: ReadonlyMap<string, string[]>): Promise<string[]> {
    const { runs, registry, migration } = this.#deps;
    const { scheme, field } = migration.identifier;
    const missing: string[] = [];
    let cursor: string | null = null;
    for (;;) {
      const images = await runs.beforeImages(this.#run.id, cursor, 1000);
      if (images.length === 0) return missing;
      const carried = images.flatMap((image) => {
        const raw = getField(image.before, field);
        const value = typeof raw === 'string' ? canonicalIdentifier(this.#formats, scheme, raw) : null;
        return value === null ? [] : [{ key: image.key, value }];
      });
      const resolved = await registry.resolveMany(migration.namespace, carried.map(({ value }) => ({ scheme, value })));
      carried.forEach(({ key, value }, index) => {
        const result = resolved[index];
        const item = identifierItem(scheme, value, result?.ok ? result.result.entity : null);
        if (ranges.has(rangeOf(item)) && !found.has(item)) missing.push(`${scheme} ${value} (document ${JSON.stringify(key)} before the run)`);
      });
      cursor = images.at(-1)?.key ?? null;
    }
  }

  async #update(change: Partial<Pick<RunRecord, 'status' | 'wave' | 'details'>>): Promise<void> {
    const next = { status: change.status ?? this.#run.status, wave: change.wave ?? this.#run.wave, details: change.details ?? this.#run.details, updatedAt: this.#clock().toISOString() };
    await this.#deps.runs.updateRun(this.#run.id, next);
    this.#run = { ...this.#run, ...next };
  }
}

function add(into: BatchCounts, from: Partial<BatchCounts>): void {
  into.seen += from.seen ?? 0;
  into.written += from.written ?? 0;
  into.skipped += from.skipped ?? 0;
  into.conflicts += from.conflicts ?? 0;
  into.failed += from.failed ?? 0;
}

function totalFailed(run: RunRecord): number {
  const waves = (run.details['waves'] as unknown as WaveRecord[] | undefined) ?? [];
  return waves.reduce((sum, wave) => sum + wave.counts.failed, 0);
}
