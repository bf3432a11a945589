import type { PlanCounts } from './plan.js';
import type { WaveRecord } from './runner.js';
import type { BeforeImage, RunRecord } from './runs/run-store.js';

/** How many moved documents a note lists one by one before summing up the rest. */
export const DEFAULT_LISTED = 20;

export interface ChangeNoteInput {
  readonly run: RunRecord;
  /** The run's before-images, in key order; at most `listed` + 1 are needed. */
  readonly images: readonly BeforeImage[];
  /** How many documents the run wrote in all. */
  readonly written: number;
  readonly listed?: number;
}

/**
 * A change note in Markdown for one run: what changed for holders of the
 * identifiers (keys, new identifiers), when, by whom, how it went, and the
 * command that rolls it back. Pure: the caller reads the run and its images.
 */
export function changeNote({ run, images, written, listed = DEFAULT_LISTED }: ChangeNoteInput): string {
  const plan = run.details['plan'] as Partial<PlanCounts> | undefined;
  const waves = (run.details['waves'] as unknown as WaveRecord[] | undefined) ?? [];
  const finished = typeof run.details['finishedAt'] === 'string' ? run.details['finishedAt'] : null;
  const lines = [
    `## ${run.migration} — run \`${run.id}\``,
    '',
    `- **Namespace / collection:** \`${run.namespace}\` / \`${run.collection}\` in \`${run.source}\``,
    `- **Status:** ${run.status}${finished ? `, finished ${finished}` : ''}; started ${run.createdAt} by ${run.actor}`,
    `- **Waves:** ${run.waves.map((w) => `${w}%`).join(', ')}${waves.length > 0 ? ` (${waves.filter((w) => w.gate.ok).length} of ${waves.length} gates passed)` : ''}`,
    `- **Documents written:** ${written}${plan?.rekeyed ? `; ${plan.rekeyed} re-keyed` : ''}${plan?.toAdd ? `; ${plan.toAdd} new identifier(s) added` : ''}${plan?.toRegister ? `; ${plan.toRegister} identifier(s) registered first` : ''}`,
    '',
    '### What changed',
    '',
    'External identifiers did not change: every one resolves to the same entity as before.',
    `Where documents moved, their bindings moved with them (lineage: \`${run.id}\`).`,
    '',
  ];
  const shown = images.slice(0, listed);
  if (shown.length > 0) {
    lines.push('| document before | document now |', '|---|---|');
    for (const image of shown) lines.push(`| \`${image.key}\` | \`${image.newKey}\` |`);
    if (written > shown.length) lines.push('', `…and ${written - shown.length} more (\`stableid migrate status ${run.id} --json\` and the registry's history list them all).`);
    lines.push('');
  }
  lines.push(
    '### Rolling back',
    '',
    '```sh',
    `stableid migrate rollback ${run.id} <module> --source ${run.source.startsWith('sqlite:') ? run.source.slice('sqlite:'.length) : '<source>'}`,
    '```',
    '',
    'Rollback restores each document from its before-image and each binding to its earlier version; documents changed since are listed, never overwritten. New identifiers stay resolvable unless `--retract` is given.',
    '',
  );
  return lines.join('\n');
}
