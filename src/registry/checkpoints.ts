import { StableIdError } from '../model/errors.js';
import { hashFromHex, hashToHex } from '../model/merkle/merkle-hash.js';
import { verifyConsistency } from '../model/merkle/merkle-proofs.js';
import {
  type Checkpoint,
  type CheckpointNote,
  type CheckpointRecord,
  checkpointBody,
  formatCheckpointNote,
  parseCheckpointNote,
  signCheckpoint,
} from '../model/proof/checkpoint-note.js';
import { type SigningKeyRecord, trustedKeysOf } from '../model/proof/key-records.js';
import { MAPPING_PROOF_FORMAT, type MappingProof, type ProvenEvent } from '../model/proof/mapping-proof.js';
import { type SignatureCheck, type TrustedKey, requireSignatures } from '../model/proof/signature-check.js';
import type { Signer } from '../model/proof/signing.js';
import type { Resolution } from '../model/types.js';
import { type MerkleTile, type Store, type StoreReader, TILE_SIZE } from '../store/store.js';
import { LogProver, scanLog } from './merkle-log.js';
import { type Divergence, LOG_KINDS, type NamespaceVerification, firstDivergence, signingKeys, verifyNamespace } from './verify.js';

/** A checkpoint the registry keeps, as the note it exports. */
export interface KeptCheckpoint {
  readonly record: CheckpointRecord;
  /** The signed note: the text auditors and witnesses hold. */
  readonly note: string;
}

/** What {@link createCheckpoint} did: signed a new checkpoint, or found the log's head already signed by this key. */
export interface CheckpointOutcome extends KeptCheckpoint {
  readonly created: boolean;
}

/**
 * Signs a checkpoint of the namespace's log as it stands, with the
 * registry's active key. Before signing, the whole tree is recomputed from
 * the stored event hashes and checked against every earlier checkpoint (and
 * the stored tiles): the registry never signs a history that is not an
 * append-only extension of what it signed before (PROOF_FAILED). The tiles
 * the tree completed are recorded with it. Signing a head already signed by
 * the same key returns that checkpoint.
 */
export async function createCheckpoint(store: Store, namespace: string, signer: Signer, now: () => Date): Promise<CheckpointOutcome> {
  const prepared = await store.read(async (reader) => {
    const head = await reader.head(namespace);
    if (!head) throw new StableIdError('NAMESPACE_NOT_FOUND', `namespace "${namespace}" does not exist`, { namespace });
    const keys = await reader.signingKeys();
    const active = keys.find((k) => k.validUntil === null);
    if (!active) throw new StableIdError('KEY_NOT_FOUND', 'the registry has no signing key yet: run stableid keys generate', {});
    if (active.keyId !== signer.keyId) {
      throw new StableIdError('KEY_CONFLICT', `key ${signer.keyId} is not the registry's active signing key (${active.keyId})`, { keyId: signer.keyId });
    }
    const earlier = await reader.checkpoints(namespace);
    const same = earlier.find((c) => c.size === head.seq && c.keyId === signer.keyId);
    if (same) return { kind: 'existing' as const, existing: same, keys };
    const tree = await scanLog(reader, namespace, head.seq, earlier.map((c) => c.size));
    const last = tree.head;
    if (!last || hashToHex(last) !== head.hash) {
      throw new StableIdError('VERIFY_FAILED', `the recorded head of "${namespace}" is not its last event; run stableid verify`, { namespace, seq: head.seq });
    }
    for (const checkpoint of earlier) {
      const root = tree.rootAt(checkpoint.size);
      if (!root || hashToHex(root) !== checkpoint.root) {
        throw new StableIdError(
          'PROOF_FAILED',
          `the log of "${namespace}" is not an append-only extension of its checkpoint at size ${checkpoint.size}: history was rewritten; run stableid verify`,
          { namespace, size: checkpoint.size },
        );
      }
    }
    const stored = await reader.merkleTiles(namespace, 0, tree.tiles.length);
    for (const tile of stored) {
      if (!tree.tiles[tile.index]?.equals(tile.root)) {
        throw new StableIdError('VERIFY_FAILED', `stored Merkle tile ${tile.index} of "${namespace}" does not match the log; run stableid verify`, {
          namespace,
          seq: tile.index * TILE_SIZE + 1,
        });
      }
    }
    const known = new Set(stored.map((tile) => tile.index));
    const tiles: MerkleTile[] = tree.tiles.flatMap((root, index) => (known.has(index) ? [] : [{ index, root }]));
    const checkpoint: Checkpoint = { namespace, size: head.seq, root: hashToHex(tree.root()), head: head.hash, time: now().toISOString() };
    return { kind: 'new' as const, checkpoint, tiles, keys };
  });
  if (prepared.kind === 'existing') return { record: prepared.existing, note: noteOf(prepared.existing, prepared.keys), created: false };
  const note = signCheckpoint(prepared.checkpoint, signer);
  const record: CheckpointRecord = { ...prepared.checkpoint, keyId: signer.keyId, signature: note.signatures[0]?.signature ?? '' };
  await store.write((tx) => tx.addCheckpoint(record, prepared.tiles));
  return { record, note: formatCheckpointNote(note), created: true };
}

/** The note of a kept checkpoint: its body and the registry's signature line, under the key's recorded name. */
export function noteOf(record: CheckpointRecord, keys: readonly SigningKeyRecord[]): string {
  const name = keys.find((k) => k.keyId === record.keyId)?.name ?? 'unknown';
  return formatCheckpointNote({ checkpoint: record, body: checkpointBody(record), signatures: [{ name, keyId: record.keyId, signature: record.signature }] });
}

/** The namespace's kept checkpoints, oldest first, with their notes. */
export async function keptCheckpoints(reader: StoreReader, namespace: string): Promise<KeptCheckpoint[]> {
  const [records, keys] = await Promise.all([reader.checkpoints(namespace), reader.signingKeys()]);
  return records.map((record) => ({ record, note: noteOf(record, keys) }));
}

/** How a checkpoint held by an auditor relates to the log as it is now. */
export interface CheckpointVerification {
  /** The signatures hold, the log extends the checkpoint, and the namespace verifies. */
  readonly ok: boolean;
  readonly checkpoint: Checkpoint;
  readonly signatures: readonly SignatureCheck[];
  readonly consistency: {
    readonly from: number;
    readonly to: number;
    readonly fromRoot: string;
    readonly toRoot: string;
    /** RFC 9162 consistency proof from the checkpoint's tree to the current one, hex. */
    readonly proof: readonly string[];
    /** Whether the proof verifies against the checkpoint's root and the root the stored events make now. */
    readonly ok: boolean;
  };
  /** The full verification of the namespace (chain, values, projections, tiles, kept checkpoints). */
  readonly verification: NamespaceVerification;
  /**
   * Where history first differs from what the checkpoint signed, or from
   * what the log itself proves: null when nothing does. When the log was
   * rewritten so consistently that no stored row shows where (chain, tiles
   * and values all recomputed), the seq is null: the checkpoint proves the
   * rewrite, but not its place.
   */
  readonly first: Divergence | null;
}

/**
 * Checks a checkpoint note against the log: its signatures by the trusted
 * keys (SIGNATURE_INVALID when they fail; `required` names witness keys that
 * must have co-signed), then that the current log is an append-only
 * extension of it, by an RFC 9162 consistency proof verified against the
 * checkpoint's root and the root recomputed from the stored events, then
 * the namespace's full verification. Trusted keys default to the keys the
 * registry records; an auditor passes the published ones instead.
 */
export async function verifyCheckpoint(
  reader: StoreReader,
  text: string,
  options: { readonly trusted?: readonly TrustedKey[]; readonly required?: readonly string[] } = {},
): Promise<CheckpointVerification> {
  const note: CheckpointNote = parseCheckpointNote(text);
  const { checkpoint } = note;
  const { namespace, size } = checkpoint;
  const keys = await signingKeys(reader);
  const signatures = requireSignatures(note, options.trusted ?? trustedKeysOf(keys.records), options.required);
  if (!(await reader.head(namespace)) && !(await reader.getNamespace(namespace))) {
    throw new StableIdError('NAMESPACE_NOT_FOUND', `namespace "${namespace}" does not exist`, { namespace });
  }
  const { verification, tree } = await verifyNamespace(reader, namespace, keys, [size]);
  const toRoot = hashToHex(tree.root());
  const extends_ = size <= tree.size;
  const proof = extends_ ? await new LogProver(reader, namespace).consistency(size, tree.size).catch(() => []) : [];
  const proofOk = extends_ && verifyConsistency(size, tree.size, hashFromHex(checkpoint.root), tree.root(), proof.map(hashFromHex));
  const prefixRoot = tree.rootAt(size);
  const consistent = prefixRoot !== undefined && hashToHex(prefixRoot) === checkpoint.root && tree.headAt(size) !== undefined && hashToHex(tree.headAt(size) as Buffer) === checkpoint.head;
  let first = firstDivergence(verification.divergences);
  if (!consistent) first = rewriteLocation(namespace, size, tree.size, verification.divergences);
  return {
    ok: consistent && proofOk && verification.ok,
    checkpoint,
    signatures,
    consistency: { from: size, to: tree.size, fromRoot: checkpoint.root, toRoot, proof, ok: consistent && proofOk },
    verification,
    first,
  };
}

/**
 * Where a log that does not extend a checkpoint first differs from it: the
 * first break of the log itself within the checkpoint's events (exact), else
 * the first stored Merkle tile that no longer matches (the first differing
 * event is among its 256), else unknown — a rewrite that recomputed the
 * chain and the tiles leaves nothing stored to show where it began.
 */
function rewriteLocation(namespace: string, size: number, logSize: number, divergences: readonly Divergence[]): Divergence {
  const base = { namespace, kind: 'checkpoint-consistency' as const, table: 'events' as const };
  if (logSize < size) return { ...base, seq: logSize + 1, message: `the log of "${namespace}" has ${logSize} events, fewer than the ${size} the checkpoint signed: events were removed from event ${logSize + 1}` };
  const rewritten = `the log of "${namespace}" is not an append-only extension of the checkpoint at size ${size}: history was rewritten`;
  const broken = divergences.find((d) => d.seq !== null && d.seq <= size && LOG_KINDS.has(d.kind));
  if (broken) return { ...base, seq: broken.seq, message: `${rewritten} from event ${String(broken.seq)} (${broken.message})` };
  const tile = divergences.find((d) => d.seq !== null && d.seq <= size && d.kind === 'merkle-tile');
  if (tile?.seq != null) {
    const last = Math.min(size, tile.seq + TILE_SIZE - 1);
    return { ...base, seq: tile.seq, message: `${rewritten} within events ${tile.seq}…${last} (the stored Merkle tile over them no longer matches)` };
  }
  return { ...base, seq: null, message: `${rewritten}; the chain was recomputed, so no stored row shows where` };
}

/** The consistency proof between the namespace's trees of `from` and `to` events (to ≤ the log's size), hex. */
export async function consistencyProof(reader: StoreReader, namespace: string, from: number, to: number): Promise<string[]> {
  const head = await reader.head(namespace);
  if (!head) throw new StableIdError('NAMESPACE_NOT_FOUND', `namespace "${namespace}" does not exist`, { namespace });
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || from > to || to > head.seq) {
    throw new StableIdError('INVALID_ARGUMENT', `no consistency proof from size ${from} to size ${to}: the log of "${namespace}" has ${head.seq} events`, { namespace, field: 'size' });
  }
  return new LogProver(reader, namespace).consistency(from, to);
}

/**
 * The proof of a resolution: every event it rests on (its identifiers'
 * creations, their lifecycle changes and erasures, their schemes' lifecycle
 * changes, the binding version shown), each with its inclusion proof
 * against the namespace's latest checkpoint, and the salts of the values
 * shown. CHECKPOINT_NOT_FOUND when no checkpoint covers all those events.
 */
export async function proveResolution(reader: StoreReader, resolution: Resolution): Promise<MappingProof> {
  const { namespace } = resolution;
  const checkpoints = await reader.checkpoints(namespace);
  const latest = checkpoints.reduce<CheckpointRecord | undefined>((best, c) => (!best || c.size > best.size || (c.size === best.size && c.time > best.time) ? c : best), undefined);
  if (!latest) throw new StableIdError('CHECKPOINT_NOT_FOUND', `namespace "${namespace}" has no checkpoint yet: run stableid checkpoint ${namespace}`, { namespace });
  const asOf = resolution.asOf;
  const existed = (at: string): boolean => asOf === null || at <= asOf;
  const identifiers = resolution.identifiers.map((i) => i.seq);
  const schemes = new Set(resolution.identifiers.map((i) => i.scheme));
  const seqs = new Set<number>(identifiers);
  for (const state of await reader.identifierStates(namespace, identifiers)) if (existed(state.at)) seqs.add(state.seq);
  for (const erasure of await reader.erasures(namespace, identifiers)) if (existed(erasure.at)) seqs.add(erasure.seq);
  for (const state of await reader.schemeStates(namespace)) if (schemes.has(state.scheme) && existed(state.at)) seqs.add(state.seq);
  if (resolution.binding) seqs.add(resolution.binding.seq);
  const newest = Math.max(...seqs);
  if (newest > latest.size) {
    throw new StableIdError(
      'CHECKPOINT_NOT_FOUND',
      `the mapping rests on event ${newest} of "${namespace}", after its latest checkpoint (size ${latest.size}): run stableid checkpoint ${namespace}`,
      { namespace, seq: newest, size: latest.size },
    );
  }
  const prover = new LogProver(reader, namespace);
  const events: ProvenEvent[] = [];
  for (const seq of [...seqs].sort((a, b) => a - b)) {
    const [event] = await reader.events(namespace, seq - 1, 1);
    if (!event || event.seq !== seq) throw new StableIdError('VERIFY_FAILED', `event ${seq} of "${namespace}" is missing; run stableid verify`, { namespace, seq });
    events.push({ event, path: await prover.inclusion(seq - 1, latest.size) });
  }
  const salts: Record<string, string> = {};
  for (const view of resolution.identifiers) {
    if (view.value === null) continue;
    const [secret] = await reader.secrets(namespace, view.seq, view.seq);
    if (secret) salts[String(view.seq)] = secret.salt;
  }
  const keys = await reader.signingKeys();
  return { format: MAPPING_PROOF_FORMAT, checkpoint: noteOf(latest, keys), resolution, events, salts };
}
