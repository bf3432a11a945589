import type { MeasureResult, NamespaceQuality } from './data-quality.js';
import { markdownTable, markdownText } from './text-formats.js';

/** The data quality report as Markdown. Pure. */

/** How many failing items of each kind the Markdown lists before summing up the rest. */
export const DEFAULT_LISTED_ITEMS = 20;

const percent = (share: number): string => `${(Math.round(share * 1000) / 10).toFixed(1)}%`;

function measureRow(m: MeasureResult): string[] {
  return [m.measure, String(m.weight), m.share === null ? '—' : String(m.passed), m.share === null ? '—' : String(m.total), m.share === null ? 'not counted' : percent(m.share), m.what];
}

function section<T>(out: string[], title: string, items: readonly T[], listed: number, render: (shown: readonly T[]) => string): void {
  if (items.length === 0) return;
  out.push(`### ${title} (${items.length})`, '', render(items.slice(0, listed)), '');
  if (items.length > listed) out.push(`…and ${items.length - listed} more (\`--json\` lists them all).`, '');
}

export function qualityMarkdown(reports: readonly NamespaceQuality[], listed = DEFAULT_LISTED_ITEMS): string {
  const out = ['# Data quality', ''];
  if (reports.length === 0) out.push('No namespaces.', '');
  if (reports.length > 1) {
    out.push(markdownTable(['namespace', 'score'], reports.map((r) => [r.namespace, r.score.toFixed(1)])), '');
  }
  for (const report of reports) {
    const { counts, failing } = report;
    out.push(`## ${markdownText(report.namespace)}: ${report.score.toFixed(1)} / 100`, '');
    out.push(markdownTable(['measure', 'weight', 'passed', 'of', 'share', 'what'], report.measures.map(measureRow)), '');
    out.push(`Entities: ${counts.entities}; identifiers: ${counts.identifiers} (${counts.erased} erased); migration runs: ${counts.runs}.`, '');
    if (report.bindingSource) out.push(`Bindings${report.bindingSource.store === null ? '' : ` of store ${markdownText(report.bindingSource.store)}`} checked against ${markdownText(report.bindingSource.source)}.`, '');
    section(out, 'Invalid identifiers', failing.invalid, listed, (items) =>
      markdownTable(['scheme', 'value', 'entity', 'rule', 'why'], items.map((i) => [i.scheme, i.value, i.entity, i.rule, i.message])),
    );
    section(out, 'Duplicates', failing.duplicates, listed, (items) =>
      markdownTable(['kind', 'shared', 'entities', 'identifiers'], items.map((d) => [d.kind, d.shared, d.entities.join(', '), d.identifiers.map((i) => `${i.scheme} ${i.value}`).join(', ')])),
    );
    section(out, 'Entities without an active identifier', failing.withoutActive, listed, (items) =>
      markdownTable(['entity', 'identifiers'], items.map((e) => [e.entity, e.identifiers.map((i) => `${i.scheme} ${i.value ?? '(erased)'} (${i.state})`).join(', ') || 'none'])),
    );
    section(out, 'Bindings whose document is missing', failing.missingBindings ?? [], listed, (items) =>
      markdownTable(['entity', 'store', 'collection', 'key', 'missing'], items.map((b) => [b.entity, b.store, b.collection, b.key, b.missing])),
    );
    section(out, 'Unsuccessful migration runs', failing.unsuccessfulRuns, listed, (items) =>
      markdownTable(['run', 'migration', 'status', 'when', 'why'], items.map((r) => [r.run, r.migration, r.status, r.updatedAt, r.reason ?? '—'])),
    );
  }
  out.push(
    '---',
    '',
    'Score: the weighted mean of the measured shares (validity 30, uniqueness 20, coverage 20, bindings 15, migrations 15); a measure with nothing to measure is left out and the others share its weight.',
  );
  return `${out.join('\n')}\n`;
}
