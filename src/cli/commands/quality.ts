import type { Command } from 'commander';
import { gatherQuality } from '../../reports/gather.js';
import { DEFAULT_LISTED_ITEMS, qualityMarkdown } from '../../reports/render-quality.js';
import { StableIdError } from '../../model/errors.js';
import type { CliContext } from '../cli-context.js';
import { collect, emitReport, reportFormat, wholeNumberOption } from '../report-output.js';
import { ReportedError } from './reads.js';

const FORMATS = ['markdown', 'json'] as const;

interface QualityOptions {
  readonly namespace: string[];
  readonly source?: string;
  readonly bindingStore?: string;
  readonly minScore?: string;
  readonly limit: string;
  readonly format?: string;
  readonly out?: string;
}

function minScore(text: string | undefined): number | null {
  if (text === undefined) return null;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new StableIdError('INVALID_ARGUMENT', `--min-score must be a number from 0 to 100, got ${JSON.stringify(text)}`, { field: 'min-score' });
  }
  return value;
}

export function addQualityCommand(program: Command, cli: CliContext): void {
  program
    .command('quality')
    .description('a data quality score per namespace (0–100), with every failing item: invalid identifiers, duplicates, entities without an active identifier, missing documents, failed runs')
    .option('--namespace <name>', 'only this namespace (repeatable; default every namespace)', collect, [])
    .option('--source <ref>', "look every binding's document up in this data store (file, sqlite:<path>, postgres://…, redis://…)")
    .option('--binding-store <name>', 'with --source: only the bindings recorded for this store name')
    .option('--min-score <n>', 'exit 6 when a namespace scores below this (0–100)')
    .option('--limit <n>', 'failing items listed per kind in the Markdown (--json lists all)', String(DEFAULT_LISTED_ITEMS))
    .option('--format <format>', `${FORMATS.join(', ')} (default markdown)`)
    .option('--out <file>', 'write the report to this file instead of stdout')
    .addHelpText(
      'after',
      `
Score: the weighted mean of validity (30: identifiers valid and canonical
under their scheme's format), uniqueness (20: entities in no duplicate —
spellings of one value, two identifiers of an entity in one scheme, two
entities bound to one record), coverage (20: entities with an active
identifier), bindings (15: documents found, with --source) and migrations
(15: finished runs that completed). A measure with nothing to measure is left
out and the others share its weight.

Examples:
  $ stableid quality
  $ stableid quality --namespace order --source ./app.db --min-score 95
  $ stableid quality --json > quality.json`,
    )
    .action(async (opts: QualityOptions) => {
      const format = reportFormat(cli, opts.format, FORMATS, opts.out);
      const threshold = minScore(opts.minScore);
      if (opts.bindingStore !== undefined && opts.source === undefined) {
        throw new StableIdError('INVALID_ARGUMENT', '--binding-store selects which bindings --source is checked for: give --source too', { field: 'binding-store' });
      }
      const listed = wholeNumberOption('limit', opts.limit, 0);
      const source = opts.source === undefined ? undefined : await cli.source(opts.source);
      const reports = await gatherQuality(
        { registry: cli.registry(), runs: cli.runs() },
        { namespaces: opts.namespace, ...(source ? { source } : {}), store: opts.bindingStore ?? null },
      );
      emitReport(cli, { format, out: opts.out, model: { namespaces: reports }, render: () => qualityMarkdown(reports, listed) });
      const below = threshold === null ? [] : reports.filter((report) => report.score < threshold);
      if (below.length > 0) {
        const list = below.map((report) => `${report.namespace} ${report.score.toFixed(1)}`).join(', ');
        cli.note(`stableid: quality below --min-score ${threshold}: ${list}`);
        throw new ReportedError(
          new StableIdError('QUALITY_BELOW_MINIMUM', `data quality below ${threshold}: ${list}`, { namespace: below[0]?.namespace, score: below[0]?.score, minimum: threshold }),
        );
      }
    });
}
