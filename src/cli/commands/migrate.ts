import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { abortRun, pauseRun, resumeRun, setRunPace } from '../../migrate/control.js';
import { type Hooks, parseHook } from '../../migrate/hooks.js';
import { loadMigration } from '../../migrate/load.js';
import { planMigration } from '../../migrate/plan.js';
import { rollbackRun } from '../../migrate/rollback.js';
import { type RunDependencies, type RunOptions, continueRun, requireRun, runMigration } from '../../migrate/runner.js';
import type { RunRecord } from '../../migrate/runs/run-store.js';
import { DEFAULT_WAVES, parseWaves } from '../../migrate/waves.js';
import { StableIdError } from '../../model/errors.js';
import { PROBE_GATE, probeGateCheck, probeGateSpec, readProbeFile } from '../../probe/index.js';
import type { CliContext } from '../cli-context.js';
import { createProgress } from '../progress.js';
import { renderPlan } from '../render-plan.js';
import { renderRollback, renderRun, renderRuns } from '../render-run.js';
import { ReportedError } from './reads.js';

/** What every command that runs a migration needs: the module, the source, the registry and the run records. */
async function dependencies(cli: CliContext, module: string, sourceRef: string | undefined): Promise<RunDependencies> {
  const migration = await loadMigration(module);
  const source = await cli.source(sourceRef);
  return {
    registry: cli.registry(),
    runs: cli.runs(),
    collection: await source.collection(migration.collection),
    source: source.description,
    migration,
    // A run whose settings name the probe check carries it out, however it is resumed.
    gateChecks: { [PROBE_GATE]: probeGateCheck },
    // Worker processes open the same three for themselves.
    references: { registry: resolveReference(cli.database()), source: resolveReference(cli.sourceReference(sourceRef)), module: resolve(module) },
  };
}

/** A file reference made absolute (a worker may start elsewhere); URLs and :memory: as given. */
const resolveReference = (reference: string): string => (/^[a-z][a-z0-9+.-]*:\/\//i.test(reference) || reference.startsWith(':') ? reference : resolve(reference.replace(/^sqlite:/, '')));

/** A progress bar (or plain lines) for a run's waves, unless --json. */
function runProgress(cli: CliContext): { options: Pick<RunOptions, 'onProgress'>; finish: () => void } {
  let progress: ReturnType<typeof createProgress> | undefined;
  let wave = 0;
  return {
    options: {
      onProgress: (p) => {
        if (cli.json) return;
        if (p.wave !== wave) {
          progress?.finish();
          wave = p.wave;
          progress = createProgress({ label: `wave ${p.wave}/${p.waves}`, total: p.total, stream: cli.io.stderr as NodeJS.WriteStream });
        }
        progress?.update(p.done, p.failed);
      },
    },
    finish: () => progress?.finish(),
  };
}

/** `--hook event=command`, repeatable. */
const hookOption = (): Option =>
  new Option('--hook <event=command>', 'run a shell command on beforeWave, afterWave, success, failure or rollback, with the run status as JSON on stdin (repeatable)')
    .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value])
    .default([]);

function hooksOf(values: readonly string[] | undefined): Hooks {
  return Object.fromEntries((values ?? []).map(parseHook));
}

function runJson(run: RunRecord): unknown {
  return run;
}

export function addMigrateCommands(program: Command, cli: CliContext): void {
  const migrate = program.command('migrate').description('move and reshape the documents that carry external identifiers, in verified steps');

  migrate
    .command('plan <module>')
    .description('dry run: run the migration on every document (or a sample) with writes captured, and report counts, diffs, the identifier diff and every problem')
    .option('--source <ref>', 'the data store holding the collection: a SQLite file, postgres://…, redis://… or dynamodb://… (default: $STABLEID_SOURCE)')
    .option('--sample <n>', 'plan on the first n documents only')
    .option('--diffs <n>', 'how many before/after diffs to show', '5')
    .option('--out <file>', 'write the full identifier diff (old → new, per document) as NDJSON')
    .addHelpText(
      'after',
      `
A migration module default-exports defineMigration({ id, namespace, collection,
identifier: { field, scheme }, transform, key?, add? }) — see the README.
The plan exits 0 when a run could start, 5 when it found problems.

Examples:
  $ stableid migrate plan migrations/orders-v2.js --source ./app.db
  $ stableid migrate plan migrations/orders-v2.js --source postgres://app@db/app --sample 1000 --out plan.ndjson`,
    )
    .action(async (module: string, opts: { source?: string; sample?: string; diffs: string; out?: string }) => {
      const migration = await loadMigration(module);
      const source = await cli.source(opts.source);
      const collection = await source.collection(migration.collection);
      let progress: ReturnType<typeof createProgress> | undefined;
      let plan;
      try {
        plan = await planMigration(cli.registry(), collection, migration, {
          ...(opts.sample !== undefined ? { sample: count('--sample', opts.sample) } : {}),
          diffs: count('--diffs', opts.diffs),
          onProgress: (p) => {
            if (cli.json) return;
            progress ??= createProgress({ label: 'plan', total: p.total, stream: cli.io.stderr as NodeJS.WriteStream });
            progress.update(p.done, 0);
          },
        });
      } finally {
        progress?.finish();
      }
      if (opts.out) writeFileSync(opts.out, plan.identifierDiff.map((entry) => JSON.stringify(entry)).join('\n') + (plan.identifierDiff.length > 0 ? '\n' : ''));
      cli.print(() => renderPlan(plan, source.description), plan);
      if (!plan.ok) {
        throw new ReportedError(
          new StableIdError('MIGRATION_INVALID', `the plan of "${plan.migration}" found ${plan.problemCount} problem(s)`, { migration: plan.migration, problems: plan.problemCount }),
        );
      }
    });

  addRunCommands(migrate, cli);
}

function addRunCommands(migrate: Command, cli: CliContext): void {
  const sourceOption = (): Option => new Option('--source <ref>', 'the data store holding the collection: a SQLite file, postgres://…, redis://… or dynamodb://… (default: $STABLEID_SOURCE)');

  migrate
    .command('run <module>')
    .description('run the migration in waves, each batch checkpointed, a gate after each wave; resumes an unfinished run of the same migration')
    .addOption(sourceOption())
    .option('--waves <percents>', "cumulative percentages of the documents, e.g. 1,10,50,100 (default: the migration's settings.waves, else 1,10,50,100)")
    .option('--batch-size <n>', 'a fixed batch size (default: adapts to --batch-time)')
    .option('--batch-time <ms>', 'target time per batch', '500')
    .option('--max-rate <n>', 'at most n documents per second')
    .option('--gate <kinds>', 'auto: go on when a gate passes; manual: stop at each gate until `migrate continue`; probe: also replay --probe at each gate (e.g. manual,probe)', 'auto')
    .option('--probe <file>', 'a probe file (`stableid probe record`) each gate replays through the registry; any identifier failing fails the gate (implies --gate probe)')
    .option('--error-budget <n>', 'documents that may fail before a gate fails the run', '0')
    .option('--workers <n>', 'processes to split each wave\'s partitions (key ranges, scan segments) between', '1')
    .addOption(hookOption())
    .addHelpText(
      'after',
      `
Before the first wave the run plans (and refuses a plan with problems), registers every
external identifier the registry lacks, and takes digests. A gate after each wave checks,
through the registry, that every external identifier is still there exactly once with the
same entity, and that failures stay within the error budget; with --probe, that every
identifier of the probe still resolves to its recorded entity.

Examples:
  $ stableid migrate run migrations/orders-v2.js --source ./app.db
  $ stableid migrate run migrations/orders-v2.js --source postgres://app@db/app --waves 5,100 --gate manual --max-rate 2000
  $ stableid migrate run migrations/orders-v2.js --source ./app.db --hook afterWave='./smoke-test.sh'
  $ stableid migrate run migrations/orders-v2.js --source ./app.db --gate manual,probe --probe probe.ndjson
  $ stableid migrate run migrations/orders-v2.js --source postgres://app@db/app --db postgres://app@db/app --workers 4
  $ stableid migrate run migrations/orders-v2.js --source 'redis://cache.internal:6379/0?format=hash'
  $ AWS_REGION=eu-west-1 stableid migrate run migrations/orders-v2.js --source 'dynamodb://?prefix=prod_'`,
    )
    .action(async (module: string, opts: Record<string, string | undefined> & { hook?: string[] }) => {
      const gate = await gateOf(opts['gate'] ?? 'auto', opts['probe']);
      const deps = await dependencies(cli, module, opts['source']);
      const settings = deps.migration.settings ?? {};
      const progress = runProgress(cli);
      let run: RunRecord;
      try {
        run = await runMigration(deps, {
          // Flags first, then the migration's own settings.
          waves: opts['waves'] !== undefined ? parseWaves(opts['waves']) : [...(settings.waves ?? DEFAULT_WAVES)],
          ...(opts['batchSize'] !== undefined ? { batchSize: count('--batch-size', opts['batchSize'], 1) } : settings.batchSize !== undefined ? { batchSize: settings.batchSize } : {}),
          batchTimeMs: count('--batch-time', opts['batchTime'] ?? '500', 1),
          ...(opts['maxRate'] !== undefined ? { maxRate: count('--max-rate', opts['maxRate'], 1) } : settings.maxRate !== undefined ? { maxRate: settings.maxRate } : {}),
          ...gate,
          errorBudget: count('--error-budget', opts['errorBudget'] ?? '0'),
          actor: cli.actor,
          hooks: hooksOf(opts.hook),
          workers: count('--workers', opts['workers'] ?? '1', 1),
          ...progress.options,
        });
      } finally {
        progress.finish();
      }
      cli.print(() => renderRun(run), runJson(run));
    });

  migrate
    .command('continue <run> <module>')
    .description('release a run waiting at a manual gate and run its next waves')
    .addOption(sourceOption())
    .option('--workers <n>', 'processes to split each wave\'s partitions (key ranges, scan segments) between', '1')
    .addOption(hookOption())
    .addHelpText(
      'after',
      `
Examples:
  $ stableid migrate continue run_01h455vb4pex5vsknk084sn02q migrations/orders-v2.js --source ./app.db`,
    )
    .action(async (runId: string, module: string, opts: { source?: string; hook?: string[]; workers: string }) => {
      const deps = await dependencies(cli, module, opts.source);
      const progress = runProgress(cli);
      let run: RunRecord;
      try {
        run = await continueRun(deps, runId, { actor: cli.actor, hooks: hooksOf(opts.hook), workers: count('--workers', opts.workers, 1), ...progress.options });
      } finally {
        progress.finish();
      }
      cli.print(() => renderRun(run), runJson(run));
    });

  migrate
    .command('status [run]')
    .description('the runs of a migration (or all), or one run: waves, counts, digests and the current gate')
    .option('--migration <id>', 'only the runs of this migration')
    .addHelpText(
      'after',
      `
Examples:
  $ stableid migrate status
  $ stableid migrate status --migration orders-v2 --json
  $ stableid migrate status run_01h455vb4pex5vsknk084sn02q`,
    )
    .action(async (runId: string | undefined, opts: { migration?: string }) => {
      if (runId) {
        const run = await requireRun(cli.runs(), runId);
        cli.print(() => renderRun(run), runJson(run));
        return;
      }
      const runs = await cli.runs().listRuns(opts.migration);
      cli.print(() => renderRuns(runs), runs);
    });

  for (const [name, description, change] of [
    ['pause', 'stop a running run after its current batch; `migrate resume` goes on', pauseRun],
    ['resume', 'mark a paused run to go on; run `migrate run` (or continue) to carry it on', resumeRun],
    ['abort', 'give a run up after its current batch; what it wrote stays until rolled back', abortRun],
  ] as const) {
    migrate
      .command(`${name} <run>`)
      .description(description)
      .addHelpText(
        'after',
        `
Examples:
  $ stableid migrate ${name} run_01h455vb4pex5vsknk084sn02q`,
      )
      .action(async (runId: string) => {
        const run = await change(cli.runs(), runId);
        cli.print(`run ${run.id}: ${run.status}`, runJson(run));
      });
  }

  migrate
    .command('set <run>')
    .description('change the pace of a run; taken up at its next batch')
    .option('--batch-time <ms>', 'target time per batch')
    .option('--batch-size <n>', 'a fixed batch size')
    .option('--max-rate <n>', 'at most n documents per second (0: no limit)')
    .addHelpText(
      'after',
      `
Examples:
  $ stableid migrate set run_01h455vb4pex5vsknk084sn02q --max-rate 500
  $ stableid migrate set run_01h455vb4pex5vsknk084sn02q --batch-time 250 --max-rate 0`,
    )
    .action(async (runId: string, opts: Record<string, string | undefined>) => {
      const maxRate = opts['maxRate'] === undefined ? undefined : count('--max-rate', opts['maxRate']);
      const run = await setRunPace(cli.runs(), runId, {
        ...(opts['batchTime'] !== undefined ? { batchTimeMs: count('--batch-time', opts['batchTime'], 1) } : {}),
        ...(opts['batchSize'] !== undefined ? { batchSize: count('--batch-size', opts['batchSize'], 1) } : {}),
        ...(maxRate !== undefined ? { maxRate: maxRate === 0 ? null : maxRate } : {}),
      });
      cli.print(() => renderRun(run), runJson(run));
    });

  migrate
    .command('rollback <run> <module>')
    .description('restore every document the run wrote from its before-image and every binding to its earlier version; never overwrites a later change')
    .addOption(sourceOption())
    .option('--retract', 'archive the identifiers the run added (by default they stay resolvable: clients may hold them)')
    .addOption(hookOption())
    .addHelpText(
      'after',
      `
Documents the application changed after the run wrote them are listed as conflicts and
left as they are; exit code 4 when there are any.

Examples:
  $ stableid migrate rollback run_01h455vb4pex5vsknk084sn02q migrations/orders-v2.js --source ./app.db`,
    )
    .action(async (runId: string, module: string, opts: { source?: string; retract?: boolean; hook?: string[] }) => {
      const deps = await dependencies(cli, module, opts.source);
      const report = await rollbackRun(deps, runId, { retract: opts.retract === true, actor: cli.actor, hooks: hooksOf(opts.hook) });
      cli.print(() => renderRollback(report), report);
      if (report.conflicts.length > 0) {
        throw new ReportedError(
          new StableIdError('STATE_CONFLICT', `${report.conflicts.length} document(s) changed after the run and were left as they are`, { run: runId, conflicts: report.conflicts.length }),
        );
      }
    });
}

/**
 * `--gate auto|manual[,probe]` and `--probe <file>`: whether gates stop, and
 * their extra checks. The probe file is read once here, so that a run never
 * starts with one it cannot read.
 */
async function gateOf(kinds: string, probe: string | undefined): Promise<Pick<RunOptions, 'gate' | 'checks'>> {
  const named = kinds.split(',').map((kind) => kind.trim());
  const unknown = named.find((kind) => !['auto', 'manual', 'probe'].includes(kind));
  if (unknown !== undefined || (named.includes('auto') && named.includes('manual'))) {
    throw new StableIdError('INVALID_ARGUMENT', `--gate takes auto or manual, and probe, e.g. manual,probe; got ${JSON.stringify(kinds)}`, { field: 'gate' });
  }
  if (named.includes('probe') && probe === undefined) throw new StableIdError('INVALID_ARGUMENT', '--gate probe replays a probe file: name it with --probe <file>', { field: 'probe' });
  if (probe !== undefined) await readProbeFile(probe);
  return { gate: named.includes('manual') ? 'manual' : 'auto', checks: probe === undefined ? [] : [probeGateSpec(probe)] };
}

function count(option: string, raw: string, min = 0): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new StableIdError('INVALID_ARGUMENT', `${option} must be a whole number, got ${JSON.stringify(raw)}`, { field: option });
  return n;
}
