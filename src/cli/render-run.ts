import type { RollbackReport } from '../migrate/rollback.js';
import type { WaveRecord } from '../migrate/runner.js';
import type { RunRecord } from '../migrate/runs/run-store.js';

const waveRecords = (run: RunRecord): WaveRecord[] => (run.details['waves'] as unknown as WaveRecord[] | undefined) ?? [];

/** One run: its state, each finished wave with its counts and gate, and what failed. */
export function renderRun(run: RunRecord): string {
  const lines = [
    `run ${run.id}: ${run.status}`,
    `  migration ${run.migration} on ${run.namespace}/${run.collection} in ${run.source}`,
    `  waves ${run.waves.map((w) => `${w}%`).join(', ')}; started ${run.createdAt} by ${run.actor}; updated ${run.updatedAt}`,
  ];
  for (const wave of waveRecords(run)) {
    const c = wave.counts;
    lines.push(
      `  wave ${wave.wave} (${wave.percent}%): ${c.written} written, ${c.skipped} left alone, ${c.conflicts} conflicts retried, ${c.failed} failed; ` +
        `digest ${wave.digest.count} identifiers; gate ${wave.gate.ok ? 'passed' : `FAILED: ${wave.gate.reasons.join('; ')}`}`,
    );
    for (const d of wave.gate.duplicated.slice(0, 10)) lines.push(`    duplicated: ${d.item.replaceAll('\u0000', ' ')} in ${d.keys.join(', ')}`);
    for (const m of wave.gate.missing.slice(0, 10)) lines.push(`    missing: ${m}`);
  }
  if (run.status === 'gated') lines.push(`  waiting at the gate after wave ${run.wave + 1}: \`stableid migrate continue ${run.id} <module>\` goes on`);
  const failures = (run.details['failures'] as { key: string; reason: string }[] | undefined) ?? [];
  if (failures.length > 0) lines.push(`  failed documents (first ${failures.length}):`, ...failures.slice(0, 20).map((f) => `    ${JSON.stringify(f.key)}: ${f.reason}`));
  return lines.join('\n');
}

export function renderRuns(runs: readonly RunRecord[]): string {
  if (runs.length === 0) return 'no migration runs';
  return runs.map((run) => `${run.id}  ${run.status.padEnd(11)} ${run.migration}  wave ${run.wave + 1}/${run.waves.length}  ${run.updatedAt}`).join('\n');
}

export function renderRollback(report: RollbackReport): string {
  const lines = [
    `rolled back run ${report.run}: ${report.restored} document(s) restored, ${report.untouched} never written, ${report.conflicts.length} conflict(s)`,
    report.digestsEqual ? '  digests of the source and the mappings equal those before the run' : '  digests differ from before the run (see the conflicts)',
  ];
  for (const c of report.conflicts.slice(0, 20)) lines.push(`  conflict ${JSON.stringify(c.key)}${c.newKey === c.key ? '' : ` (now ${JSON.stringify(c.newKey)})`}: ${c.reason}`);
  return lines.join('\n');
}
