import type { Command } from 'commander';
import { gatherMatrix } from '../../reports/gather.js';
import { readManifests } from '../../reports/manifest-files.js';
import { matrixHtml, matrixMarkdown } from '../../reports/render-matrix.js';
import { requireInstant } from '../../registry/validation.js';
import { openUsageStore } from '../../usage/open-usage-store.js';
import type { CliContext } from '../cli-context.js';
import { collect, emitReport, reportFormat, wholeNumberOption } from '../report-output.js';

const FORMATS = ['markdown', 'json', 'html'] as const;

interface MatrixOptions {
  readonly namespace: string[];
  readonly manifest: string[];
  readonly format?: string;
  readonly out?: string;
  readonly at?: string;
  readonly days: string;
  readonly usage: boolean;
}

export function addMatrixCommand(program: Command, cli: CliContext): void {
  program
    .command('matrix')
    .description('the compatibility matrix: services × schemes, from service manifests and observed use, with flags and known limitations')
    .option('--manifest <file|dir>', 'a service manifest (JSON), or a directory of them (*.json) (repeatable)', collect, [])
    .option('--namespace <name>', 'only this namespace (repeatable; default every namespace)', collect, [])
    .option('--format <format>', `${FORMATS.join(', ')} (default markdown)`)
    .option('--out <file>', 'write the report to this file instead of stdout')
    .option('--at <date>', 'judge sunsets as of this ISO date or instant, and end the usage window on its day (default now)')
    .option('--days <n>', 'days of observed use taken into account, ending on --at', '90')
    .option('--no-usage', 'declared support only: ignore usage reports')
    .addHelpText(
      'after',
      `
Observed use comes from usage reports that services send to the identity
service (POST /v1/usage, e.g. with the SDK's UsageReporter), kept beside the
registry. A manifest looks like:
  {"service": "checkout", "version": "2.3.1", "owner": "team-checkout",
   "namespaces": {"order": {"accepts": ["v1", "v2"], "emits": ["v2"],
                            "limitations": ["v1 only on /orders/legacy"]}}}

Examples:
  $ stableid matrix --manifest manifests/ > COMPATIBILITY.md
  $ stableid matrix --manifest manifests/ --format html --out matrix.html
  $ stableid matrix --namespace order --days 30 --json`,
    )
    .action(async (opts: MatrixOptions) => {
      const format = reportFormat(cli, opts.format, FORMATS, opts.out);
      const days = wholeNumberOption('days', opts.days, 1);
      const at = opts.at === undefined ? new Date() : new Date(requireInstant('at', opts.at));
      const manifests = readManifests(opts.manifest);
      const usage = opts.usage ? openUsageStore(cli.database()) : undefined;
      try {
        const matrix = await gatherMatrix({ registry: cli.registry(), ...(usage ? { usage } : {}) }, { namespaces: opts.namespace, manifests, at, days });
        emitReport(cli, { format, out: opts.out, model: matrix, render: () => (format === 'html' ? matrixHtml(matrix) : matrixMarkdown(matrix)) });
      } finally {
        await usage?.close();
      }
    });
}
