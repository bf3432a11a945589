import type { MigrationPlan } from '../migrate/plan.js';
import type { JsonObject } from '../migrate/source/source.js';
import { canonicalJson } from '../model/hashing.js';

/** The dry run as people read it: counts, the first diffs, every problem kept, and the verdict. */
export function renderPlan(plan: MigrationPlan, source: string): string {
  const c = plan.counts;
  const lines = [
    `plan ${plan.migration}: namespace ${plan.namespace}, collection ${plan.collection} in ${source}${plan.sampled ? ' (sample)' : ''}`,
    `  documents         ${c.documents}`,
    `  to change         ${c.change}${c.rekeyed > 0 ? ` (${c.rekeyed} re-keyed)` : ''}`,
    `  already migrated  ${c.alreadyMigrated}`,
    `  with problems     ${c.withProblems}`,
    `  identifiers       ${c.registered} registered, ${c.toRegister} to register; ${c.toAdd} to add${c.alreadyAdded > 0 ? ` (${c.alreadyAdded} already there)` : ''}`,
  ];
  for (const diff of plan.diffs) {
    lines.push('', `  ${diff.key}${diff.newKey === diff.key ? '' : ` → ${diff.newKey}`}`, ...fieldDiff(diff.before, diff.after).map((line) => `    ${line}`));
  }
  if (plan.problemCount > 0) {
    lines.push('', `problems (${plan.problemCount}${plan.problems.length < plan.problemCount ? `, first ${plan.problems.length} shown` : ''}):`);
    for (const p of plan.problems) lines.push(`  ${p.kind.padEnd(20)} ${JSON.stringify(p.key)}  ${p.message}`);
  }
  lines.push('', plan.ok ? 'ready to run: no problems found' : `not ready: ${plan.problemCount} problem(s); a run would refuse`);
  return lines.join('\n');
}

/** Top-level fields that differ, as - before / + after lines. */
function fieldDiff(before: JsonObject, after: JsonObject): string[] {
  const lines: string[] = [];
  for (const field of [...new Set([...Object.keys(before), ...Object.keys(after)])]) {
    const was = field in before ? canonicalJson(before[field]) : undefined;
    const now = field in after ? canonicalJson(after[field]) : undefined;
    if (was === now) continue;
    if (was !== undefined) lines.push(`- ${field}: ${was}`);
    if (now !== undefined) lines.push(`+ ${field}: ${now}`);
  }
  return lines;
}
