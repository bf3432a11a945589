import type { BatchFailure } from '../model/errors.js';
import type { IdentifierView, Namespace, Resolution, Scheme, Translation } from '../model/types.js';
import { describeFormat } from '../model/formats/index.js';
import type { BatchReport, DefinitionOutcome, VerifyReport, WriteOutcome } from '../registry/index.js';

/* Human renderings of registry results. JSON output is the results themselves. */

const date = (iso: string | null): string => (iso ? iso.replace(/T00:00:00\.000Z$/, '').replace(/\.\d{3}Z$/, 'Z') : '');

function state(view: { state: string; sunset: string | null }): string {
  return view.state === 'deprecated' && view.sunset ? `deprecated (sunset ${date(view.sunset)})` : view.state;
}

function identifierLine(view: IdentifierView, asked: boolean): string {
  const value = view.value ?? '[erased]';
  const lineage = view.derivedFrom ? `  <- ${view.derivedFrom.scheme} ${view.derivedFrom.value ?? '[erased]'}` : '';
  const migration = view.migration ? ` (migration ${view.migration})` : '';
  return `  ${asked ? '*' : ' '} ${view.scheme.padEnd(10)} ${value.padEnd(34)} ${state(view).padEnd(34)}${lineage}${migration}`.trimEnd();
}

export function renderResolution(r: Resolution): string {
  const lines = [`${r.namespace}/${r.identifier.scheme} ${r.identifier.value} -> entity ${r.entity}${r.asOf ? `  (as of ${date(r.asOf)})` : ''}`];
  for (const view of r.identifiers) lines.push(identifierLine(view, view.seq === r.identifier.seq));
  lines.push(
    r.binding
      ? `  binding: ${r.binding.store}/${r.binding.collection}/${r.binding.key} (version ${r.binding.version} since ${date(r.binding.at)}${r.binding.migration ? `, migration ${r.binding.migration}` : ''})`
      : '  binding: none',
  );
  return lines.join('\n');
}

export function renderTranslation(t: Translation): string {
  const note = t.from.state !== 'active' ? `  [${t.from.scheme} is ${state(t.from)}]` : '';
  return `${t.from.scheme} ${t.from.value} -> ${t.to.scheme} ${t.to.value}${note}`;
}

export function renderOutcome(o: WriteOutcome): string {
  const what = `${o.namespace}/${o.scheme} ${o.value ?? '[erased]'}`;
  if (o.pending !== undefined) return `${o.op}: ${what} held as change request ${o.pending}: a steward other than you approves it (stableid change approve ${o.pending}); nothing else written`;
  return o.changed ? `${o.op}: ${what} (entity ${o.entity}, event ${o.seq})` : `${o.op}: ${what} already so (entity ${o.entity}); nothing written`;
}

export function renderDefinition(verb: string, o: DefinitionOutcome): string {
  const what = o.scheme ? `scheme ${o.namespace}/${o.scheme}` : `namespace ${o.namespace}`;
  if (o.pending !== undefined) return `${verb} ${what}: held as change request ${o.pending}, awaiting a steward's approval (stableid change approve ${o.pending}); nothing else written`;
  return o.changed ? `${verb} ${what} (event ${o.seq})` : `${what} already so; nothing written`;
}

export function renderNamespace(namespace: Namespace, schemes: readonly Scheme[]): string {
  const lines = [
    `namespace ${namespace.name}`,
    `  owner:    ${namespace.owner}`,
    `  stewards: ${namespace.stewards.join(', ') || '-'}`,
    ...(namespace.description ? [`  about:    ${namespace.description}`] : []),
    `  created:  ${date(namespace.createdAt)}`,
    `  schemes:${schemes.length === 0 ? ' none' : ''}`,
  ];
  for (const s of schemes) {
    const replacement = s.replacement ? `, replaced by ${s.replacement}` : '';
    lines.push(`    ${s.name.padEnd(10)} ${describeFormat(s.format).padEnd(40)} ${state(s)}${replacement}`);
  }
  return lines.join('\n');
}

export function renderFailures(failures: readonly BatchFailure[], total: number, limit = 20): string {
  const lines = failures
    .slice(0, limit)
    .map((f) => `  ${f.line !== undefined ? `line ${f.line}` : `item ${f.index + 1}`}: ${f.error.code} ${f.error.message}`);
  if (total > limit) lines.push(`  ... and ${total - limit} more`);
  return lines.join('\n');
}

export function renderBatch(report: BatchReport): string {
  const head = `${report.total} items: ${report.written} written, ${report.unchanged} already so, ${report.failed} rejected`;
  return report.failed > 0 ? `${head}\n${renderFailures(report.failures, report.failed)}` : head;
}

export function renderVerify(report: VerifyReport): string {
  const lines = report.namespaces.map((n) => `${n.ok ? 'ok  ' : 'FAIL'} ${n.namespace}: ${n.events} events${n.ok ? '' : `, ${n.divergences.length} divergence(s)`}`);
  if (report.namespaces.length === 0) lines.push('the registry is empty');
  for (const n of report.namespaces) {
    for (const d of n.divergences.slice(0, 10)) lines.push(`  ${d.namespace} seq ${d.seq ?? '-'} [${d.table}/${d.kind}] ${d.message}`);
  }
  if (report.first) lines.push(`first divergence: namespace ${report.first.namespace}, seq ${report.first.seq ?? '-'}, ${report.first.table}: ${report.first.message}`);
  return lines.join('\n');
}
