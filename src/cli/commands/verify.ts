import type { Command } from 'commander';
import { StableIdError } from '../../model/errors.js';
import type { CliContext } from '../cli-context.js';
import { renderVerify } from '../render.js';
import { ReportedError } from './reads.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function addVerifyCommand(program: Command, cli: CliContext): void {
  program
    .command('verify')
    .description('recompute every hash chain, check stored values against their commitments, rebuild the projections and compare')
    .option('--ns <namespace>', 'verify only this namespace (repeatable)', collect, [])
    .addHelpText(
      'after',
      '\nExit code 0 when everything matches, 6 at the first divergence (reported with namespace, seq and row).\n\nExamples:\n  $ stableid verify\n  $ stableid verify --ns order --json',
    )
    .action(async (opts: { ns: string[] }) => {
      const report = await cli.registry().verify(opts.ns.length > 0 ? opts.ns : undefined);
      cli.print(() => renderVerify(report), report);
      if (!report.ok && report.first) {
        throw new ReportedError(
          new StableIdError('VERIFY_FAILED', report.first.message, { namespace: report.first.namespace, seq: report.first.seq ?? undefined, table: report.first.table }),
        );
      }
    });
}
