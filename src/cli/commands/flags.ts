import type { Command } from 'commander';
import type { Stage } from '../../model/flags.js';
import type { NamespaceFlags } from '../../registry/operations/flags.js';
import type { CliContext } from '../cli-context.js';

/** A whole number as typed; anything else reaches the registry as NaN, which refuses it with INVALID_ARGUMENT. */
const percentOf = (text: string): number => (/^\s*-?\d+\s*$/.test(text) ? Number(text) : Number.NaN);

function renderFlags(flags: NamespaceFlags): string {
  const lines: string[] = [];
  if (flags.stages.length === 0) lines.push(`${flags.namespace}: no stage flags (every consumer is off)`);
  else lines.push(`${flags.namespace} stages:`);
  for (const flag of flags.stages) lines.push(`  ${flag.consumer.padEnd(16)} ${flag.stage.padEnd(9)} ${String(flag.percent).padStart(3)}%   (${flag.stages.join(' → ')})`);
  if (flags.exposure.length === 0) lines.push(`${flags.namespace}: no exposure flags (every scheme is shown to every consumer)`);
  else lines.push(`${flags.namespace} exposure:`);
  for (const flag of flags.exposure) lines.push(`  ${flag.scheme.padEnd(12)} ${flag.consumer.padEnd(16)} ${String(flag.percent).padStart(3)}%`);
  return lines.join('\n');
}

/** `flags show`, `flags stage` and `flags expose`: a namespace's transition stages and exposure flags, kept as audited events. */
export function addFlagCommands(program: Command, cli: CliContext): void {
  const flags = program
    .command('flags')
    .description('transition stages (off → dualwrite → shadow → live → rampdown → complete) and scheme exposure, per namespace and consumer');

  flags
    .command('show <namespace>')
    .description('the stage flag of each consumer and the exposure flag of each scheme and consumer')
    .addHelpText('after', '\nExamples:\n  $ stableid flags show order\n  $ stableid flags show order --json')
    .action(async (namespace: string) => {
      const result = await cli.registry().flags(namespace);
      cli.print(() => renderFlags(result), result);
    });

  flags
    .command('stage <namespace> <consumer> <stage>')
    .description('set the transition stage of a consumer (`*`: every consumer without its own); a skip or a move back needs --reason')
    .option('--percent <n>', 'the share of identifiers (0–100, by deterministic bucket) in this stage; the rest stay in the stage before it', '100')
    .option('--stages <list>', 'the stages the migration uses, comma-separated, from off to complete (default: as before, else all six)')
    .addHelpText(
      'after',
      '\nStages advance one at a time; skipping one or going back is allowed, and recorded, only with --reason.\n\n' +
        'Examples:\n' +
        '  $ stableid flags stage order billing dualwrite\n' +
        '  $ stableid flags stage order billing shadow --percent 10\n' +
        "  $ stableid flags stage order '*' live --stages off,dualwrite,live,complete\n" +
        '  $ stableid flags stage order billing dualwrite --reason "shadow reads disagree on 2% of orders"',
    )
    .action(async (namespace: string, consumer: string, stage: string, opts: { percent: string; stages?: string }) => {
      const { flag, seq, move } = await cli.registry().setStage(
        {
          namespace,
          consumer,
          stage: stage as Stage,
          percent: percentOf(opts.percent),
          ...(opts.stages === undefined ? {} : { stages: opts.stages.split(',').map((s) => s.trim()) as Stage[] }),
        },
        cli.call(),
      );
      const what = `${namespace}/${consumer}: ${flag.stage} at ${flag.percent}%`;
      cli.print(seq === null ? `${what}: already so, nothing written` : `${what} (${move}, event ${seq})`, { flag, seq, move });
    });

  flags
    .command('expose <namespace> <scheme> <consumer>')
    .description("set whether a consumer (`*`: every consumer without its own) is shown a scheme's identifiers in resolve and translate")
    .requiredOption('--percent <n>', '0 hides the scheme, 100 shows it; in between, the identifiers in that share of buckets')
    .addHelpText('after', "\nExamples:\n  $ stableid flags expose order v2 '*' --percent 0\n  $ stableid flags expose order v2 billing --percent 25\n  $ stableid flags expose order v2 billing --percent 100")
    .action(async (namespace: string, scheme: string, consumer: string, opts: { percent: string }) => {
      const { flag, seq } = await cli.registry().setExposure({ namespace, scheme, consumer, percent: percentOf(opts.percent) }, cli.call());
      const what = `${namespace}/${scheme} shown to ${consumer}: ${flag.percent}%`;
      cli.print(seq === null ? `${what}: already so, nothing written` : `${what} (event ${seq})`, { flag, seq });
    });
}
