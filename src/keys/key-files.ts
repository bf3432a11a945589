import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { join, resolve } from 'node:path';
import { StableIdError } from '../model/errors.js';
import { type Signer, signerOf } from '../model/proof/signing.js';

/*
 * Private signing keys live in files, never in the registry's database: a
 * copy of the database (a backup, a replica, a stolen dump) must not be able
 * to sign checkpoints for the data it holds. A key file is an Ed25519
 * PKCS#8 PEM block after comment lines naming the key; it is created
 * readable by its owner only (0600), in a directory only its owner can list
 * (0700), and a file others can read is refused, as ssh refuses one.
 */

/** Where the registry's key files are kept when neither --keys nor STABLEID_KEYS says otherwise. */
export const defaultKeysDirectory = (): string => resolve('.stableid', 'keys');

/** A private key read from (or written to) its file. */
export interface KeyFile {
  readonly path: string;
  readonly signer: Signer;
}

/** The file a registry key of id `keyId` is kept in, within `directory`. */
export const keyFilePath = (directory: string, keyId: string): string => join(directory, `${keyId}.key`);

/**
 * Generates an Ed25519 key named `name` and writes it to `path`, or to
 * `<directory>/<key id>.key`. Never overwrites a file (KEY_CONFLICT).
 */
export function generateKeyFile(target: { readonly path: string } | { readonly directory: string }, name: string, now: Date): KeyFile {
  const { privateKey } = generateKeyPairSync('ed25519');
  const signer = signerOf(name, privateKey);
  const path = 'path' in target ? resolve(target.path) : keyFilePath(resolve(target.directory), signer.keyId);
  const text =
    '# stableid signing key: keep this file secret; publish only its public key (stableid keys export-public)\n' +
    `# name: ${name}\n# key: ${signer.keyId}\n# created: ${now.toISOString()}\n` +
    privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    if ('directory' in target) mkdirSync(resolve(target.directory), { recursive: true, mode: 0o700 });
    writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
    // The process umask may have narrowed the mode further, never widened it; make it exact.
    chmodSync(path, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new StableIdError('KEY_CONFLICT', `${path} exists: a key file is never overwritten`, { path });
    throw new StableIdError('INVALID_ARGUMENT', `cannot write the key file ${path}: ${code ?? (error as Error).message}`, { field: 'key', path }, { cause: error });
  }
  return { path, signer };
}

/** Reads a key file: KEY_NOT_FOUND when there is none, CHECKPOINT_FORMAT when it is not one, INVALID_ARGUMENT when others may read it. */
export function readKeyFile(path: string): KeyFile {
  const absolute = resolve(path);
  let text: string;
  try {
    const mode = statSync(absolute).mode;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new StableIdError('INVALID_ARGUMENT', `${absolute} may be read by others (mode ${(mode & 0o777).toString(8)}): run chmod 600 ${absolute}`, {
        field: 'key',
        path: absolute,
      });
    }
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    if (error instanceof StableIdError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new StableIdError('KEY_NOT_FOUND', `no key file at ${absolute}`, { path: absolute });
    throw new StableIdError('INVALID_ARGUMENT', `cannot read the key file ${absolute}: ${code ?? (error as Error).message}`, { field: 'key', path: absolute }, { cause: error });
  }
  const name = /^# name: (\S+)$/m.exec(text)?.[1];
  const keyId = /^# key: ([0-9a-f]{16})$/m.exec(text)?.[1];
  if (!name || !keyId) throw new StableIdError('CHECKPOINT_FORMAT', `${absolute} is not a stableid key file: it lacks its "# name:" and "# key:" lines`, { path: absolute });
  let signer: Signer;
  try {
    signer = signerOf(name, createPrivateKey(text));
  } catch (error) {
    if (error instanceof StableIdError) throw error;
    throw new StableIdError('CHECKPOINT_FORMAT', `${absolute} holds no readable Ed25519 private key`, { path: absolute }, { cause: error });
  }
  if (signer.keyId !== keyId) throw new StableIdError('CHECKPOINT_FORMAT', `${absolute} says it holds key ${keyId}, but holds ${signer.keyId}`, { path: absolute });
  return { path: absolute, signer };
}
