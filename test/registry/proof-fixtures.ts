import { generateKeyPairSync } from 'node:crypto';
import { formatPublicKeys } from '../../src/model/proof/public-keys.js';
import { type Signer, signerOf } from '../../src/model/proof/signing.js';
import type { Registry } from '../../src/registry/registry.js';
import { ORDER, binding, defineOrder, legacy, typeId } from './fixtures.js';

/** A signer with a fresh Ed25519 key, held in memory only. */
export function testSigner(name = 'registry'): Signer {
  return signerOf(name, generateKeyPairSync('ed25519').privateKey);
}

export const CUSTOMER = 'customer';

/** The registry's keys and checkpoints of a {@link seedProofRegistry} registry. */
export interface ProofSeed {
  readonly first: Signer;
  readonly second: Signer;
  /** The sizes of ORDER's checkpoints, oldest first. */
  readonly orderCheckpoints: readonly number[];
}

/**
 * Two namespaces with every kind of event and row, ORDER long enough for a
 * Merkle tile (256 events) and checkpointed twice around a key rotation,
 * CUSTOMER checkpointed once: every table of the registry holds rows.
 */
export async function seedProofRegistry(registry: Registry, orders = 270): Promise<ProofSeed> {
  await registry.createNamespace({ name: CUSTOMER, owner: 'crm-team', stewards: ['carol'] });
  await registry.addScheme(CUSTOMER, 'v1', { kind: 'integer', min: 1 });
  await registry.register({ namespace: CUSTOMER, scheme: 'v1', value: '1' });
  await defineOrder(registry);
  await registry.writeMany(
    Array.from({ length: orders }, (_, i) => ({
      request: { op: 'register' as const, namespace: ORDER, scheme: 'v1', value: legacy(i + 1), ...(i % 3 === 0 ? { binding: binding(`k${i + 1}`) } : {}) },
    })),
  );
  for (const n of [1, 2, 3]) await registry.alias({ namespace: ORDER, from: { value: legacy(n) }, scheme: 'v2', value: typeId(n), migration: n === 2 ? 'v2-rollout' : undefined });
  await registry.rebind({ namespace: ORDER, identifier: { value: legacy(1) }, binding: binding('k1-moved') });
  await registry.deprecate({ namespace: ORDER, identifier: { value: legacy(1) }, sunset: '2027-01-31' });
  await registry.archive({ namespace: ORDER, identifier: { value: legacy(4) } });
  await registry.deprecateScheme(ORDER, 'v3', '2027-06-30', 'v2');
  await registry.erase({ namespace: ORDER, identifier: { value: legacy(5) } });
  const first = testSigner('registry');
  await registry.addSigningKey(first);
  const one = await registry.checkpoint(ORDER, first);
  const second = testSigner('registry-2');
  await registry.rotateSigningKey(second);
  await registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(orders + 1), binding: binding('late') });
  await registry.rebind({ namespace: ORDER, identifier: { value: legacy(2) }, binding: binding('k2-moved') });
  const two = await registry.checkpoint(ORDER, second);
  await registry.checkpoint(CUSTOMER, second);
  return { first, second, orderCheckpoints: [one.record.size, two.record.size] };
}

/** A registry's first signing key and its published form, after checkpointing some namespaces with it. */
export interface CheckpointedKey {
  readonly signer: Signer;
  /** The public key file `stableid keys export-public` would write. */
  readonly publicKeys: string;
}

/** Gives the registry a fresh signing key and checkpoints each of `namespaces` with it. */
export async function checkpointWithNewKey(registry: Registry, namespaces: readonly string[]): Promise<CheckpointedKey> {
  const signer = testSigner();
  await registry.addSigningKey(signer);
  for (const namespace of namespaces) await registry.checkpoint(namespace, signer);
  return { signer, publicKeys: formatPublicKeys(await registry.signingKeys()) };
}
