import type { Command } from 'commander';
import { Option } from 'commander';
import { importFile } from '../../import/import-file.js';
import type { CliContext } from '../cli-context.js';
import { createProgress } from '../progress.js';
import { renderBatch } from '../render.js';
import { ReportedError } from './reads.js';

export function addImportCommand(program: Command, cli: CliContext): void {
  program
    .command('import <file>')
    .description('bulk register, alias, rebind, deprecate, archive or erase from an NDJSON or CSV file, in one transaction')
    .option('--ns <namespace>', 'namespace for lines that name none')
    .option('--scheme <scheme>', 'scheme for register/alias lines that name none')
    .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(['ndjson', 'csv']))
    .option('--continue-on-error', 'write the good lines and report the rejected ones, instead of writing nothing')
    .addHelpText(
      'after',
      `
Lines (NDJSON; "op" defaults to register, "namespace" to --ns, "scheme" to --scheme):
  {"value":"ORD-000001","binding":{"store":"docs","collection":"orders","key":"1"}}
  {"op":"alias","from":{"value":"ORD-000001"},"scheme":"v2","value":"ord_01h455vb4pex5vsknk084sn02q"}
  {"op":"rebind","identifier":{"value":"ORD-000001"},"binding":{"store":"docs","collection":"orders_v2","key":"x"}}
  {"op":"deprecate","identifier":{"value":"ORD-000001"},"sunset":"2027-06-30"}

CSV: a header row naming any of op, namespace, scheme, value, store, collection, key,
from_scheme, from_value, identifier_scheme, identifier_value, migration, sunset.

Examples:
  $ stableid import legacy.ndjson --ns order --scheme v1
  $ stableid import orders.csv --ns order --continue-on-error --json`,
    )
    .action(async (file: string, opts: { ns?: string; scheme?: string; format?: 'ndjson' | 'csv'; continueOnError?: boolean }) => {
      let progress: ReturnType<typeof createProgress> | undefined;
      let report;
      try {
        report = await importFile(cli.registry(), {
          path: file,
          ...(opts.format ? { format: opts.format } : {}),
          ...(opts.ns ? { namespace: opts.ns } : {}),
          ...(opts.scheme ? { scheme: opts.scheme } : {}),
          continueOnError: opts.continueOnError === true,
          ...cli.call(),
          onProgress: (p) => {
            if (cli.json) return;
            progress ??= createProgress({ label: 'import', total: p.total, stream: cli.io.stderr as NodeJS.WriteStream });
            progress.update(p.done, p.failed);
          },
        });
      } finally {
        progress?.finish();
      }
      cli.print(() => renderBatch(report), { ...report, failures: report.failures.map((f) => ({ index: f.index, line: f.line, error: f.error.toJSON() })) });
      const first = report.failures[0];
      if (first) throw new ReportedError(first.error);
    });
}
