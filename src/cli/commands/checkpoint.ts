import type { Command } from 'commander';
import { StableIdError } from '../../model/errors.js';
import type { CliContext } from '../cli-context.js';
import { writeTextFile } from '../text-files.js';
import { activeSigner, keysDirectory } from './keys.js';

export function addCheckpointCommands(program: Command, cli: CliContext): void {
  program
    .command('checkpoint <namespace>')
    .description("sign a checkpoint of the namespace's log (size, Merkle root, head, time) with the registry's active key; it is kept in the registry")
    .option('--out <file>', 'also write the signed note to this file (what auditors and witnesses hold)')
    .option('--keys <dir>', 'where the registry keeps its private key files (default: $STABLEID_KEYS or ./.stableid/keys)')
    .addHelpText(
      'after',
      `
Before signing, the whole Merkle tree is recomputed from the stored events and checked
against every earlier checkpoint: the registry never signs a rewritten history (exit 6).
Signing a log whose head is already signed returns that checkpoint.

Examples:
  $ stableid checkpoint order --out order.checkpoint
  $ stableid checkpoint order --json`,
    )
    .action(async (namespace: string, opts: { out?: string; keys?: string }) => {
      const { signer } = await activeSigner(cli, keysDirectory(cli, opts.keys));
      const outcome = await cli.registry().checkpoint(namespace, signer);
      const { record, note, created } = outcome;
      if (opts.out) writeTextFile(opts.out, note, 'out');
      cli.note(
        `${created ? 'signed' : 'already signed'}: "${namespace}" at size ${record.size}, root ${record.root.slice(0, 16)}…, key ${record.keyId}` +
          (opts.out ? `; written to ${opts.out}` : ''),
      );
      cli.print(note.trimEnd(), { ...record, created, note });
    });

  program
    .command('checkpoints <namespace>')
    .description("list the namespace's kept checkpoints, or export one as its signed note")
    .option('--export <size>', 'print the note of the checkpoint at this size, or "latest"')
    .option('--out <file>', 'with --export: write the note to this file')
    .addHelpText('after', '\nExamples:\n  $ stableid checkpoints order\n  $ stableid checkpoints order --export latest --out order.checkpoint')
    .action(async (namespace: string, opts: { export?: string; out?: string }) => {
      const kept = await cli.registry().checkpoints(namespace);
      if (opts.export === undefined) {
        cli.print(
          () =>
            kept.length === 0
              ? `no checkpoints of "${namespace}" yet: run stableid checkpoint ${namespace}`
              : kept.map(({ record }) => `${String(record.size).padStart(9)}  ${record.time}  root ${record.root}  key ${record.keyId}`).join('\n'),
          kept.map(({ record }) => record),
        );
        return;
      }
      const size = opts.export === 'latest' ? kept.at(-1)?.record.size : Number(opts.export);
      if (opts.export !== 'latest' && (!Number.isSafeInteger(size) || (size ?? 0) < 1)) {
        throw new StableIdError('INVALID_ARGUMENT', '--export takes a checkpoint size or "latest"', { field: 'export' });
      }
      const found = [...kept].reverse().find(({ record }) => record.size === size);
      if (!found) {
        throw new StableIdError('CHECKPOINT_NOT_FOUND', `"${namespace}" has no checkpoint${opts.export === 'latest' ? '' : ` at size ${opts.export}`}`, { namespace });
      }
      if (opts.out) {
        writeTextFile(opts.out, found.note, 'out');
        cli.note(`wrote the checkpoint of "${namespace}" at size ${found.record.size} to ${opts.out}`);
      }
      cli.print(found.note.trimEnd(), { ...found.record, note: found.note });
    });
}
