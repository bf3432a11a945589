import type { Command } from 'commander';
import { StableIdError } from '../../model/errors.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_PROBE_SIZE,
  type Probe,
  type ProbeReport,
  type ProbeTarget,
  RegistryTarget,
  SdkTarget,
  ServiceTarget,
  ShimTarget,
  type TargetReport,
  describeFailure,
  failedCount,
  failureName,
  parseInterval,
  probeFailedError,
  readProbeFile,
  recordProbe,
  replayProbe,
  runSchedule,
  writeProbeFile,
} from '../../probe/index.js';
import type { CliContext } from '../cli-context.js';
import { ReportedError } from './reads.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function wholeNumber(option: string, text: string, min: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) throw new StableIdError('INVALID_ARGUMENT', `${option} must be a whole number >= ${min}, got ${JSON.stringify(text)}`, { field: option });
  return n;
}

interface RecordOptions {
  ns: string[];
  size: string;
  seed?: string;
}

interface RunOptions {
  ns: string[];
  registry?: boolean;
  service?: string;
  sdk: string[];
  shim?: string;
  token?: string;
  concurrency: string;
  timeout: string;
  every?: string;
  times?: string;
}

export function addProbeCommands(program: Command, cli: CliContext): void {
  const probe = program
    .command('probe')
    .description('a synthetic client: record a sample of identifiers with their entities, replay it through the registry, the service, the SDK or a shim, and report every one that changed');

  probe
    .command('record <file>')
    .description('record a sample of identifiers of every scheme and state, spread over the key space, with the entity each resolves to now')
    .option('--ns <namespace>', 'record from this namespace only (repeatable; default: every namespace)', collect, [])
    .option('--size <n>', 'the most identifiers recorded per namespace', String(DEFAULT_PROBE_SIZE))
    .option('--seed <text>', 'picks the sample: the same seed over the same registry picks the same identifiers (default: random, kept in the file)')
    .addHelpText(
      'after',
      `
The file is NDJSON: a header line, then one line per identifier with its
namespace, scheme, value, entity, state and whether it resolves without its scheme.

Examples:
  $ stableid probe record probe.ndjson
  $ stableid probe record probe.ndjson --ns order --ns customer --size 500 --seed nightly`,
    )
    .action(async (file: string, opts: RecordOptions) => {
      const recorded = await recordProbe(cli.registry(), {
        namespaces: opts.ns,
        size: wholeNumber('--size', opts.size, 1),
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      });
      await writeProbeFile(file, recorded);
      cli.print(() => renderRecorded(file, recorded), { file, ...recorded.header, records: recorded.records.length });
    });

  probe
    .command('run <file>')
    .description('replay a probe and report every identifier no longer recognized or resolving to another entity, with latency figures')
    .option('--registry', 'replay through the registry of --db (the default when no other target is named)')
    .option('--service <url>', 'replay through the service at this base URL, one GET per identifier')
    .option('--sdk <url>', 'replay through the client SDK with this endpoint, its cache off (repeatable: failover endpoints)', collect, [])
    .option('--shim <template>', 'replay through a shimmed endpoint, e.g. http://orders.internal/orders/{value} (also {namespace}, {scheme})')
    .option('--token <token>', 'API token for --service, --sdk and --shim (default: $STABLEID_TOKEN)')
    .option('--ns <namespace>', 'replay only the identifiers of this namespace (repeatable)', collect, [])
    .option('--concurrency <n>', 'lookups in flight at once per target', String(DEFAULT_CONCURRENCY))
    .option('--timeout <ms>', 'how long one HTTP lookup may take', '5000')
    .option('--every <interval>', 'replay on a schedule, e.g. 30s, 5m, 1h: one line per round, until --times rounds or SIGINT/SIGTERM')
    .option('--times <n>', 'with --every: stop after this many rounds')
    .addHelpText(
      'after',
      `
An identifier fails when a target no longer recognizes it (missing), resolves it to
another entity than recorded (changed), or gives no answer (error). A shimmed
endpoint recognizes an identifier with a 2xx answer and not with 404 or 410; when it
names the entity in a StableId-Entity header, that entity is compared too.
Exit code 0 when every identifier passed on every target (in every round), 6 otherwise.

Examples:
  $ stableid probe run probe.ndjson
  $ stableid probe run probe.ndjson --service http://ids:8080 --sdk http://ids:8080 --token "$TOKEN"
  $ stableid probe run probe.ndjson --ns order --shim 'http://orders.internal/orders/{value}'
  $ stableid probe run probe.ndjson --service http://ids:8080 --every 5m --json >> probe.log`,
    )
    .action(async (file: string, opts: RunOptions) => {
      const recorded = await readProbeFile(file);
      const concurrency = wholeNumber('--concurrency', opts.concurrency, 1);
      const everyMs = opts.every === undefined ? undefined : parseInterval(opts.every);
      const times = opts.times === undefined ? undefined : wholeNumber('--times', opts.times, 1);
      if (times !== undefined && everyMs === undefined) throw new StableIdError('INVALID_ARGUMENT', '--times counts the rounds of --every; name the interval too', { field: 'times' });
      if (opts.ns.length > 0 && !recorded.records.some((record) => opts.ns.includes(record.namespace))) {
        cli.note(`stableid: the probe holds no identifier of ${opts.ns.join(', ')}; nothing to replay`);
      }
      const targets = openTargets(cli, opts);
      try {
        const replay = (): Promise<ProbeReport> => replayProbe(recorded, targets, { namespaces: opts.ns, concurrency });
        if (everyMs === undefined) {
          const report = await replay();
          cli.print(() => renderReport(report), report);
          if (!report.ok) throw new ReportedError(probeFailedError(report));
          return;
        }
        await runScheduled(cli, replay, everyMs, times);
      } finally {
        await Promise.all(targets.map((target) => target.close()));
      }
    });
}

function openTargets(cli: CliContext, opts: RunOptions): ProbeTarget[] {
  const token = opts.token ?? cli.io.env['STABLEID_TOKEN'];
  const timeoutMs = wholeNumber('--timeout', opts.timeout, 1);
  const http = { ...(token ? { token } : {}), timeoutMs };
  const remote = opts.service !== undefined || opts.sdk.length > 0 || opts.shim !== undefined;
  return [
    ...(opts.registry || !remote ? [new RegistryTarget(cli.registry())] : []),
    ...(opts.service !== undefined ? [new ServiceTarget({ url: opts.service, ...http })] : []),
    ...(opts.sdk.length > 0 ? [new SdkTarget({ endpoints: opts.sdk, ...http })] : []),
    ...(opts.shim !== undefined ? [new ShimTarget({ template: opts.shim, ...http })] : []),
  ];
}

/** Rounds until --times or a signal: a line per round (a JSON line with --json); PROBE_FAILED at the end when any round failed. */
async function runScheduled(cli: CliContext, replay: () => Promise<ProbeReport>, everyMs: number, times: number | undefined): Promise<void> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  for (const signal of signals) process.on(signal, onSignal);
  let lastFailed: ProbeReport | null = null;
  let failedRounds = 0;
  let rounds = 0;
  try {
    rounds = await runSchedule({
      everyMs,
      ...(times !== undefined ? { times } : {}),
      signal: stop.signal,
      round: replay,
      onRound: (report, n) => {
        if (!report.ok) {
          lastFailed = report;
          failedRounds += 1;
        }
        cli.io.stdout.write(cli.json ? `${JSON.stringify({ round: n, ...report })}\n` : `${renderRound(report, n)}\n`);
      },
    });
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
  }
  cli.note(`stableid: ${rounds} round(s), ${failedRounds} failed${stop.signal.aborted ? '; stopped by a signal' : ''}`);
  if (lastFailed) throw new ReportedError(probeFailedError(lastFailed));
}

const ms = (value: number): string => `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;

function renderRecorded(file: string, probe: Probe): string {
  const { header, records } = probe;
  const namespaces = Object.entries(header.namespaces);
  const lines = [`recorded ${records.length} identifier(s) of ${namespaces.length} namespace(s) into ${file} (seed ${header.seed}, at most ${header.size} per namespace)`];
  for (const [name, sample] of namespaces) {
    const schemes = Object.entries(sample.schemes).map(([scheme, s]) => `${scheme} ${s.recorded} of ${s.identifiers}`);
    lines.push(`  ${name.padEnd(12)} ${sample.recorded} of ${sample.identifiers}${schemes.length > 0 ? `: ${schemes.join(', ')}` : ''}`);
  }
  if (records.length === 0) lines.push('  the sample is empty: the registry holds no identifiers in these namespaces');
  return lines.join('\n');
}

function targetLine(target: TargetReport): string {
  const l = target.latencyMs;
  const state = target.stateChanged > 0 ? ` (${target.stateChanged} changed state since recorded)` : '';
  return (
    `${target.ok ? 'ok  ' : 'FAIL'} ${target.target.padEnd(8)} ${target.description}: ${target.checked} checked, ${target.passed} passed${state}, ` +
    `${target.missing} missing, ${target.changed} changed, ${target.errors} errors; latency p50 ${ms(l.p50)}, p95 ${ms(l.p95)}, p99 ${ms(l.p99)}, max ${ms(l.max)}`
  );
}

/** The whole report: a line per target, then its failing identifiers. */
function renderReport(report: ProbeReport, limit = 50): string {
  const lines = [`probe recorded ${report.recordedAt}: ${report.records} identifier(s) replayed through ${report.targets.length} target(s)`];
  for (const target of report.targets) {
    lines.push(targetLine(target));
    for (const failure of target.failures.slice(0, limit)) lines.push(`  ${failure.kind.padEnd(7)} ${describeFailure(failure)}`);
    if (failedCount(target) > limit) lines.push(`  ... and ${failedCount(target) - limit} more`);
  }
  lines.push(report.ok ? 'ok: every identifier resolves as recorded' : `FAILED: ${report.targets.filter((t) => !t.ok).map((t) => `${failedCount(t)} on ${t.target}`).join(', ')}`);
  return lines.join('\n');
}

/** One round in a line: each target's passes and p95, and the first failing identifiers. */
function renderRound(report: ProbeReport, n: number): string {
  const targets = report.targets.map((t) => {
    const failed = t.ok ? '' : ` (${t.missing} missing, ${t.changed} changed, ${t.errors} errors: ${t.failures.slice(0, 3).map((f) => `${failureName(f)} ${f.kind}`).join(', ')}${failedCount(t) > 3 ? ', …' : ''})`;
    return `${t.target} ${t.passed}/${t.checked}${failed} p95 ${ms(t.latencyMs.p95)}`;
  });
  return `${report.startedAt} round ${n}: ${report.ok ? 'ok' : 'FAILED'}; ${targets.join('; ')}`;
}
