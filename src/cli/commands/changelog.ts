import type { Command } from 'commander';
import { DEFAULT_LISTED, changeNote } from '../../migrate/changelog.js';
import { type WaveRecord, requireRun } from '../../migrate/runner.js';
import type { RunRecord } from '../../migrate/runs/run-store.js';
import type { CliContext } from '../cli-context.js';

export function addChangelogCommand(program: Command, cli: CliContext): void {
  program
    .command('changelog')
    .description('change notes in Markdown for migration runs: which identifiers changed how, when, and how to roll back')
    .option('--migration <id>', 'only the runs of this migration')
    .option('--run <id>', 'only this run')
    .option('--limit <n>', 'moved documents listed per run', String(DEFAULT_LISTED))
    .addHelpText(
      'after',
      `
Examples:
  $ stableid changelog > CHANGES-identifiers.md
  $ stableid changelog --migration orders-v2
  $ stableid changelog --run run_01h455vb4pex5vsknk084sn02q --json`,
    )
    .action(async (opts: { migration?: string; run?: string; limit: string }) => {
      const runs = cli.runs();
      const listed = Math.max(0, Math.floor(Number(opts.limit) || 0));
      const selected: RunRecord[] = opts.run ? [await requireRun(runs, opts.run)] : await runs.listRuns(opts.migration);
      const notes: { run: string; markdown: string }[] = [];
      for (const run of selected) {
        const waves = (run.details['waves'] as unknown as WaveRecord[] | undefined) ?? [];
        const written = waves.reduce((sum, wave) => sum + wave.counts.written, 0);
        const images = await runs.beforeImages(run.id, null, Math.max(1, listed));
        notes.push({ run: run.id, markdown: changeNote({ run, images, written, listed }) });
      }
      cli.print(() => (notes.length === 0 ? 'No migration runs yet.' : `# Identifier change notes\n\n${notes.map((n) => n.markdown).join('\n')}`), notes);
    });
}
