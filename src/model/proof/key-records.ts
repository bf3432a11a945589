import type { TrustedKey } from './signature-check.js';
import { type PublicKeyInfo, type Signer, keyIdOf, verifySignature } from './signing.js';

/**
 * A registry signing key as the registry records it: its public part, the
 * period it signs checkpoints in, and signatures that make the record
 * tamper-evident — its own over the record (whoever recorded it held the
 * private key), and on retirement its successor's over the retirement. Keys
 * follow each other without gap or overlap; the last one is the active one.
 */
export interface SigningKeyRecord extends PublicKeyInfo {
  readonly validFrom: string;
  /** When it was retired (its successor's validFrom), or null while active. */
  readonly validUntil: string | null;
  /** The key's own signature over {@link keyStatement}. */
  readonly signature: string;
  /** The successor that retired it, or null while active. */
  readonly retiredBy: string | null;
  /** The successor's signature over {@link retirementStatement}, or null while active. */
  readonly retirementSignature: string | null;
}

/** What a key signs about itself when it is recorded. */
export function keyStatement(key: PublicKeyInfo & { readonly validFrom: string }): string {
  return `stableid signing key v1\nname ${key.name}\nkey ${key.keyId}\npublic ${key.publicKey}\nvalid-from ${key.validFrom}\n`;
}

/** What a successor signs when it retires a key. */
export function retirementStatement(keyId: string, validUntil: string, successor: string): string {
  return `stableid signing key retired v1\nkey ${keyId}\nvalid-until ${validUntil}\nsuccessor ${successor}\n`;
}

/** The record of a new key that signs from `at`. */
export function newKeyRecord(signer: Signer, at: string): SigningKeyRecord {
  const base = { name: signer.name, keyId: signer.keyId, publicKey: signer.publicKey, validFrom: at };
  return { ...base, validUntil: null, signature: signer.sign(keyStatement(base)), retiredBy: null, retirementSignature: null };
}

/** What retiring `keyId` at `at` in favour of `successor` records. */
export function retirement(keyId: string, at: string, successor: Signer): { readonly validUntil: string; readonly retiredBy: string; readonly retirementSignature: string } {
  return { validUntil: at, retiredBy: successor.keyId, retirementSignature: successor.sign(retirementStatement(keyId, at, successor.keyId)) };
}

/** One thing wrong with the recorded keys. */
export interface KeyRecordProblem {
  readonly keyId: string;
  readonly message: string;
}

/**
 * Everything that can be checked about the recorded keys without trusting
 * them: each id matches its name and public key, each record carries its own
 * signature, each retirement its successor's, and the periods follow each
 * other without gap or overlap, the last one open.
 */
export function checkKeyRecords(records: readonly SigningKeyRecord[]): KeyRecordProblem[] {
  const problems: KeyRecordProblem[] = [];
  const keys = [...records].sort((a, b) => (a.validFrom < b.validFrom ? -1 : a.validFrom > b.validFrom ? 1 : a.keyId < b.keyId ? -1 : 1));
  keys.forEach((key, index) => {
    const problem = (message: string): void => {
      problems.push({ keyId: key.keyId, message: `signing key ${key.keyId} (${key.name}): ${message}` });
    };
    let id: string | null;
    try {
      id = keyIdOf(key.name, key.publicKey);
    } catch {
      id = null;
    }
    if (id !== key.keyId) problem('its id does not match its name and public key');
    else if (!verifySignature(key.publicKey, keyStatement(key), key.signature)) problem('its record does not carry its own signature');
    const next = keys[index + 1];
    if (!next) {
      if (key.validUntil !== null || key.retiredBy !== null || key.retirementSignature !== null) problem('it is recorded as retired, but no key succeeded it');
      return;
    }
    if (key.validUntil === null) {
      problem(`it is still active while ${next.keyId} has signed since ${next.validFrom}`);
      return;
    }
    if (key.validUntil !== next.validFrom || key.retiredBy !== next.keyId) {
      problem(`its period ends ${key.validUntil}, retired by ${key.retiredBy ?? 'nobody'}, but ${next.keyId} succeeded it at ${next.validFrom}`);
      return;
    }
    if (key.retirementSignature === null || !verifySignature(next.publicKey, retirementStatement(key.keyId, key.validUntil, next.keyId), key.retirementSignature)) {
      problem(`its retirement does not carry the signature of its successor ${next.keyId}`);
    }
  });
  return problems;
}

/** The recorded keys as the keys a verifier trusts, each for its period. */
export function trustedKeysOf(records: readonly SigningKeyRecord[]): TrustedKey[] {
  return records.map(({ name, keyId, publicKey, validFrom, validUntil }) => ({ name, keyId, publicKey, validFrom, validUntil }));
}
