import { type KeyObject, createPublicKey, hash, sign, verify } from 'node:crypto';
import { StableIdError } from '../errors.js';

/*
 * Ed25519 signatures over text, with node:crypto. Pure computation: keys
 * come in as KeyObjects or base64 and nothing here reads or writes files.
 */

/** Key names: what signature lines and key lists show; part of the key id. */
export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Domain tag of key ids, so a key id is never mistaken for another hash. */
const KEY_ID_TAG = 'stableid/key/v1\u0000';

/** A public key as stableid records and publishes it. */
export interface PublicKeyInfo {
  readonly name: string;
  /** 16 hex digits: see {@link keyIdOf}. */
  readonly keyId: string;
  /** The raw 32-byte Ed25519 public key, base64. */
  readonly publicKey: string;
}

/** What signs checkpoints and key records: a private key and its public identity. */
export interface Signer extends PublicKeyInfo {
  /** The Ed25519 signature of the UTF-8 text, base64. */
  sign(text: string): string;
}

/**
 * The id of a key: the first 8 bytes of SHA-256 over a tag, the key's name
 * and its raw public key, in hex. Binding the name in means a key listed
 * under another name no longer matches its id.
 */
export function keyIdOf(name: string, publicKey: string): string {
  const raw = rawKey(publicKey);
  return hash('sha256', Buffer.concat([Buffer.from(`${KEY_ID_TAG}${name}\u0000`, 'utf8'), raw]), 'hex').slice(0, 16);
}

/** The base64 raw public key of an Ed25519 key object (private or public). */
export function publicKeyOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new StableIdError('CHECKPOINT_FORMAT', `an ${publicKey.asymmetricKeyType ?? 'unknown'} key is not an Ed25519 key`);
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.from(String(jwk.x), 'base64url').toString('base64');
}

/** The public key object of a base64 raw Ed25519 key. */
export function publicKeyObject(publicKey: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: rawKey(publicKey).toString('base64url') }, format: 'jwk' });
}

/** A signer from an Ed25519 private key and the name it signs under. */
export function signerOf(name: string, privateKey: KeyObject): Signer {
  if (!KEY_NAME.test(name)) throw new StableIdError('INVALID_ARGUMENT', `a key name must match ${KEY_NAME.source}, got ${JSON.stringify(name)}`, { field: 'name' });
  if (privateKey.type !== 'private') throw new StableIdError('INVALID_ARGUMENT', 'a signer needs a private key', { field: 'key' });
  const publicKey = publicKeyOf(privateKey);
  return Object.freeze({
    name,
    keyId: keyIdOf(name, publicKey),
    publicKey,
    sign: (text: string): string => sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64'),
  });
}

/** Whether `signature` (base64) is the Ed25519 signature of `text` by `publicKey` (base64 raw); false for anything malformed. */
export function verifySignature(publicKey: string, text: string, signature: string): boolean {
  try {
    const bytes = Buffer.from(signature, 'base64');
    if (bytes.length !== 64 || bytes.toString('base64') !== signature) return false;
    return verify(null, Buffer.from(text, 'utf8'), publicKeyObject(publicKey), bytes);
  } catch {
    return false;
  }
}

function rawKey(publicKey: string): Buffer {
  const raw = Buffer.from(publicKey, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== publicKey) {
    throw new StableIdError('CHECKPOINT_FORMAT', `an Ed25519 public key is 32 bytes in base64, got ${JSON.stringify(publicKey).slice(0, 60)}`);
  }
  return raw;
}
