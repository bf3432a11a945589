import { StableIdError } from '../errors.js';
import type { CheckpointNote } from './checkpoint-note.js';
import { type PublicKeyInfo, verifySignature } from './signing.js';

/** A public key a verifier trusts, with the period it signed in (open ends: any time). */
export interface TrustedKey extends PublicKeyInfo {
  readonly validFrom?: string | null;
  readonly validUntil?: string | null;
}

/**
 * What one signature line of a note amounts to: `valid`; `invalid` (the
 * trusted key did not make it); `outside-validity` (the key made it, but the
 * checkpoint's time is outside the key's period); `untrusted` (no key the
 * verifier trusts has this id: neither good nor bad).
 */
export type SignatureStatus = 'valid' | 'invalid' | 'outside-validity' | 'untrusted';

export interface SignatureCheck {
  readonly name: string;
  readonly keyId: string;
  readonly status: SignatureStatus;
}

/** Each signature line of the note checked against the trusted keys. */
export function checkSignatures(note: CheckpointNote, trusted: readonly TrustedKey[]): SignatureCheck[] {
  return note.signatures.map(({ name, keyId, signature }) => {
    const key = trusted.find((k) => k.keyId === keyId);
    if (!key) return { name, keyId, status: 'untrusted' };
    if (key.name !== name || !verifySignature(key.publicKey, note.body, signature)) return { name, keyId, status: 'invalid' };
    const time = note.checkpoint.time;
    const within = (key.validFrom == null || key.validFrom <= time) && (key.validUntil == null || time <= key.validUntil);
    return { name, keyId, status: within ? 'valid' : 'outside-validity' };
  });
}

/**
 * The checks of {@link checkSignatures}, or SIGNATURE_INVALID when a trusted
 * key's signature fails, when no trusted key signed validly, or when a key
 * in `required` (witnesses the verifier insists on) did not sign validly.
 */
export function requireSignatures(note: CheckpointNote, trusted: readonly TrustedKey[], required: readonly string[] = []): SignatureCheck[] {
  const checks = checkSignatures(note, trusted);
  const { namespace, size } = note.checkpoint;
  const bad = checks.find((c) => c.status === 'invalid' || c.status === 'outside-validity');
  if (bad) {
    const why = bad.status === 'invalid' ? 'does not verify' : `was made outside the key's validity (checkpoint time ${note.checkpoint.time})`;
    throw new StableIdError('SIGNATURE_INVALID', `the signature of ${bad.name} (key ${bad.keyId}) on the checkpoint of "${namespace}" at size ${size} ${why}`, {
      namespace,
      size,
      keyId: bad.keyId,
    });
  }
  if (!checks.some((c) => c.status === 'valid')) {
    const named = note.signatures.map((s) => `${s.name} ${s.keyId}`).join(', ') || 'none';
    throw new StableIdError('SIGNATURE_INVALID', `no trusted key signed the checkpoint of "${namespace}" at size ${size} (signed by: ${named})`, { namespace, size });
  }
  for (const keyId of required) {
    if (!checks.some((c) => c.keyId === keyId && c.status === 'valid')) {
      throw new StableIdError('SIGNATURE_INVALID', `key ${keyId} has not co-signed the checkpoint of "${namespace}" at size ${size}`, { namespace, size, keyId });
    }
  }
  return checks;
}
