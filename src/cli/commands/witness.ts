import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { readKeyFile } from '../../keys/key-files.js';
import { type CheckpointNote, formatCheckpointNote, parseCheckpointNote } from '../../model/proof/checkpoint-note.js';
import { trustedKeysOf } from '../../model/proof/key-records.js';
import { parsePublicKeys } from '../../model/proof/public-keys.js';
import type { TrustedKey } from '../../model/proof/signature-check.js';
import { witnessCosign } from '../../model/proof/witness.js';
import { StableIdError } from '../../model/errors.js';
import type { CliContext } from '../cli-context.js';
import { readTextFile, writeTextFile } from '../text-files.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The keys trusted to sign checkpoints: the published ones named, else those the registry records. */
export async function trustedKeys(cli: CliContext, files: readonly string[]): Promise<TrustedKey[] | undefined> {
  if (files.length > 0) return files.flatMap((file) => parsePublicKeys(readTextFile(file, 'public-key')));
  return undefined;
}

/** The state file of a witness: the path given, or `<namespace>.checkpoint` in it when it is a directory. */
function stateFile(state: string, namespace: string): string {
  const isDirectory = state.endsWith('/') || (existsSync(state) && statSync(state).isDirectory());
  return isDirectory ? join(state, `${namespace}.checkpoint`) : state;
}

/** The consistency proof the registry at --db gives; a registry that cannot give one cannot prove the checkpoint extends the last. */
async function proofFromRegistry(cli: CliContext, namespace: string, from: number, to: number): Promise<string[]> {
  try {
    return await cli.registry().consistencyProof(namespace, from, to);
  } catch (error) {
    if (!(error instanceof StableIdError) || (error.code !== 'INVALID_ARGUMENT' && error.code !== 'NAMESPACE_NOT_FOUND')) throw error;
    throw new StableIdError('PROOF_FAILED', `the registry at ${cli.database()} cannot prove that "${namespace}" at size ${to} extends size ${from}: ${error.message}`, {
      namespace,
      size: to,
      previous: from,
    });
  }
}

export function addWitnessCommand(program: Command, cli: CliContext): void {
  program
    .command('witness <checkpoint-file>')
    .description("co-sign a checkpoint as a witness, after proving that it extends the last one this witness signed for the log")
    .requiredOption('--key <file>', "the witness's private key file (stableid keys generate --out)")
    .requiredOption('--state <path>', 'the last checkpoint this witness co-signed: a file, or a directory holding <namespace>.checkpoint')
    .option('--public-key <file>', "the registry's published public keys (repeatable; default: the keys the registry records)", collect, [])
    .option('--out <file>', 'write the co-signed note here too (it always replaces the state)')
    .addHelpText(
      'after',
      `
The consistency proof from the last witnessed size to the new one is read from the
registry (--db) and verified against the two signed roots: the witness trusts neither the
registry's database nor its operator. A checkpoint that does not extend the last one
witnessed (a fork: different histories shown to different parties) is refused (exit 6) and
nothing is signed. The first checkpoint a witness sees is taken on trust.

Examples:
  $ stableid witness order.checkpoint --key acme-witness.key --state witness-state/ --public-key registry.pub
  $ stableid witness order.checkpoint --key acme-witness.key --state acme-order.checkpoint --out order.cosigned`,
    )
    .action(async (file: string, opts: { key: string; state: string; publicKey: string[]; out?: string }) => {
      const next = parseCheckpointNote(readTextFile(file, 'checkpoint-file'));
      const { namespace, size } = next.checkpoint;
      const witness = readKeyFile(opts.key).signer;
      const statePath = stateFile(opts.state, namespace);
      const last: CheckpointNote | null = existsSync(statePath) ? parseCheckpointNote(readTextFile(statePath, 'state')) : null;
      let trusted = await trustedKeys(cli, opts.publicKey);
      if (!trusted) {
        cli.note("trusting the signing keys the registry records; pass --public-key with the registry's published key to pin it");
        trusted = trustedKeysOf(await cli.registry().signingKeys());
      }
      const lastSize = last?.checkpoint.size ?? 0;
      const proof = last && lastSize > 0 && lastSize < size && last.checkpoint.namespace === namespace ? await proofFromRegistry(cli, namespace, lastSize, size) : [];
      const cosigned = formatCheckpointNote(witnessCosign(next, last, proof, trusted, witness));
      writeTextFile(statePath, cosigned, 'state');
      if (opts.out) writeTextFile(opts.out, cosigned, 'out');
      cli.note(`${witness.name} (${witness.keyId}) co-signed "${namespace}" at size ${size}${last ? `, extending size ${lastSize}` : ' (the first it witnesses)'}`);
      cli.print(cosigned.trimEnd(), { namespace, size, previous: last ? lastSize : null, proof, witness: witness.keyId, note: cosigned });
    });
}
