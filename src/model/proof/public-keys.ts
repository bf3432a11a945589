import { createPublicKey } from 'node:crypto';
import { StableIdError } from '../errors.js';
import type { TrustedKey } from './signature-check.js';
import { KEY_NAME, type PublicKeyInfo, keyIdOf, publicKeyObject, publicKeyOf } from './signing.js';

/*
 * The published form of public keys: one PEM block (SubjectPublicKeyInfo,
 * as OpenSSL reads it) per key, each after a comment line that names it:
 *
 *   # stableid public key registry 1a2b3c4d5e6f7081 valid-from 2026-01-01T00:00:00.000Z
 *   -----BEGIN PUBLIC KEY-----
 *   MCowBQYDK2VwAyEA…
 *   -----END PUBLIC KEY-----
 *
 * The name is part of the key id; the period, when given, limits which
 * checkpoints the key is trusted for.
 */

const COMMENT = /^# stableid public key (\S+) ([0-9a-f]{16})((?: valid-(?:from|until) \S+)*)\s*$/;
const PEM = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g;

/** Public keys in their published form. */
export function formatPublicKeys(keys: readonly (PublicKeyInfo & { readonly validFrom?: string | null; readonly validUntil?: string | null })[]): string {
  return keys
    .map((key) => {
      const period = `${key.validFrom ? ` valid-from ${key.validFrom}` : ''}${key.validUntil ? ` valid-until ${key.validUntil}` : ''}`;
      const pem = publicKeyObject(key.publicKey).export({ type: 'spki', format: 'pem' }).toString();
      return `# stableid public key ${key.name} ${key.keyId}${period}\n${pem}`;
    })
    .join('');
}

/** The keys of a published key file; CHECKPOINT_FORMAT when a key is unnamed, not Ed25519, or not the key its id says. */
export function parsePublicKeys(text: string): TrustedKey[] {
  const keys: TrustedKey[] = [];
  let named: { name: string; keyId: string; validFrom: string | null; validUntil: string | null } | null = null;
  let pem: string[] | null = null;
  for (const line of text.split(/\r?\n/)) {
    const comment = COMMENT.exec(line);
    if (comment) {
      const period = comment[3] ?? '';
      named = {
        name: comment[1] as string,
        keyId: comment[2] as string,
        validFrom: /valid-from (\S+)/.exec(period)?.[1] ?? null,
        validUntil: /valid-until (\S+)/.exec(period)?.[1] ?? null,
      };
      continue;
    }
    if (line.startsWith('-----BEGIN PUBLIC KEY-----')) pem = [];
    if (pem) pem.push(line);
    if (pem && line.startsWith('-----END PUBLIC KEY-----')) {
      keys.push(namedKey(named, pem.join('\n')));
      named = null;
      pem = null;
    }
  }
  if (keys.length === 0 || (text.match(PEM)?.length ?? 0) !== keys.length) {
    throw new StableIdError('CHECKPOINT_FORMAT', 'no public key found: a key file holds PEM public keys, each after a "# stableid public key <name> <key id>" line');
  }
  return keys;
}

function namedKey(named: { name: string; keyId: string; validFrom: string | null; validUntil: string | null } | null, pem: string): TrustedKey {
  if (!named || !KEY_NAME.test(named.name)) throw new StableIdError('CHECKPOINT_FORMAT', 'a public key must follow a "# stableid public key <name> <key id>" line');
  let publicKey: string;
  try {
    publicKey = publicKeyOf(createPublicKey(pem));
  } catch (error) {
    if (error instanceof StableIdError) throw error;
    throw new StableIdError('CHECKPOINT_FORMAT', `the public key of ${named.name} cannot be read: ${(error as Error).message}`, {}, { cause: error });
  }
  if (keyIdOf(named.name, publicKey) !== named.keyId) {
    throw new StableIdError('CHECKPOINT_FORMAT', `the public key named ${named.name} ${named.keyId} is not that key (its id would be ${keyIdOf(named.name, publicKey)})`, {
      keyId: named.keyId,
    });
  }
  return { name: named.name, keyId: named.keyId, publicKey, validFrom: named.validFrom, validUntil: named.validUntil };
}
