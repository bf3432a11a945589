import { existsSync, rmSync } from 'node:fs';
import type { Command } from 'commander';
import { type KeyFile, defaultKeysDirectory, generateKeyFile, keyFilePath, readKeyFile } from '../../keys/key-files.js';
import { StableIdError } from '../../model/errors.js';
import type { SigningKeyRecord } from '../../model/proof/key-records.js';
import { formatPublicKeys } from '../../model/proof/public-keys.js';
import type { CliContext } from '../cli-context.js';
import { writeTextFile } from '../text-files.js';

/** The directory of the registry's key files: --keys, then STABLEID_KEYS, then ./.stableid/keys. */
export function keysDirectory(cli: CliContext, option: string | undefined): string {
  return option ?? cli.io.env['STABLEID_KEYS'] ?? defaultKeysDirectory();
}

/** The private key of the registry's active signing key, from the keys directory. */
export async function activeSigner(cli: CliContext, directory: string): Promise<KeyFile> {
  const active = (await cli.registry().signingKeys()).find((k) => k.validUntil === null);
  if (!active) throw new StableIdError('KEY_NOT_FOUND', 'the registry has no signing key yet: run stableid keys generate', {});
  const path = keyFilePath(directory, active.keyId);
  if (!existsSync(path)) {
    throw new StableIdError('KEY_NOT_FOUND', `the private key of the active signing key ${active.keyId} (${active.name}) is not in ${directory}: pass --keys or set STABLEID_KEYS`, {
      keyId: active.keyId,
    });
  }
  return readKeyFile(path);
}

function keyLine(key: SigningKeyRecord, directory: string): string {
  const period = key.validUntil ? `${key.validFrom} … ${key.validUntil} (retired by ${key.retiredBy ?? '?'})` : `${key.validFrom} … (active)`;
  const file = existsSync(keyFilePath(directory, key.keyId)) ? 'private key here' : 'no private key here';
  return `${key.keyId}  ${key.name.padEnd(16)} ${period}  ${file}`;
}

/** Records a new key file's key in the registry; the file is removed again when the registry refuses it. */
async function recordKey(file: KeyFile, record: (file: KeyFile) => Promise<SigningKeyRecord>): Promise<SigningKeyRecord> {
  try {
    return await record(file);
  } catch (error) {
    rmSync(file.path, { force: true });
    throw error;
  }
}

export function addKeyCommands(program: Command, cli: CliContext): void {
  const keys = program
    .command('keys')
    .description('generate, rotate, list and publish the Ed25519 keys that sign checkpoints (private keys stay in key files, never in the registry)');

  keys
    .command('generate')
    .description("generate the registry's signing key (its public part is recorded in the registry), or with --out a standalone key, e.g. a witness's")
    .option('--name <name>', 'the key name signature lines show (default: registry, or witness with --out)')
    .option('--keys <dir>', 'where the registry keeps its private key files (default: $STABLEID_KEYS or ./.stableid/keys)')
    .option('--out <file>', 'write a standalone key to this file instead; the registry is not touched')
    .addHelpText(
      'after',
      `
The private key file is created readable by its owner only (0600) and is never
overwritten. Publish the public key (stableid keys export-public) for auditors.

Examples:
  $ stableid keys generate
  $ stableid keys generate --name witness-acme --out acme-witness.key`,
    )
    .action(async (opts: { name?: string; keys?: string; out?: string }) => {
      if (opts.out) {
        const file = generateKeyFile({ path: opts.out }, opts.name ?? 'witness', new Date());
        cli.note(`wrote ${file.path} (key ${file.signer.keyId}); keep it secret. Its public key:`);
        cli.print(formatPublicKeys([file.signer]).trimEnd(), { keyId: file.signer.keyId, name: file.signer.name, publicKey: file.signer.publicKey, path: file.path });
        return;
      }
      const directory = keysDirectory(cli, opts.keys);
      const registry = cli.registry();
      if ((await registry.signingKeys()).some((k) => k.validUntil === null)) {
        throw new StableIdError('KEY_CONFLICT', 'the registry already has an active signing key: run stableid keys rotate', {});
      }
      const file = generateKeyFile({ directory }, opts.name ?? 'registry', new Date());
      const record = await recordKey(file, (f) => registry.addSigningKey(f.signer));
      cli.note(`signing key ${record.keyId} (${record.name}) recorded; its private key is ${file.path}`);
      cli.print(keyLine(record, directory), { ...record, path: file.path });
    });

  keys
    .command('rotate')
    .description('generate a new signing key and retire the active one; checkpoints signed before stay verifiable with the retired key')
    .option('--name <name>', 'the new key name (default: the active key name)')
    .option('--keys <dir>', 'where the registry keeps its private key files (default: $STABLEID_KEYS or ./.stableid/keys)')
    .addHelpText('after', '\nExamples:\n  $ stableid keys rotate\n  $ stableid keys rotate --name registry-2027')
    .action(async (opts: { name?: string; keys?: string }) => {
      const directory = keysDirectory(cli, opts.keys);
      const registry = cli.registry();
      const active = (await registry.signingKeys()).find((k) => k.validUntil === null);
      if (!active) throw new StableIdError('KEY_NOT_FOUND', 'the registry has no signing key to rotate: run stableid keys generate', {});
      const file = generateKeyFile({ directory }, opts.name ?? active.name, new Date());
      const record = await recordKey(file, (f) => registry.rotateSigningKey(f.signer));
      cli.note(
        `signing key ${record.keyId} (${record.name}) is active from ${record.validFrom}; ${active.keyId} is retired.\n` +
          `Its private key ${keyFilePath(directory, active.keyId)} signs nothing any more: destroy it. Publish the new public key.`,
      );
      cli.print(keyLine(record, directory), { ...record, path: file.path, retired: active.keyId });
    });

  keys
    .command('list')
    .description('list the signing keys the registry records, with their periods')
    .option('--keys <dir>', 'where the registry keeps its private key files (default: $STABLEID_KEYS or ./.stableid/keys)')
    .addHelpText('after', '\nExamples:\n  $ stableid keys list\n  $ stableid keys list --json')
    .action(async (opts: { keys?: string }) => {
      const directory = keysDirectory(cli, opts.keys);
      const list = await cli.registry().signingKeys();
      cli.print(() => (list.length ? list.map((k) => keyLine(k, directory)).join('\n') : 'no signing keys yet: run stableid keys generate'), list);
    });

  keys
    .command('export-public [keyId]')
    .description("print the registry's public keys (all, or one) with their periods, or with --key a standalone key's, as PEM for auditors and witnesses")
    .option('--key <file>', "a standalone private key file (a witness's): export its public key")
    .option('--out <file>', 'write to this file instead of stdout')
    .addHelpText('after', '\nExamples:\n  $ stableid keys export-public --out registry.pub\n  $ stableid keys export-public --key acme-witness.key --out acme-witness.pub')
    .action(async (keyId: string | undefined, opts: { key?: string; out?: string }) => {
      let keys: Parameters<typeof formatPublicKeys>[0];
      if (opts.key) {
        keys = [readKeyFile(opts.key).signer];
      } else {
        const all = await cli.registry().signingKeys();
        keys = keyId ? all.filter((k) => k.keyId === keyId) : all;
        if (keys.length === 0) throw new StableIdError('KEY_NOT_FOUND', keyId ? `the registry records no signing key ${keyId}` : 'the registry has no signing key yet', keyId ? { keyId } : {});
      }
      const text = formatPublicKeys(keys);
      if (opts.out) {
        writeTextFile(opts.out, text, 'out');
        cli.note(`wrote ${keys.length} public key(s) to ${opts.out}`);
      }
      if (!opts.out || cli.json) cli.print(text.trimEnd(), keys.map(({ name, keyId: id, publicKey }) => ({ name, keyId: id, publicKey })));
    });
}
