import type { MappingDifference, RegistryDiff } from '../registry/index.js';

/** The first differences of each namespace printed for people; --json carries them all. */
const SHOWN = 20;

const show = (value: unknown): string => (value === null ? 'null' : typeof value === 'string' ? value : JSON.stringify(value));

function differenceLine(difference: MappingDifference): string {
  switch (difference.kind) {
    case 'missing-in-a':
      return `  only in b: ${difference.key} -> ${difference.b.entity}`;
    case 'missing-in-b':
      return `  only in a: ${difference.key} -> ${difference.a.entity}`;
    case 'differs':
      return `  differs:   ${difference.key}: ${difference.fields.map((f) => `${f.field} ${show(f.a)} (a) vs ${show(f.b)} (b)`).join('; ')}`;
  }
}

export function renderDiff(diff: RegistryDiff, labels: { a: string; b: string }): string {
  const lines = [`a: ${labels.a}`, `b: ${labels.b}`];
  if (diff.namespaces.length === 0) lines.push('neither registry has a namespace');
  for (const n of diff.namespaces) {
    const same = n.differences.length === 0;
    lines.push(
      `${same ? 'same' : 'DIFF'} ${n.namespace}: ${n.counts.a} vs ${n.counts.b} identifiers; ${n.rangesCompared} range digest(s) compared` +
        (same ? '' : `, ${n.rangesDiffering.length} narrowed range(s) differ, ${n.differences.length} identifier(s)`),
    );
    for (const difference of n.differences.slice(0, SHOWN)) lines.push(differenceLine(difference));
    if (n.differences.length > SHOWN) lines.push(`  … and ${n.differences.length - SHOWN} more (--json lists them all)`);
  }
  return lines.join('\n');
}
